import type { Card } from '../../cards/render';
import type { Logger } from '../log';
import { Telemetry } from '../telemetry';
import { Backoff, backoffDelay } from '../shared/retry';
import { AdaptiveRate, ConversationWindows, DEFAULT_PACING, PacingOptions, PacingSignal, RateWindow, TEAMS_CONVERSATION_WINDOWS, TokenBucket } from './limits';
import { ConversationTarget, DeliveryError, Messenger } from './messenger';

/**
 * The one way out to Teams: every proactive request (notices, reminders, card updates, welcome cards) waits
 * for its turn under its tenant's budget and its conversation's windows, and a failure is judged in one place.
 */

/** The clock and the waiting of the pipeline, injected so that specs move time themselves. */
export interface Timers {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Teams' codes for a recipient who blocked or removed the bot (documented, and seen in practice). */
export const BLOCKED_CODES: readonly string[] = ['MessageWritesBlocked', 'ConversationBlockedByUser'];

/** A failed call to Teams. */
export interface SendFailure {
  status: number;
  code: string;
  retryAfterMs?: number;
}

/** How a message that could not be delivered ends. */
export type FinalStatus = 'blocked' | 'notFound' | 'failed';

export type FailureVerdict = { kind: 'retry'; afterMs?: number } | { kind: 'recreate' } | { kind: 'final'; status: FinalStatus };

/**
 * What to do after Teams refused a request: wait out Retry-After on 429; back off on 412, 5xx and no answer;
 * blocked is final; 404 recreates a 1:1 conversation once; anything else, or too many attempts, is final.
 * `attempts` counts the attempts made so far, including this one.
 */
export function judgeFailure(failure: SendFailure, context: { attempts: number; maxAttempts: number; person: boolean; recreated: boolean }): FailureVerdict {
  if (failure.status === 403) return { kind: 'final', status: BLOCKED_CODES.includes(failure.code) ? 'blocked' : 'failed' };
  if (failure.status === 404) return context.person && !context.recreated ? { kind: 'recreate' } : { kind: 'final', status: 'notFound' };
  const transient = failure.status === 429 || failure.status === 412 || failure.status === 408 || failure.status === 0 || failure.status >= 500;
  if (!transient || context.attempts >= context.maxAttempts) return { kind: 'final', status: 'failed' };
  return failure.status === 429 && failure.retryAfterMs !== undefined ? { kind: 'retry', afterMs: failure.retryAfterMs } : { kind: 'retry' };
}

/** What a failure the pipeline gave up on means for whoever sent the message. */
export function finalStatus(error: unknown): FinalStatus {
  if (!(error instanceof DeliveryError)) return 'failed';
  const verdict = judgeFailure(error, { attempts: 1, maxAttempts: 1, person: false, recreated: true });
  return verdict.kind === 'final' ? verdict.status : 'failed';
}

interface Waiter {
  resolve(admitted: boolean): void;
}

interface TenantGate {
  bucket: TokenBucket;
  pacing: AdaptiveRate;
  queue: Waiter[];
  pumping: boolean;
}

/**
 * One budget per tenant for the whole process, under Teams' 50 requests a second, and Teams' windows per
 * conversation. Requests of a tenant wait in order for a token; one timer per tenant serves the queue. The
 * tenant's rate adapts to Teams' answers (AdaptiveRate) and never goes above `ratePerSecond`, the ceiling.
 */
export class TenantBudget {
  private readonly tenants = new Map<string, TenantGate>();
  private readonly conversations: ConversationWindows;

  constructor(
    readonly ratePerSecond: number,
    private readonly timers: Timers = realTimers,
    windows: readonly RateWindow[] = TEAMS_CONVERSATION_WINDOWS,
    private readonly burst = Math.max(1, Math.min(ratePerSecond, Math.ceil(ratePerSecond / 4))),
    private readonly pacing: PacingOptions = DEFAULT_PACING,
  ) {
    this.conversations = new ConversationWindows(windows);
  }

