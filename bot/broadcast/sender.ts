import { setMaxListeners } from 'node:events';
import type { Card } from '../../cards/render';
import { Abandon, asTeamsFailure, Outbound, postKeyOf, TeamsOperation } from '../conversations/outbound';
import type { Logger } from '../log';
import { Telemetry } from '../telemetry';
import { backoffDelay, sleep } from '../shared/retry';
import type { Delivery, DeliveryStatus, Notice, Progress, Recipient } from './model';
import type { DeliveryTransport, NoticeRepository, OutboxEntry, RecipientDirectory, SenderCoordination } from './repository';
import { DeliveryWrites } from './deliveryWrites';
import { countProgress, DeliveryAction, newDelivery, nextAction, startIfDue, uniqueRecipients } from './rules';

export interface SenderOptions {
  /** This instance's name in the lease. */
  instanceId: string;
  leaseMs: number;
  /** Least time between two updates of the author's progress card. */
  progressIntervalMs: number;
  /** Requests to Teams in flight at once, per tenant. */
  concurrency: number;
  /** How often an idle instance reads the outbox. */
  pollMs: number;
  /** Most deliveries of a notice held in memory at once, and the size of a page read from the store (default 1,000). */
  pageSize?: number;
  /** Longest an outcome waits for a claim to carry it to the store in the same batch (default 100 ms). */
  writeLingerMs?: number;
}

/** How a notice's cards look to recipients and to the author. */
export interface NoticeCards {
  notice(notice: Notice): Card;
  reminder(notice: Notice): Card;
  progress(notice: Notice, progress: Progress): Card;
}

export interface SenderDeps {
  notices: NoticeRepository;
  coordination: SenderCoordination;
  transport: DeliveryTransport;
  /** The process's one way out to Teams: the tenant budget, the conversation windows, the judgement of failures. */
  outbound: Outbound;
  directory: RecipientDirectory;
  cards: NoticeCards;
  /** Called once when a notice has reached everyone it could (the release gate listens). */
  onSent?: (notice: Notice, progress: Progress) => Promise<void>;
  log: Logger;
  now?: () => number;
  /** Counts deliveries by outcome and lease handovers. */
  telemetry?: Telemetry;
}

/** What the sender measured, for the benchmark and the logs. */
export interface SenderStats {
  sent: number;
  requests: number;
  retries: number;
  /** Milliseconds between Teams accepting a message and the write that records it: the duplicate window of a crash. */
  recordLagMs: number[];
  /** The most deliveries of one notice held in memory at once. */
  heldPeak: number;
  /** Batches of delivery writes sent to the store, and the writes they carried. */
  writeTrips: number;
  writes: number;
}

interface Task {
  delivery: Delivery;
  run: NoticeRun;
  dueAt: number;
}

const DEFAULT_PAGE = 1000;
/** Least time between two counts of the acknowledgements for the progress card (a query over the notice's documents). */
const ACK_COUNT_MS = 30_000;
const DEFAULT_LINGER_MS = 100;
const NOTICE_REFRESH_MS = 1000;
const SWEEP_MS = 60_000;
const MAX_LAG_SAMPLES = 100_000;

/**
 * The sender: one per Liftoff instance. It reads the outbox, takes the lease of each tenant with work, and
 * drains that tenant's deliveries through the outbound pipeline (the tenant's budget, Teams' per-conversation windows).
 */
export class BroadcastSender {
  private readonly tenants = new Map<string, TenantRun>();
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private lastSweep = 0;
  readonly stats: SenderStats = { sent: 0, requests: 0, retries: 0, recordLagMs: [], heldPeak: 0, writeTrips: 0, writes: 0 };
  readonly telemetry: Telemetry;

  constructor(
    readonly options: SenderOptions,
    readonly deps: SenderDeps,
  ) {
    this.telemetry = deps.telemetry ?? new Telemetry();
  }

  now(): number {
    return (this.deps.now ?? Date.now)();
  }

  get pageSize(): number {
    return Math.max(2, this.options.pageSize ?? DEFAULT_PAGE);
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
  }