  /** Waits until one request of this tenant, in this conversation, may go; false when `signal` aborted first. */
  async admit(tenantId: string, conversationKey: string | undefined, signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      if (conversationKey !== undefined) {
        const wait = this.conversations.waitMs(conversationKey, this.timers.now());
        if (wait > 0) {
          await this.timers.sleep(wait, signal);
          continue;
        }
      }
      if (!(await this.token(tenantId, signal))) return false;
      if (conversationKey === undefined) return true;
      const now = this.timers.now();
      // Another request in this conversation may have taken the place while this one queued for a token.
      if (this.conversations.waitMs(conversationKey, now) > 0) continue;
      this.conversations.record(conversationKey, now);
      return true;
    }
  }

  private gate(tenantId: string): TenantGate {
    let gate = this.tenants.get(tenantId);
    if (!gate) {
      const pacing = new AdaptiveRate(this.ratePerSecond, this.pacing);
      gate = { bucket: new TokenBucket(pacing.rate, this.burst, this.timers.now()), pacing, queue: [], pumping: false };
      this.tenants.set(tenantId, gate);
    }
    return gate;
  }

  /** What Teams answered a request of this tenant: the pacing adapts the tenant's rate to it. */
  observe(tenantId: string, signal: PacingSignal): void {
    const gate = this.gate(tenantId);
    const now = this.timers.now();
    gate.pacing.observe(signal, now);
    if (gate.pacing.rate !== gate.bucket.ratePerSecond) gate.bucket.setRate(gate.pacing.rate, now);
  }

  /** The tenant's rate now, in requests a second. */
  rateOf(tenantId: string): number {
    return this.gate(tenantId).pacing.rate;
  }

  /** The tenant's pacing: its rate now and how often it stepped down, and why. */
  pacingOf(tenantId: string): { rate: number; stepDowns: AdaptiveRate['stepDowns'] } {
    const { pacing } = this.gate(tenantId);
    return { rate: pacing.rate, stepDowns: { ...pacing.stepDowns } };
  }

  private token(tenantId: string, signal: AbortSignal | undefined): Promise<boolean> {
    const gate = this.gate(tenantId);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = { resolve };
      if (signal) {
        const abandon = (): void => {
          const at = gate.queue.indexOf(waiter);
          if (at >= 0) gate.queue.splice(at, 1);
          resolve(false);
        };
        signal.addEventListener('abort', abandon, { once: true });
        waiter.resolve = (admitted) => {
          signal.removeEventListener('abort', abandon);
          resolve(admitted);
        };
      }
      gate.queue.push(waiter);
      void this.pump(gate);
    });
  }

  private async pump(gate: TenantGate): Promise<void> {
    if (gate.pumping) return;
    gate.pumping = true;
    try {
      while (gate.queue.length > 0) {
        const now = this.timers.now();
        const hold = gate.pacing.holdMs(now);
        if (hold > 0) await this.timers.sleep(hold);
        else if (gate.bucket.tryTake(now)) gate.queue.shift()?.resolve(true);
        else await this.timers.sleep(Math.max(1, gate.bucket.waitMs(now)));
      }
    } finally {
      gate.pumping = false;
    }
  }
}

/** How often a message is tried, and how long to back off when Teams names no wait. */
export interface RetryPolicy {
  maxAttempts: number;
  backoff: Backoff;
}

/** Whose budget and which conversation's windows a request counts against. */
export interface Route {
  tenantId: string;
  conversationKey?: string;
}

/** A request that may be given up while it waits for its turn (a sender that lost its lease). */
export interface Abandon {
  signal: AbortSignal;
  /** Asked once the request's turn has come: false gives it up unmade. */
  stillWanted(): boolean;
}

/** A failed call to Teams as its dependency span tells it; undefined for errors that are not Teams' answer. */
export const asTeamsFailure = (error: unknown): DeliveryError | undefined => (error instanceof DeliveryError ? error : undefined);

/** Which Bot Connector call a request makes, for its dependency span. */
export type TeamsOperation = 'post' | 'update' | 'remove' | 'create_conversation';

export type Attempt<T> = { kind: 'done'; value: T } | { kind: 'abandoned' } | { kind: 'failed'; failure: DeliveryError; verdict: FailureVerdict; retryInMs: number };

/** The pipeline: one budget, one judgement, bounded attempts. */
export class Outbound {
  constructor(
    readonly budget: TenantBudget,
    readonly policy: RetryPolicy,
    private readonly log: Logger,
    private readonly timers: Timers = realTimers,
    private readonly random: () => number = Math.random,
    private readonly telemetry: Telemetry = new Telemetry(),
  ) {}