  /** Looks at the outbox now rather than at the next poll (a notice was just queued here). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops sending: in-flight requests finish and are recorded, leases are given up for another instance. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    await Promise.all([...this.tenants.values()].map((t) => t.stop()));
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.sweep();
        const now = this.now();
        // A scheduled notice stays in the outbox, untouched, until it is due.
        const entries = (await this.deps.coordination.outbox()).filter((e) => e.dueAt === undefined || e.dueAt <= now);
        const byTenant = new Map<string, OutboxEntry[]>();
        for (const entry of entries) byTenant.set(entry.tenantId, [...(byTenant.get(entry.tenantId) ?? []), entry]);
        for (const [tenantId, tenantEntries] of byTenant) {
          const running = this.tenants.get(tenantId);
          if (running) running.offer(tenantEntries);
          else await this.tryTenant(tenantId, tenantEntries);
        }
      } catch (error) {
        this.deps.log.error({ event: 'broadcast.poll_failed', err: error }, 'could not read the broadcast outbox');
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  /** Puts notices that are sending but missing from the outbox (a crash between the two writes) back in it. */
  private async sweep(): Promise<void> {
    const now = this.now();
    if (now - this.lastSweep < SWEEP_MS) return;
    this.lastSweep = now;
    const listed = new Set((await this.deps.coordination.outbox()).map((e) => e.noticeId));
    for (const entry of await this.deps.notices.unsettled()) {
      if (!listed.has(entry.noticeId)) await this.deps.coordination.enqueue(entry);
    }
  }

  private async tryTenant(tenantId: string, entries: OutboxEntry[]): Promise<void> {
    const lease = await this.deps.coordination.acquire(tenantId, this.options.instanceId, this.now(), this.options.leaseMs);
    if (!lease) return;
    // The epoch moves only when the lease changes hands: this instance takes over from another.
    if (lease.epoch > 1) this.telemetry.leaseTakenOver();
    this.deps.log.info({ event: 'broadcast.lease_acquired', tenantId, holder: this.options.instanceId, epoch: lease.epoch }, 'took the broadcast lease');
    const run = new TenantRun(this, tenantId, lease.expiresAt, entries);
    this.tenants.set(tenantId, run);
    void run.done.finally(() => {
      this.tenants.delete(tenantId);
      if (!this.stopping) this.wake();
    });
  }
}

/** One tenant while this instance holds its lease: the worker pool and the notices being drained. */
class TenantRun {
  private readonly halt = new AbortController();
  /** Gives up requests still waiting for their turn once the run stops or loses its lease. */
  readonly abandon: Abandon = { signal: this.halt.signal, stillWanted: () => this.canSend() };
  private readonly notices = new Map<string, NoticeRun>();
  private readonly ready: Task[] = [];
  private readonly delayed: Task[] = [];
  private inFlight = 0;
  private stopping = false;
  private leaseLost = false;
  private renewing = false;
  private signal: (() => void) | undefined;
  private delayTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  readonly done: Promise<void>;

  constructor(
    readonly sender: BroadcastSender,
    readonly tenantId: string,
    private leaseExpiresAt: number,
    entries: OutboxEntry[],
  ) {
    // Every request waiting for its turn listens to this signal; there may be as many as the concurrency.
    setMaxListeners(0, this.halt.signal);
    this.renewTimer = setInterval(() => void this.renew(), Math.max(50, Math.floor(sender.options.leaseMs / 3)));
    // One timer for the run's lifetime: wakes the loop to notice a lease running short without a renewal.
    this.checkTimer = setInterval(() => this.poke(), 250);
    this.offer(entries);
    this.done = this.workLoop();
  }

  get log(): Logger {
    return this.sender.deps.log;
  }

  /** Sends only while the lease has a third of its time left, so a request started now ends before another instance may take over. */
  canSend(): boolean {
    return !this.stopping && !this.leaseLost && this.sender.now() + this.sender.options.leaseMs / 3 < this.leaseExpiresAt;
  }

  get active(): boolean {
    return !this.stopping && !this.leaseLost;
  }

  offer(entries: OutboxEntry[]): void {
    for (const entry of entries) {
      if (this.notices.has(entry.noticeId) || !this.active) continue;
      const run = new NoticeRun(this, entry);
      this.notices.set(entry.noticeId, run);
      void run.done.finally(() => {
        this.notices.delete(entry.noticeId);
        this.poke();
      });
    }
  }

  private async renew(): Promise<void> {
    // One renewal at a time: two at once race each other on the lease's ETag, and the loser would think the lease lost.
    if (this.leaseLost || this.stopping || this.renewing) return;
    this.renewing = true;
    try {
      const { coordination } = this.sender.deps;
      const { options } = this.sender;
      let lease = await coordination.acquire(this.tenantId, options.instanceId, this.sender.now(), options.leaseMs);
      // A renewal can still lose a race (the lease read just before another write): lost only if another holds it.
      const current = lease ? undefined : await coordination.lease(this.tenantId);
      if (current && current.holder === options.instanceId && current.expiresAt > this.sender.now()) lease = current;
      if (lease) this.leaseExpiresAt = lease.expiresAt;
      else {
        this.leaseLost = true;
        this.halt.abort();
        this.log.warn({ event: 'broadcast.lease_lost', tenantId: this.tenantId }, 'another instance holds the broadcast lease; stopping');
        this.poke();
      }
    } catch (error) {
      this.log.warn({ event: 'broadcast.lease_renew_failed', tenantId: this.tenantId, err: error }, 'could not renew the broadcast lease');
    } finally {
      this.renewing = false;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.halt.abort();
    this.poke();
    await this.done;
  }

  /** Queues a delivery for the worker pool, now or after a delay. */
  schedule(task: Task): void {
    if (task.dueAt > this.sender.now()) {
      const at = this.delayed.findIndex((t) => t.dueAt > task.dueAt);
      this.delayed.splice(at < 0 ? this.delayed.length : at, 0, task);
      this.armDelayTimer();
    } else this.ready.push(task);
    this.poke();
  }

  get queued(): number {
    return this.ready.length;
  }

  private armDelayTimer(): void {
    if (this.delayTimer) clearTimeout(this.delayTimer);
    const first = this.delayed[0];
    if (!first) return;
    this.delayTimer = setTimeout(
      () => {
        this.delayTimer = undefined;
        const now = this.sender.now();
        while (this.delayed[0] && this.delayed[0].dueAt <= now) this.ready.push(this.delayed.shift()!);
        this.armDelayTimer();
        this.poke();
      },
      Math.max(0, first.dueAt - this.sender.now()),
    );
  }

  poke(): void {
    const signal = this.signal;
    this.signal = undefined;
    signal?.();
  }

  private async workLoop(): Promise<void> {
    while (this.active && (this.notices.size > 0 || this.inFlight > 0)) {
      while (this.inFlight < this.sender.options.concurrency && this.ready.length > 0 && this.canSend()) {
        const task = this.ready.shift()!;
        this.inFlight += 1;
        void task.run.perform(task).finally(() => {
          this.inFlight -= 1;
          this.poke();
        });
      }
      await new Promise<void>((resolve) => (this.signal = resolve));
    }
    // Stopping or lease lost: requests in flight finish and are recorded before the lease is let go.
    this.stopping = true;
    this.halt.abort();
    while (this.inFlight > 0) await new Promise<void>((resolve) => (this.signal = resolve));
    await Promise.all([...this.notices.values()].map((n) => n.done));
    if (this.delayTimer) clearTimeout(this.delayTimer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.checkTimer) clearInterval(this.checkTimer);
    if (!this.leaseLost) {
      await this.sender.deps.coordination.release(this.tenantId, this.sender.options.instanceId).catch((error: unknown) => {
        this.log.warn({ event: 'broadcast.lease_release_failed', tenantId: this.tenantId, err: error }, 'could not give up the broadcast lease; it will lapse');
      });
    }
  }

  /** Waits for an update's turn in the tenant's budget (shared with every other way out to Teams); false when the lease is no longer good enough to send. */
  async admitUpdate(): Promise<boolean> {
    if (!this.canSend()) return false;
    return (await this.sender.deps.outbound.budget.admit(this.tenantId, undefined, this.halt.signal)) && this.canSend();
  }
}

/** One notice being drained by a tenant run. */
class NoticeRun {
  notice: Notice | undefined;
  private counts = new Map<DeliveryStatus, number>();
  private outstanding = 0;
  /** Ids of the deliveries held (waiting, in flight, waiting for a retry): at most a page of them. */
  private readonly held = new Set<string>();
  private lastShown = '';
  private lastProgressAt = 0;
  private acks = { at: Number.NEGATIVE_INFINITY, count: 0 };
  /** The card is the same for every recipient: rendered once per content revision, not once per send. */
  private cardCache: { key: string; card: Card } | undefined;
  /** Deliveries this run claimed and is still carrying (waiting for a retry): its own, not a dead sender's. */
  private readonly claimedHere = new Set<string>();
  private readonly writes: DeliveryWrites;
  readonly done: Promise<void>;