  /**
   * One request to Teams: waits for its turn, makes it (a dependency span: status, throttling, Retry-After), and judges a
   * failure (a DeliveryError); other errors are thrown.
   */
  async attempt<T>(
    route: Route,
    request: () => Promise<T>,
    /** `timesItself`: the request also does work of its own (store writes) and reports Teams' latency to the budget itself. */
    context: { operation: TeamsOperation; attempts: number; person?: boolean; recreated?: boolean; timesItself?: boolean },
    abandon?: Abandon,
  ): Promise<Attempt<T>> {
    if (!(await this.budget.admit(route.tenantId, route.conversationKey, abandon?.signal))) return { kind: 'abandoned' };
    if (abandon && !abandon.stillWanted()) return { kind: 'abandoned' };
    const startedAt = this.timers.now();
    try {
      const value = await this.telemetry.teamsCall(context.operation, context.attempts, request, asTeamsFailure);
      if (!context.timesItself) this.budget.observe(route.tenantId, { kind: 'taken', latencyMs: this.timers.now() - startedAt });
      return { kind: 'done', value };
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      if (error.status === 429) this.budget.observe(route.tenantId, { kind: 'throttled', ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) });
      const verdict = judgeFailure(error, { attempts: context.attempts, maxAttempts: this.policy.maxAttempts, person: context.person ?? false, recreated: context.recreated ?? false });
      const retryInMs = verdict.kind === 'retry' ? (verdict.afterMs ?? backoffDelay(context.attempts, this.policy.backoff, this.random)) : 0;
      return { kind: 'failed', failure: error, verdict, retryInMs };
    }
  }

  /** A message nothing is stored about: retried here until it goes, or thrown (a DeliveryError) once its failure is final. */
  async deliver<T>(route: Route, operation: TeamsOperation, request: () => Promise<T>): Promise<T> {
    for (let attempts = 1; ; attempts += 1) {
      const result = await this.attempt(route, request, { operation, attempts });
      if (result.kind === 'done') return result.value;
      if (result.kind === 'abandoned') throw new DeliveryError(0, 'Abandoned');
      const { status, code } = result.failure;
      if (result.verdict.kind !== 'retry') throw result.failure;
      this.log.info({ event: 'outbound.retry', tenantId: route.tenantId, status, code, attempts, waitMs: result.retryInMs }, 'Teams did not take a message; trying again');
      await this.timers.sleep(result.retryInMs);
    }
  }
}

/** Where a request goes on the wire. */
export type Address = Pick<ConversationTarget, 'conversationId' | 'serviceUrl' | 'tenantId'>;

/** The Bot Connector calls, with no retries and no pacing of their own (implemented in bot/teams). Throw DeliveryError. */
export interface TeamsTransport {
  /** Posts a card as a new message; resolves with its activity id. */
  post(address: Address, card: Card, summary?: string): Promise<string>;
  update(address: Address, activityId: string, card: Card): Promise<void>;
  remove(address: Address, activityId: string): Promise<void>;
}

/**
 * The windows a request counts against: Teams limits new messages (and new conversations) per conversation, and a
 * channel's reply chains together with the channel; an update or a delete counts against the tenant's budget only.
 */
export const postKeyOf = (conversationId: string): string => conversationId.split(';')[0] ?? conversationId;

/** The Messenger the capabilities use: every call through the pipeline. */
export class OutboundMessenger implements Messenger {
  constructor(
    private readonly outbound: Outbound,
    private readonly transport: TeamsTransport,
  ) {}

  post(target: ConversationTarget, card: Card, summary?: string): Promise<string> {
    return this.outbound.deliver({ tenantId: target.tenantId, conversationKey: postKeyOf(target.conversationId) }, 'post', () => this.transport.post(target, card, summary));
  }

  update(target: ConversationTarget, activityId: string, card: Card): Promise<void> {
    return this.outbound.deliver({ tenantId: target.tenantId }, 'update', () => this.transport.update(target, activityId, card));
  }

  remove(target: ConversationTarget, activityId: string): Promise<void> {
    return this.outbound.deliver({ tenantId: target.tenantId }, 'remove', () => this.transport.remove(target, activityId));
  }
}