  constructor(
    private readonly tenant: TenantRun,
    private readonly entry: OutboxEntry,
  ) {
    this.writes = new DeliveryWrites(
      {
        save: (deliveries) => {
          const stats = tenant.sender.stats;
          stats.writeTrips += 1;
          stats.writes += deliveries.length;
          return this.deps.notices.saveDeliveries(entry.workloadId, deliveries);
        },
        alone: (delivery, fields, strict) => this.recordAlone(delivery, fields, strict),
        written: (delivery, next, etag) => this.applied(delivery, next, etag),
      },
      tenant.sender.options.writeLingerMs ?? DEFAULT_LINGER_MS,
    );
    this.done = this.drain().catch((error: unknown) => {
      this.log.error({ event: 'broadcast.notice_failed', noticeId: entry.noticeId, workloadId: entry.workloadId, err: error }, 'draining a notice failed; it stays queued');
    });
  }

  private get deps(): SenderDeps {
    return this.tenant.sender.deps;
  }

  private get log(): Logger {
    return this.deps.log;
  }

  private get options(): SenderOptions {
    return this.tenant.sender.options;
  }

  private async drain(): Promise<void> {
    const { notices, coordination } = this.deps;
    this.notice = await notices.get(this.entry.workloadId, this.entry.noticeId);
    if (!this.notice) {
      await coordination.dequeue(this.entry);
      return;
    }
    if (this.notice.status === 'scheduled') {
      const now = new Date(this.tenant.sender.now()).toISOString();
      const started = await notices.change(this.entry.workloadId, this.entry.noticeId, (current) => startIfDue(current, now));
      if (started?.kind !== 'changed') {
        // Not due yet (the sweep put it back without its time): back in the outbox with its time.
        if (this.notice.schedule && this.entry.dueAt === undefined) {
          await coordination.dequeue(this.entry);
          await coordination.enqueue({ ...this.entry, dueAt: Date.parse(this.notice.schedule.at) });
        }
        return;
      }
      this.notice = started.notice;
      this.log.info({ event: 'broadcast.schedule_due', noticeId: this.notice.id, workloadId: this.notice.workloadId, scheduledFor: this.notice.schedule?.at }, 'a scheduled notice is due; sending');
    }
    if (this.notice.status === 'sending' && !this.notice.fannedOut) await this.fanOut();
    await this.recount();
    await this.passes();
  }

  /** Holds a delivery and queues it for the worker pool, unless it is held already or has nothing to do. */
  private take(delivery: Delivery): boolean {
    if (this.held.has(delivery.id) || nextAction(this.notice!, delivery) === 'none') return false;
    this.held.add(delivery.id);
    this.outstanding += 1;
    this.tenant.schedule({ delivery, run: this, dueAt: 0 });
    const stats = this.tenant.sender.stats;
    stats.heldPeak = Math.max(stats.heldPeak, this.outstanding);
    return true;
  }

  /** Passes over the notice's work until one finds nothing left. */
  private async passes(): Promise<void> {
    const { notices } = this.deps;
    let lastRefresh = this.tenant.sender.now();
    const wait = () => this.pause(() => (lastRefresh = this.tick(lastRefresh)));
    const pageSize = this.tenant.sender.pageSize;
    for (;;) {
      let after = '';
      let found = 0;
      // One pass over the work, in id order, a page at a time: never more than a page of deliveries held (waiting,
      // in flight or waiting for a retry); the next page is read once half of that is done, for what room there is.
      for (;;) {
        if (!this.tenant.active) return;
        const room = pageSize - this.outstanding;
        const page = await notices.workFor(this.notice!, room, after);
        for (const delivery of page) if (this.take(delivery)) found += 1;
        this.log.debug({ event: 'broadcast.page_read', noticeId: this.entry.noticeId, limit: room, read: page.length, held: this.outstanding }, 'read a page of deliveries');
        if (page.length < room) break;
        after = page[page.length - 1]!.id;
        while (this.tenant.active && this.outstanding > pageSize / 2) await wait();
      }
      while (this.tenant.active && this.outstanding > 0) await wait();
      this.writes.flush();
      if (!this.tenant.active) return;
      await this.refresh();
      if (found === 0) break;
    }
    await this.finish();
  }

  private async pause(tick: () => void): Promise<void> {
    await sleep(50);
    tick();
  }

  /** Every second: re-read the notice (a cancel or an update from another instance); every progress interval: the card. */
  private tick(lastRefresh: number): number {
    const now = this.tenant.sender.now();
    if (now - this.lastProgressAt >= this.options.progressIntervalMs) {
      this.lastProgressAt = now;
      void this.showProgress(false).catch((error: unknown) => this.log.warn({ event: 'broadcast.progress_failed', noticeId: this.entry.noticeId, err: error }, 'could not update the progress card'));
    }
    if (now - lastRefresh < NOTICE_REFRESH_MS) return lastRefresh;
    void this.refresh().catch((error: unknown) => this.log.warn({ event: 'broadcast.refresh_failed', noticeId: this.entry.noticeId, err: error }, 'could not re-read the notice'));
    return now;
  }

  private card(kind: 'notice' | 'reminder'): Card {
    const notice = this.notice!;
    const key = `${kind}:${notice.contentRev}:${notice.rev}`;
    if (this.cardCache?.key !== key) this.cardCache = { key, card: kind === 'notice' ? this.deps.cards.notice(notice) : this.deps.cards.reminder(notice) };
    return this.cardCache.card;
  }

  private async refresh(): Promise<void> {
    const fresh = await this.deps.notices.get(this.entry.workloadId, this.entry.noticeId);
    if (fresh) this.notice = fresh;
  }

  /**
   * Writes one delivery per recipient, a page at a time: the named part of the audience (this conversation, channels,
   * team rosters, people) first, then everyone with Liftoff installed as the store pages it. Only the named part's keys
   * are kept to leave its people out of the pages; a delivery's natural id makes a repeat harmless anyway.
   */
  private async fanOut(): Promise<void> {
    const notice = this.notice!;
    const { directory } = this.deps;
    const pageSize = this.tenant.sender.pageSize;
    const audience = notice.audience;
    const recipients: Recipient[] = [];
    if (audience.here) recipients.push({ kind: 'conversation', ...audience.here });
    if (audience.channelIds.length) recipients.push(...(await directory.channels(notice.tenantId, audience.channelIds)));
    for (const teamId of audience.teamIds) {
      try {
        recipients.push(...(await directory.teamMembers(notice.tenantId, teamId)));
      } catch (error) {
        this.log.warn({ event: 'broadcast.roster_failed', noticeId: notice.id, teamId, err: error }, 'could not read the members of a team');
      }
    }
    for (const person of audience.people) recipients.push({ kind: 'person', ...person });
    const named = uniqueRecipients(recipients);
    const namedKeys = new Set(named.map((r) => r.key));
    let total = 0;
    const write = async (page: Array<{ key: string; recipient: Recipient }>): Promise<void> => {
      await this.deps.notices.addDeliveries(
        notice.workloadId,
        page.map(({ key, recipient }) => newDelivery(notice, key, recipient)),
      );
      total += page.length;
      this.log.debug({ event: 'broadcast.audience_page', noticeId: notice.id, recipients: page.length }, 'wrote the deliveries of a page of the audience');
    };
    for (let at = 0; at < named.length; at += pageSize) await write(named.slice(at, at + pageSize));
    if (audience.everyone) {
      for await (const page of directory.everyoneInPages(notice.tenantId, pageSize)) await write(uniqueRecipients(page).filter((r) => !namedKeys.has(r.key)));
    }
    const result = await this.deps.notices.change(notice.workloadId, notice.id, (current) => ({ kind: 'changed', notice: { ...current, fannedOut: true, total } }));
    if (result) this.notice = result.notice;
    this.log.info({ event: 'broadcast.fanned_out', noticeId: notice.id, workloadId: notice.workloadId, recipients: total }, 'one delivery per recipient written');
  }

  private async recount(): Promise<void> {
    this.counts = await this.deps.notices.statusCounts(this.entry.workloadId, this.entry.noticeId);
  }

  private move(from: DeliveryStatus, to: DeliveryStatus): void {
    if (from === to) return;
    this.counts.set(from, (this.counts.get(from) ?? 1) - 1);
    this.counts.set(to, (this.counts.get(to) ?? 0) + 1);
  }

  private async progress(final = false): Promise<Progress> {
    const now = this.tenant.sender.now();
    if (final || now - this.acks.at >= ACK_COUNT_MS) this.acks = { at: now, count: await this.deps.notices.countAcks(this.entry.workloadId, this.entry.noticeId) };
    const acknowledged = this.acks.count;
    const progress = countProgress([], acknowledged);
    // From the running counts: no list as long as the audience.
    for (const [status, n] of this.counts) {
      progress.total += n;
      progress[status === 'claimed' ? 'pending' : status] += n;
    }
    return progress;
  }

  private async showProgress(final: boolean): Promise<Progress> {
    const progress = await this.progress(final);
    const notice = this.notice;
    const shown = JSON.stringify([progress, notice?.status, notice?.rev]);
    if (!notice?.progress || (!final && shown === this.lastShown)) return progress;
    this.lastShown = shown;
    const { conversationId, serviceUrl, activityId } = notice.progress;
    if (!(await this.tenant.admitUpdate())) return progress;
    this.tenant.sender.stats.requests += 1;
    const card = this.deps.cards.progress(notice, progress);
    await this.tenant.sender.telemetry.teamsCall('update', 1, () => this.deps.transport.update({ conversationId, serviceUrl, tenantId: notice.tenantId }, activityId, card), asTeamsFailure);
    return progress;
  }

  private async finish(): Promise<void> {
    const { notices, coordination } = this.deps;
    let becameSent = false;
    const result = await notices.change(this.entry.workloadId, this.entry.noticeId, (current) => {
      becameSent = current.status === 'sending';
      const next: Notice = { ...current, settledRev: current.rev, ...(becameSent ? { status: 'sent' as const, finishedAt: new Date(this.tenant.sender.now()).toISOString() } : {}) };
      return { kind: 'changed', notice: next };
    });
    if (result) this.notice = result.notice;
    const progress = await this.showProgress(true).catch(async (error: unknown) => {
      this.log.warn({ event: 'broadcast.progress_failed', noticeId: this.entry.noticeId, err: error }, 'could not show the final progress');
      return this.progress(true);
    });
    if (becameSent && this.notice && this.deps.onSent) await this.deps.onSent(this.notice, progress);
    await coordination.dequeue(this.entry);
    // A change that landed after the last pass (an update, a reminder round) puts the notice back.
    const after = await notices.get(this.entry.workloadId, this.entry.noticeId);
    if (after && after.rev !== (after.settledRev ?? -1)) await coordination.enqueue(this.entry);
    const lag = this.tenant.sender.stats.recordLagMs.splice(0);
    if (lag.length) this.log.info({ event: 'broadcast.record_lag', noticeId: this.entry.noticeId, samplesMs: lag }, 'time between Teams accepting a message and its delivery record');
    const { writeTrips, writes, heldPeak } = this.tenant.sender.stats;
    this.log.info(
      {
        event: 'broadcast.settled',
        noticeId: this.entry.noticeId,
        workloadId: this.entry.workloadId,
        ...progress,
        pacing: this.deps.outbound.budget.pacingOf(this.tenant.tenantId),
        writeTrips,
        writes,
        heldPeak,
      },
      'notice settled',
    );
  }

  /** Carries one delivery one step: one request to Teams at most, then the write that records it. */
  async perform(task: Task): Promise<void> {
    let requeued = false;
    try {
      requeued = await this.step(task);
    } catch (error) {
      this.log.error({ event: 'broadcast.delivery_failed', deliveryId: task.delivery.id, err: error }, 'a delivery step failed; it stays as it was');
    } finally {
      if (!requeued) {
        this.outstanding -= 1;
        this.held.delete(task.delivery.id);
        this.claimedHere.delete(task.delivery.id);
      }
    }
  }

  /** The next action for a delivery; one this run claimed itself is still its to send, not a dead sender's. */
  private actionFor(delivery: Delivery): DeliveryAction {
    const ours = delivery.status === 'claimed' && this.claimedHere.has(delivery.id);
    return nextAction(this.notice!, ours ? { ...delivery, status: 'pending' } : delivery);
  }

  private async step(task: Task): Promise<boolean> {
    const notice = this.notice!;
    const delivery = task.delivery;
    const action = this.actionFor(delivery);
    const nowIso = () => new Date(this.tenant.sender.now()).toISOString();
    if (action === 'none') return false;
    if (action === 'uncertain') {
      this.log.warn(
        { event: 'broadcast.delivery_uncertain', noticeId: notice.id, deliveryId: delivery.id },
        'a sender stopped after claiming this delivery; it may have been sent, so it is not sent again',
      );
      await this.record(delivery, { status: 'uncertain', finishedAt: nowIso() });
      return false;
    }
    if (action === 'cancel') {
      await this.record(delivery, { status: 'cancelled', finishedAt: nowIso() });
      return false;
    }
    const recipient = delivery.recipient;
    if (action === 'send' && recipient.kind === 'person' && !recipient.conversationId) {
      // After a 404 the stored chat is the stale one: create a new conversation rather than look it up again.
      const known = delivery.recreated ? undefined : await this.deps.directory.personalConversation(recipient.aadObjectId);
      if (known) recipient.conversationId = known;
      else
        return this.attempt(task, `user:${recipient.aadObjectId}`, 'create_conversation', async () => {
          const conversationId = await this.timed(delivery.tenantId, () => this.deps.transport.createPersonalConversation(recipient, delivery.tenantId));
          recipient.conversationId = conversationId;
          await this.deps.directory.rememberPersonalConversation(recipient, delivery.tenantId, conversationId);
          return 'again';
        });
    }
    const conversationId = recipient.conversationId!;
    const address = { conversationId, serviceUrl: recipient.serviceUrl, tenantId: delivery.tenantId };
    // Teams' per-conversation windows count new messages; an update or a recall counts against the tenant's budget only.
    const windowKey = action === 'send' || action === 'remind' ? postKeyOf(conversationId) : undefined;
    const operation: TeamsOperation = action === 'update' ? 'update' : action === 'delete' ? 'remove' : 'post';
    return this.attempt(task, windowKey, operation, async () => {
      if (action === 'send') {
        // Claimed before the post: a sender that dies between Teams' answer and the record leaves it claimed, and
        // the next sender records it uncertain instead of sending it twice.
        if (delivery.status !== 'claimed' && !(await this.record(delivery, { status: 'claimed' }, true))) {
          this.log.warn({ event: 'broadcast.claim_lost', noticeId: notice.id, deliveryId: delivery.id, status: delivery.status }, 'another sender moved this delivery first; not sending it');
          return 'done';
        }
        this.claimedHere.add(delivery.id);
        const activityId = await this.timed(delivery.tenantId, () => this.deps.transport.post(address, this.card('notice'), notice.content.title));
        const acceptedAt = this.tenant.sender.now();
        this.tenant.sender.stats.sent += 1;
        await this.record(delivery, { status: 'sent', activityId, sentAt: nowIso(), appliedRev: notice.contentRev, remindedRev: notice.remindRev });
        this.tenant.sender.telemetry.deliveryEnded('sent');
        const lag = this.tenant.sender.now() - acceptedAt;
        if (this.tenant.sender.stats.recordLagMs.length < MAX_LAG_SAMPLES) this.tenant.sender.stats.recordLagMs.push(lag);
      } else if (action === 'update') {
        await this.timed(delivery.tenantId, () => this.deps.transport.update(address, delivery.activityId!, this.card('notice')));
        await this.record(delivery, { appliedRev: notice.contentRev });
      } else if (action === 'delete') {
        await this.timed(delivery.tenantId, () => this.deps.transport.remove(address, delivery.activityId!));
        await this.record(delivery, { status: 'recalled', appliedRev: notice.contentRev, finishedAt: nowIso() });
      } else {
        const ack = recipient.kind === 'person' ? await this.deps.notices.getAck(delivery.workloadId, `${notice.id}:${recipient.aadObjectId}`) : undefined;
        if (!ack) await this.timed(delivery.tenantId, () => this.deps.transport.post(address, this.card('reminder'), `Reminder: ${notice.content.title}`));
        await this.record(delivery, { remindedRev: notice.remindRev });
      }
      return 'done';
    });
  }

  /** One call to Teams, its latency told to the tenant's pacing (the store writes around it are not Teams' latency). */
  private async timed<T>(tenantId: string, call: () => Promise<T>): Promise<T> {
    const startedAt = this.tenant.sender.now();
    const value = await call();
    this.deps.outbound.budget.observe(tenantId, { kind: 'taken', latencyMs: this.tenant.sender.now() - startedAt });
    return value;
  }

  /** Makes one request through the outbound pipeline, and acts on its judgement: retry later, recreate the chat, or a final outcome. */
  private async attempt(task: Task, conversationKey: string | undefined, operation: TeamsOperation, request: () => Promise<'done' | 'again'>): Promise<boolean> {
    const delivery = task.delivery;
    if (!this.tenant.canSend()) return false;
    const sender = this.tenant.sender;
    const context = { operation, attempts: delivery.attempts + 1, person: delivery.recipient.kind === 'person', recreated: delivery.recreated === true, timesItself: true };
    const result = await this.deps.outbound.attempt(
      { tenantId: delivery.tenantId, conversationKey },
      () => {
        sender.stats.requests += 1;
        delivery.attempts += 1;
        return request();
      },
      context,
      this.tenant.abandon,
    );
    if (result.kind === 'abandoned') return false;
    if (result.kind === 'done') {
      if (result.value !== 'again') return false;
      this.tenant.schedule({ ...task, dueAt: 0 });
      return true;
    }
    const { failure, verdict } = result;
    const action = this.actionFor(delivery);
    const lastError = `${failure.status} ${failure.code}`;
    if (verdict.kind === 'retry') {
      sender.stats.retries += 1;
      // A 429 says Teams did not take the message: no longer possibly sent.
      if (failure.status === 429 && delivery.status === 'claimed') {
        await this.record(delivery, { status: 'pending' });
        this.claimedHere.delete(delivery.id);
      }
      this.tenant.schedule({ ...task, dueAt: sender.now() + result.retryInMs });
      return true;
    }
    if (verdict.kind === 'recreate' && delivery.recipient.kind === 'person') {
      delivery.recreated = true;
      delivery.recipient.conversationId = undefined;
      this.tenant.schedule({ ...task, dueAt: 0 });
      return true;
    }
    const status = verdict.kind === 'final' ? verdict.status : 'notFound';
    if (action === 'send') {
      await this.record(delivery, { status, lastError, finishedAt: new Date(this.tenant.sender.now()).toISOString() });
      sender.telemetry.deliveryEnded(status);
    }
    // An update, recall or reminder that cannot reach the copy is given up, so it is not tried forever.
    else await this.record(delivery, { lastError, appliedRev: this.notice!.contentRev, remindedRev: this.notice!.remindRev, ...(action === 'delete' ? { status: 'recalled' as const } : {}) });
    return false;
  }

  /** A delivery's new state: the fields on top of what is stored, with what only this run knows. */
  private nextOf(current: Delivery, delivery: Delivery, fields: Partial<Delivery>): Delivery {
    return { ...current, ...fields, attempts: delivery.attempts, recipient: delivery.recipient, ...(delivery.recreated ? { recreated: true } : {}) };
  }

  /** Writes a delivery's new state in the notice's next batch; `now`: a claim, which must be stored before its send. */
  private record(delivery: Delivery, fields: Partial<Delivery>, now = false): Promise<boolean> {
    return this.writes.write(delivery, fields, this.nextOf(delivery, delivery, fields), now);
  }

  private applied(delivery: Delivery, next: Delivery, etag: string): void {
    this.move(delivery.status, next.status);
    Object.assign(delivery, next, { _etag: etag });
  }

  /**
   * Writes a delivery's new state on its own; on a concurrent change, re-reads and applies the same fields on top,
   * except for a claim (`strict`): a delivery another sender moved meanwhile is not claimed (nor sent) over its change.
   */
  private async recordAlone(delivery: Delivery, fields: Partial<Delivery>, strict: boolean): Promise<boolean> {
    let current: Delivery = delivery;
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const next = this.nextOf(current, delivery, fields);
      try {
        const etag = await this.deps.notices.saveDelivery(next);
        if (etag !== undefined) {
          this.move(current.status, next.status);
          Object.assign(delivery, next, { _etag: etag });
          return true;
        }
        const fresh = await this.deps.notices.getDelivery(delivery.workloadId, delivery.id);
        if (!fresh) return false;
        if (strict && fresh.status !== delivery.status) {
          this.move(delivery.status, fresh.status);
          Object.assign(delivery, fresh);
          return false;
        }
        current = fresh;
      } catch (error) {
        if (attempt === 10) throw error;
        await sleep(backoffDelay(attempt));
      }
    }
    return false;
  }
}
