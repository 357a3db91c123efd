/**
 * A fake Teams Bot Connector (REST API v3) on loopback, for end-to-end tests and benchmarks.
 *
 * Point an incoming activity's `serviceUrl` at `fake.url`; the bot's botbuilder ConnectorClient then
 * talks to this server exactly as it would to Teams. Every write is recorded, rosters and channels are
 * configurable, and faults (scripted, random with a seed, blocked users, forgotten conversations)
 * and Teams-like rate limits can be injected.
 *
 * Wire facts (botframework-connector 4.23 on @azure/core-client):
 * - path parameters are encoded with encodeURIComponent (':' '@' ';' '=' and even '/' arrive escaped);
 * - in anonymous mode (no app id) no Authorization header is sent;
 * - accepted statuses: POST/PUT activities and POST conversations 200/201/202, DELETE activity 200/202
 *   only (a 201 there makes the client throw), GETs 200 only;
 * - the client pipeline retries by itself, up to 3 times: 429 and 503 after `Retry-After` seconds
 *   (0 allowed), other 5xx/408 with exponential backoff (~1 s base). Only the 4th failure reaches bot code.
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Activity, ConversationParameters } from 'botbuilder';

/** Operations that write activities or conversations; these are recorded. */
export type ActivityOperation = 'send' | 'reply' | 'update' | 'delete' | 'create';

/** Every route the fake knows, plus 'unknown' for anything else. */
export type RequestKind =
  ActivityOperation | 'history' | 'listConversations' | 'members' | 'member' | 'removeMember' | 'pagedMembers' | 'activityMembers' | 'attachment' | 'teamChannels' | 'teamDetails' | 'unknown';

/** What fault matchers see about a request (body already parsed). */
export interface FakeRequest {
  method: string;
  /** Path after the serviceUrl prefix ('/v3/...'), still URL-encoded, without the query. */
  path: string;
  kind: RequestKind;
  /** Decoded conversation id, for /v3/conversations/{id}/... routes (and the resulting id of a create). */
  conversationId?: string;
  /** Decoded activity id, for routes that carry one. */
  activityId?: string;
  /** Decoded team id, for /v3/teams/{id}... routes. */
  teamId?: string;
  /** Parsed JSON body, if any. */
  body?: unknown;
}

/** Fields every record has. */
interface RecordBase {
  /** Monotonic sequence number within this fake (survives clear()). */
  seq: number;
  /** Decoded conversation id the operation targeted (for create: the id returned). */
  conversationId: string;
  /** Date.now() when the operation was accepted. */
  timestamp: number;
}

/** An accepted send, reply, update or delete. */
export interface ActivityOpRecord extends RecordBase {
  kind: 'send' | 'reply' | 'update' | 'delete';
  /** Assigned id (send/reply) or the targeted id (update/delete; updates keep the id). */
  activityId: string;
  /** For replies: the activity id from the URL that this replies to. */
  replyToId?: string;
  /** The JSON body as the bot sent it (absent for delete). */
  activity?: Partial<Activity>;
}

/** An accepted POST /v3/conversations. */
export interface CreateRecord extends RecordBase {
  kind: 'create';
  /** Id assigned to the initial activity, when the parameters carried one. */
  activityId?: string;
  /** The initial activity, when the parameters carried one. */
  activity?: Partial<Activity>;
  /** The ConversationParameters body. */
  parameters: Partial<ConversationParameters>;
}

/** One accepted write operation. */
export type ActivityRecord = ActivityOpRecord | CreateRecord;

/** Why a request was answered with an error. */
export type RejectionReason = 'failNext' | 'random' | 'blocked' | 'forgotten' | 'globalLimit' | 'conversationLimit' | 'tooLarge' | 'badRequest' | 'notFound';

/** A request the fake answered with an error status. */
export interface RejectionRecord {
  kind: RequestKind;
  method: string;
  path: string;
  conversationId?: string;
  status: number;
  code: string;
  reason: RejectionReason;
  retryAfterSeconds?: number;
  timestamp: number;
}

/** A roster entry, serialized like Teams' TeamsChannelAccount. */
export interface FakeMember {
  id: string;
  name?: string;
  aadObjectId?: string;
  userPrincipalName?: string;
  email?: string;
  tenantId?: string;
  /** 'user' | 'guest' | 'anonymous'; defaults to 'user'. */
  userRole?: string;
  givenName?: string;
  surname?: string;
}

/** A team channel as returned by GET /v3/teams/{teamId}/conversations (the General channel has no name). */
export interface FakeChannel {
  id: string;
  name?: string;
}

/** Optional team details for GET /v3/teams/{teamId}. */
export interface FakeTeam {
  name?: string;
  aadGroupId?: string;
  type?: string;
}

/** One sliding window: at most `max` operations per `windowMs`. */
export interface RateWindow {
  windowMs: number;
  max: number;
}

/** Teams' documented per-bot per-conversation limits for sends and creates. */
export const TEAMS_PER_CONVERSATION_LIMITS: readonly RateWindow[] = [
  { windowMs: 1_000, max: 7 },
  { windowMs: 2_000, max: 8 },
  { windowMs: 30_000, max: 60 },
  { windowMs: 3_600_000, max: 1800 },
];

/** Rate limiting; everything is off unless set. */
export interface RateLimitOptions {
  /** Token bucket over all requests: refill rate per second. */
  globalPerSecond?: number;
  /** Token bucket capacity (burst); defaults to globalPerSecond. */
  globalBurst?: number;
  /** true = Teams' per-conversation windows on send/reply/create; or your own windows. */
  perConversation?: boolean | readonly RateWindow[];
}

/** Options for startFakeConnector. */
export interface FakeConnectorOptions {
  /** Fixed delay in ms before each request is handled and answered (default 0). */
  latencyMs?: number;
  rateLimits?: RateLimitOptions;
  /** Path under the origin, like Teams' 'amer/'; fake.url ends with it (default ''). */
  pathPrefix?: string;
  /** Keep fake.activities and fake.rejections (default true); turn off for long benchmarks. waitFor still sees arrivals. */
  recordActivities?: boolean;
  /** Reject activity bodies larger than this many bytes with 413 MessageSizeTooBig (default: no check). */
  maxActivityBytes?: number;
  /** Clock in ms used by the rate limiters (default Date.now); inject to test limits without waiting. */
  now?: () => number;
}

/** Options for failNext. */
export interface FailOptions {
  status: number;
  /** Error code in the body; defaults by status (see TEAMS_ERROR_CODES). */
  code?: string;
  message?: string;
  /** Sends a Retry-After header (seconds; 0 allowed). Defaults to 1 for 429, none otherwise. */
  retryAfterSeconds?: number;
  /** Which requests count; default: sends and replies. */
  match?: (req: FakeRequest) => boolean;
}

/** Probabilities (0..1, summed ≤ 1) for the random fault mode. */
export interface FaultRates {
  p429?: number;
  p503?: number;
  p403?: number;
  p404?: number;
  /** Retry-After for random 429/503 (default: 1 for 429, none for 503). */
  retryAfterSeconds?: number;
  /** Which requests are eligible; default: sends and replies. */
  match?: (req: FakeRequest) => boolean;
}

/** Counters since start or the last clear(). */
export interface FakeConnectorStats {
  /** HTTP requests received. */
  received: number;
  /** Activities accepted by send, reply, or create with an initial activity. */
  sent: number;
  /** 429s produced by the rate limiters (not by injected faults). */
  throttled: number;
  /** Errors produced by fault injection: failNext, setFaults, blockUser, forgetConversation. */
  faults: number;
  /** Responses by HTTP status. */
  byStatus: Record<number, number>;
}

/** Error codes used in `{ error: { code, message } }` bodies, as Teams' Bot Connector reports them. */
export const TEAMS_ERROR_CODES = {
  blocked: 'ConversationBlockedByUser',
  messageWritesBlocked: 'MessageWritesBlocked',
  conversationNotFound: 'ConversationNotFound',
  memberNotFound: 'MemberNotFoundInConversation',
  throttled: 'Throttled',
  serviceUnavailable: 'ServiceUnavailable',
  serviceError: 'ServiceError',
  tooLarge: 'MessageSizeTooBig',
  badArgument: 'BadArgument',
  badSyntax: 'BadSyntax',
} as const;

const DEFAULT_MESSAGES: Record<string, string> = {
  [TEAMS_ERROR_CODES.blocked]: 'User blocked the conversation with the bot.',
  [TEAMS_ERROR_CODES.messageWritesBlocked]: 'Thread is blocked from message writes.',
  [TEAMS_ERROR_CODES.conversationNotFound]: 'Conversation not found.',
  [TEAMS_ERROR_CODES.memberNotFound]: 'Member not found in conversation.',
  [TEAMS_ERROR_CODES.throttled]: 'Too many requests.',
  [TEAMS_ERROR_CODES.serviceUnavailable]: 'Service is unavailable.',
  [TEAMS_ERROR_CODES.serviceError]: 'Internal service error.',
  [TEAMS_ERROR_CODES.tooLarge]: 'Message size too big.',
};

/** Default error code for an injected status. */
function defaultCode(status: number): string {
  switch (status) {
    case 400:
      return TEAMS_ERROR_CODES.badArgument;
    case 403:
      return TEAMS_ERROR_CODES.blocked;
    case 404:
      return TEAMS_ERROR_CODES.conversationNotFound;
    case 413:
      return TEAMS_ERROR_CODES.tooLarge;
    case 429:
      return TEAMS_ERROR_CODES.throttled;
    case 503:
      return TEAMS_ERROR_CODES.serviceUnavailable;
    default:
      return status >= 500 ? TEAMS_ERROR_CODES.serviceError : 'Error';
  }
}

/** The stable 1:1 conversation id the fake returns for a member in a tenant ('a:' + 43 base64url chars). */
export function personalConversationId(memberId: string, tenantId: string): string {
  return `a:${hash(`${tenantId}|${memberId}`)}`;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** Small seeded PRNG (mulberry32): repeatable fault sequences. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Activity ids: numeric strings like Teams', unique across every fake in the process. */
let nextActivityNumber = Date.now();
function newActivityId(): string {
  nextActivityNumber += 1;
  return String(nextActivityNumber);
}

const isSend = (req: FakeRequest): boolean => req.kind === 'send' || req.kind === 'reply';
const WRITE_KINDS: ReadonlySet<RequestKind> = new Set<RequestKind>(['send', 'reply', 'update', 'delete', 'create']);
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Sorted timestamps of admitted operations for one conversation, pruned lazily. */
class SlidingLog {
  private times: number[] = [];
  private head = 0;

  /** Seconds until one more operation fits all windows, or 0 if it fits now. */
  waitSeconds(now: number, windows: readonly RateWindow[]): number {
    this.prune(now, windows);
    let waitMs = 0;
    for (const w of windows) {
      const inWindow = this.times.length - this.firstAfter(now - w.windowMs);
      if (inWindow >= w.max) {
        // The op becomes admissible when the max-th most recent one leaves the window.
        const blocker = this.times[this.times.length - w.max] ?? now;
        waitMs = Math.max(waitMs, blocker + w.windowMs - now);
      }
    }
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : 0;
  }

  add(now: number): void {
    this.times.push(now);
  }

  private prune(now: number, windows: readonly RateWindow[]): void {
    const longest = windows.reduce((m, w) => Math.max(m, w.windowMs), 0);
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= now - longest) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** First index (≥ head) whose time is > t, i.e. still inside a window that started at t. */
  private firstAfter(t: number): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] ?? 0) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

interface FailRule {
  remaining: number;
  options: FailOptions;
}

interface Hold {
  match: (req: FakeRequest) => boolean;
  waiting: Array<() => void>;
}

/** Requests held unanswered until release(). */
export interface HeldRequests {
  /** How many requests are waiting now. */
  readonly count: number;
  /** Answers the held requests in arrival order, and lets later ones through. */
  release(): void;
}

interface Waiter {
  predicate: (record: ActivityRecord) => boolean;
  resolve: (record: ActivityRecord) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface Outcome {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Route {
  kind: RequestKind;
  conversationId?: string;
  activityId?: string;
  memberId?: string;
  teamId?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly reason: RejectionReason,
  ) {
    super(message);
  }
}

/** The running fake; create with startFakeConnector(). */
export class FakeConnector {
  /** Base URL with trailing slash, to use as an activity's serviceUrl. */
  readonly url: string;

  private records: ActivityRecord[] = [];
  private rejectionLog: RejectionRecord[] = [];
  private seqCounter = 0;
  private counters: FakeConnectorStats = emptyStats();
  private waiters = new Set<Waiter>();

  private rosters = new Map<string, FakeMember[]>();
  private channels = new Map<string, FakeChannel[]>();
  private teams = new Map<string, FakeTeam>();
  private knownConversations = new Set<string>();
  private blocked = new Map<string, { code: string; message: string }>();
  private forgotten = new Set<string>();

  private failRules: FailRule[] = [];
  private holds: Hold[] = [];
  private faultRates: FaultRates | undefined;
  private random: () => number = Math.random;

  private readonly clock: () => number;
  private readonly windows: readonly RateWindow[];
  private conversationLogs = new Map<string, SlidingLog>();
  private bucketTokens: number;
  private bucketUpdated: number;

  private delayed: { due: number; run: () => void }[] = [];
  private delayedHead = 0;
  private delayTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** Use startFakeConnector(). */
  constructor(
    private readonly server: http.Server,
    private readonly options: FakeConnectorOptions,
  ) {
    const address = server.address() as AddressInfo;
    const prefix = normalizePrefix(options.pathPrefix);
    this.url = `http://127.0.0.1:${address.port}/${prefix}`;
    this.clock = options.now ?? Date.now;
    const per = options.rateLimits?.perConversation;
    this.windows = per === true ? TEAMS_PER_CONVERSATION_LIMITS : Array.isArray(per) ? per : [];
    this.bucketTokens = this.bucketCapacity();
    this.bucketUpdated = this.clock();
    server.on('request', (req, res) => this.onRequest(req, res, prefix));
  }

  /** Accepted write operations, in arrival order. */
  get activities(): readonly ActivityRecord[] {
    return this.records;
  }

  /** Requests answered with an error, in order. */
  get rejections(): readonly RejectionRecord[] {
    return this.rejectionLog;
  }

  /** Counters since start or the last clear() (clear() swaps in a new object: read it again after). */
  get stats(): Readonly<FakeConnectorStats> {
    return this.counters;
  }

  /** The seq of the latest record (0 if none yet); use `r.seq > mark` to wait only for newer records. */
  get lastSeq(): number {
    return this.seqCounter;
  }

  /** Sends, replies and creates-with-activity that landed in a conversation. */
  sentTo(conversationId: string): ActivityRecord[] {
    return this.records.filter((r) => r.conversationId === conversationId && (r.kind === 'send' || r.kind === 'reply' || (r.kind === 'create' && r.activity !== undefined)));
  }

  /** Updates of one activity, oldest first. */
  updates(activityId: string): ActivityOpRecord[] {
    return this.records.filter((r): r is ActivityOpRecord => r.kind === 'update' && r.activityId === activityId);
  }

  /** Forgets records, rejections and stats (configuration, faults and limiter state stay). */
  clear(): void {
    this.records = [];
    this.rejectionLog = [];
    this.counters = emptyStats();
  }

  /** clear() plus: rosters, channels, teams, blocks, forgotten conversations, faults and limiter state. */
  reset(): void {
    this.clear();
    this.rosters.clear();
    this.channels.clear();
    this.teams.clear();
    this.knownConversations.clear();
    this.blocked.clear();
    this.forgotten.clear();
    this.failRules = [];
    this.faultRates = undefined;
    for (const hold of this.holds.splice(0)) for (const serve of hold.waiting.splice(0)) serve();
    this.conversationLogs.clear();
    this.bucketTokens = this.bucketCapacity();
    this.bucketUpdated = this.clock();
  }

  /** Resolves with the first record (already received or arriving later) matching predicate; rejects after timeoutMs listing what arrived. */
  waitFor(predicate: (record: ActivityRecord) => boolean, timeoutMs = 2000): Promise<ActivityRecord> {
    const existing = this.records.find(predicate);
    if (existing) return Promise.resolve(existing);
    if (this.closed) return Promise.reject(new Error('fakeConnector.waitFor: the fake connector is closed'));
    return new Promise<ActivityRecord>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`fakeConnector.waitFor: no matching activity within ${timeoutMs} ms. ${this.describe()}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Sets the members returned for a conversation or team id (members, pagedmembers, member/{id}). */
  setRoster(conversationIdOrTeamId: string, members: readonly FakeMember[]): void {
    this.rosters.set(conversationIdOrTeamId, [...members]);
  }

  /** Sets the channels of a team (GET /v3/teams/{teamId}/conversations). */
  setChannels(teamId: string, channels: readonly FakeChannel[]): void {
    this.channels.set(teamId, [...channels]);
  }

  /** Sets name/aadGroupId/type for GET /v3/teams/{teamId}; counts come from channels and roster. */
  setTeam(teamId: string, team: FakeTeam): void {
    this.teams.set(teamId, { ...team });
  }

  /** Answers the next n matching requests (default: sends and replies) with an error; rules queue in order. */
  failNext(n: number, options: FailOptions): void {
    if (n > 0) this.failRules.push({ remaining: n, options });
  }

  /**
   * Holds matching requests unanswered (and unrecorded) until release(), so a spec can see what a bot does
   * before Teams has taken a message. Limits and faults apply when a held request is finally served.
   */
  hold(match: (req: FakeRequest) => boolean): HeldRequests {
    const hold: Hold = { match, waiting: [] };
    this.holds.push(hold);
    return {
      get count() {
        return hold.waiting.length;
      },
      release: () => {
        this.holds = this.holds.filter((h) => h !== hold);
        for (const serve of hold.waiting.splice(0)) serve();
      },
    };
  }

  /** Random faults from a seeded PRNG (same seed, same request order → same faults); null turns them off. */
  setFaults(rates: FaultRates | null, seed = 1): void {
    this.faultRates = rates ?? undefined;
    this.random = seededRandom(seed);
  }

  /** Every write to this conversation (and its ';messageid=' reply chains) gets 403, code ConversationBlockedByUser unless given, until unblockUser. */
  blockUser(conversationId: string, options: { code?: string; message?: string } = {}): void {
    const code = options.code ?? TEAMS_ERROR_CODES.blocked;
    this.blocked.set(conversationId, { code, message: options.message ?? DEFAULT_MESSAGES[code] ?? 'Forbidden.' });
  }

  /** Lifts blockUser. */
  unblockUser(conversationId: string): void {
    this.blocked.delete(conversationId);
  }

  /** Every request about this conversation (and its reply chains) gets 404 ConversationNotFound until a POST /v3/conversations returns its id again. */
  forgetConversation(conversationId: string): void {
    this.forgotten.add(conversationId);
    this.knownConversations.delete(conversationId);
  }

  /** Stops listening, drops keep-alive sockets and rejects pending waitFor calls. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.delayTimer) clearTimeout(this.delayTimer);
    this.delayed = [];
    this.delayedHead = 0;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('fakeConnector.waitFor: the fake connector was closed'));
    }
    this.waiters.clear();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closing;
  }

  // ---- request pipeline ----

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse, prefix: string): void {
    this.counters.received += 1;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const run = () => {
        const outcome = this.handle(req.method ?? 'GET', req.url ?? '/', prefix, size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks), size);
        if (outcome instanceof Promise) void outcome.then((held) => this.respond(res, held));
        else this.respond(res, outcome);
      };
      const latency = this.options.latencyMs ?? 0;
      if (latency > 0) this.schedule(latency, run);
      else run();
    });
    req.on('error', () => res.destroy());
  }

  /** Fixed latency means FIFO due times, so one timer at a time serves the whole queue. */
  private schedule(latencyMs: number, run: () => void): void {
    if (this.closed) return;
    this.delayed.push({ due: Date.now() + latencyMs, run });
    if (!this.delayTimer) this.delayTimer = setTimeout(() => this.drainDelayed(), latencyMs);
  }

  private drainDelayed(): void {
    this.delayTimer = undefined;
    const now = Date.now();
    while (this.delayedHead < this.delayed.length) {
      const next = this.delayed[this.delayedHead];
      if (!next) break;
      if (next.due > now) {
        this.delayTimer = setTimeout(() => this.drainDelayed(), next.due - now);
        break;
      }
      this.delayedHead += 1;
      next.run();
    }
    if (this.delayedHead === this.delayed.length) {
      this.delayed = [];
      this.delayedHead = 0;
    } else if (this.delayedHead > 1024) {
      this.delayed = this.delayed.slice(this.delayedHead);
      this.delayedHead = 0;
    }
  }

  private respond(res: http.ServerResponse, outcome: Outcome): void {
    this.counters.byStatus[outcome.status] = (this.counters.byStatus[outcome.status] ?? 0) + 1;
    if (res.destroyed || res.writableEnded) return;
    const payload = outcome.body === undefined ? '' : JSON.stringify(outcome.body);
    const headers: Record<string, string | number> = { ...outcome.headers, 'Content-Length': Buffer.byteLength(payload) };
    if (payload) headers['Content-Type'] = 'application/json; charset=utf-8';
    res.writeHead(outcome.status, headers);
    res.end(payload);
  }

  private handle(method: string, rawUrl: string, prefix: string, rawBody: Buffer | undefined, size: number): Outcome | Promise<Outcome> {
    const queryAt = rawUrl.indexOf('?');
    const fullPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = new URLSearchParams(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1));
    const path = fullPath.startsWith(`/${prefix}`) ? fullPath.slice(prefix.length) : undefined;
    const request: FakeRequest = { method, path: path ?? fullPath, kind: 'unknown' };
    try {
      if (path === undefined) throw new HttpError(404, 'NotFound', `No route for ${method} ${fullPath} (expected prefix /${prefix})`, 'notFound');
      const route = parseRoute(method, path);
      Object.assign(request, { kind: route.kind, conversationId: route.conversationId, activityId: route.activityId, teamId: route.teamId });
      if (route.kind === 'unknown') throw new HttpError(404, 'NotFound', `No route for ${method} ${fullPath}`, 'notFound');
      if (rawBody === undefined) throw new HttpError(413, TEAMS_ERROR_CODES.tooLarge, `Body over ${MAX_BODY_BYTES} bytes.`, 'tooLarge');
      if (rawBody.length > 0) request.body = parseJson(rawBody);
      if (route.kind === 'create') request.conversationId = this.conversationIdForCreate(request.body);
      const hold = this.holds.find((h) => h.match(request));
      if (hold) return new Promise<Outcome>((resolve) => hold.waiting.push(() => resolve(this.answer(request, () => this.admitAndServe(request, route, query, size)))));
      return this.admitAndServe(request, route, query, size);
    } catch (error) {
      return this.answer(request, () => {
        throw error;
      });
    }
  }

  /** Runs a step of the pipeline; an HttpError it throws becomes the error answer. */
  private answer(request: FakeRequest, step: () => Outcome): Outcome {
    try {
      return step();
    } catch (error) {
      if (error instanceof HttpError) return this.reject(request, error.status, error.code, error.message, error.reason);
      return { status: 500, body: { error: { code: TEAMS_ERROR_CODES.serviceError, message: `fake connector bug: ${String(error)}` } } };
    }
  }

  private admitAndServe(request: FakeRequest, route: Route, query: URLSearchParams, size: number): Outcome {
    const globalWait = this.takeGlobalToken();
    if (globalWait > 0) return this.throttle(request, globalWait, 'globalLimit');

    const injected = this.injectedFault(request);
    if (injected) return injected;

    const conversationId = request.conversationId;
    if (conversationId !== undefined) {
      const channelId = baseConversationId(conversationId);
      if ((this.forgotten.has(conversationId) || this.forgotten.has(channelId)) && request.kind !== 'create') {
        this.counters.faults += 1;
        return this.reject(request, 404, TEAMS_ERROR_CODES.conversationNotFound, DEFAULT_MESSAGES[TEAMS_ERROR_CODES.conversationNotFound] ?? '', 'forgotten');
      }
      const block = this.blocked.get(conversationId) ?? this.blocked.get(channelId);
      const carriesActivity = request.kind !== 'create' || hasActivity(request.body);
      if (block && WRITE_KINDS.has(request.kind) && carriesActivity) {
        this.counters.faults += 1;
        return this.reject(request, 403, block.code, block.message, 'blocked');
      }
    }

    // Teams limits per thread: replies in a channel's reply chains (';messageid=') share the channel's windows.
    const limitKey = this.windows.length > 0 && conversationId !== undefined && (isSend(request) || request.kind === 'create') ? baseConversationId(conversationId) : undefined;
    if (limitKey !== undefined) {
      const wait = this.logFor(limitKey).waitSeconds(this.clock(), this.windows);
      if (wait > 0) return this.throttle(request, wait, 'conversationLimit');
    }

    const maxBytes = this.options.maxActivityBytes;
    if (maxBytes !== undefined && size > maxBytes && (isSend(request) || request.kind === 'update' || request.kind === 'create')) {
      return this.reject(request, 413, TEAMS_ERROR_CODES.tooLarge, DEFAULT_MESSAGES[TEAMS_ERROR_CODES.tooLarge] ?? '', 'tooLarge');
    }

    const outcome = this.serve(request, route, query);
    if (limitKey !== undefined && outcome.status < 300) this.logFor(limitKey).add(this.clock());
    return outcome;
  }

  private serve(request: FakeRequest, route: Route, query: URLSearchParams): Outcome {
    const conversationId = route.conversationId ?? '';
    switch (route.kind) {
      case 'create':
        return this.create(request);
      case 'send':
      case 'reply': {
        const activity = asActivity(request.body);
        const activityId = newActivityId();
        this.counters.sent += 1;
        this.knownConversations.add(conversationId);
        const replyTo = route.kind === 'reply' ? { replyToId: route.activityId ?? '' } : {};
        this.record({ kind: route.kind, conversationId, activityId, ...replyTo, activity });
        return { status: 201, body: { id: activityId } };
      }
      case 'update': {
        const activityId = route.activityId ?? '';
        this.record({ kind: 'update', conversationId, activityId, activity: asActivity(request.body) });
        return { status: 200, body: { id: activityId } };
      }
      case 'delete':
        this.record({ kind: 'delete', conversationId, activityId: route.activityId ?? '' });
        return { status: 200 };
      case 'history':
        return { status: 200, body: { id: '' } };
      case 'attachment':
        return { status: 201, body: { id: `attachment-${newActivityId()}` } };
      case 'listConversations':
        return { status: 200, body: { conversations: [...this.knownConversations].map((id) => ({ id, members: [] })) } };
      case 'members':
      case 'activityMembers':
        return { status: 200, body: (this.rosters.get(conversationId) ?? []).map((m) => memberJson(m, true)) };
      case 'member': {
        const member = (this.rosters.get(conversationId) ?? []).find((m) => m.id === route.memberId || m.aadObjectId === route.memberId || m.userPrincipalName === route.memberId);
        if (!member) throw new HttpError(404, TEAMS_ERROR_CODES.memberNotFound, DEFAULT_MESSAGES[TEAMS_ERROR_CODES.memberNotFound] ?? '', 'notFound');
        return { status: 200, body: memberJson(member, false) };
      }
      case 'removeMember': {
        const roster = this.rosters.get(conversationId);
        if (roster)
          this.rosters.set(
            conversationId,
            roster.filter((m) => m.id !== route.memberId),
          );
        return { status: 200 };
      }
      case 'pagedMembers':
        return { status: 200, body: this.pagedMembers(conversationId, query) };
      case 'teamChannels': {
        const teamId = route.teamId ?? '';
        if (!this.isKnownTeam(teamId)) throw teamNotFound();
        return { status: 200, body: { conversations: (this.channels.get(teamId) ?? []).map((c) => ({ id: c.id, name: c.name })) } };
      }
      case 'teamDetails': {
        const teamId = route.teamId ?? '';
        if (!this.isKnownTeam(teamId)) throw teamNotFound();
        const team = this.teams.get(teamId) ?? {};
        return {
          status: 200,
          body: {
            id: teamId,
            name: team.name,
            aadGroupId: team.aadGroupId,
            type: team.type ?? 'standard',
            channelCount: this.channels.get(teamId)?.length ?? 0,
            memberCount: this.rosters.get(teamId)?.length ?? 0,
          },
        };
      }
      default:
        throw new HttpError(404, 'NotFound', `No route for ${request.method} ${request.path}`, 'notFound');
    }
  }

  private create(request: FakeRequest): Outcome {
    const parameters = (request.body ?? {}) as Partial<ConversationParameters>;
    const conversationId = request.conversationId ?? '';
    const activity = hasActivity(parameters) ? asActivity(parameters.activity) : undefined;
    // A channel thread's id already names its root activity; otherwise assign one only for an initial activity.
    const threadRoot = /;messageid=(\d+)$/.exec(conversationId)?.[1];
    const activityId = threadRoot ?? (activity ? newActivityId() : undefined);
    this.forgotten.delete(conversationId);
    this.knownConversations.add(conversationId);
    if (activity) this.counters.sent += 1;
    this.record({ kind: 'create', conversationId, activityId, activity, parameters });
    return { status: 201, body: activityId === undefined ? { id: conversationId } : { id: conversationId, activityId } };
  }

  /** Id a create will return: channel threads get a fresh root id, 1:1 chats the stable member+tenant id. */
  private conversationIdForCreate(body: unknown): string {
    const parameters = (body ?? {}) as Partial<ConversationParameters> & { channelData?: { channel?: { id?: string }; tenant?: { id?: string } } };
    const tenantId = parameters.tenantId ?? parameters.channelData?.tenant?.id ?? '';
    const channelId = parameters.channelData?.channel?.id;
    if (channelId) return `${channelId};messageid=${newActivityId()}`;
    const members = Array.isArray(parameters.members) ? parameters.members : [];
    const ids = members.map((m) => (m && typeof m.id === 'string' ? m.id : '')).filter((id) => id !== '');
    const first = ids[0];
    if (first === undefined) throw new HttpError(400, TEAMS_ERROR_CODES.badArgument, 'ConversationParameters need members (or channelData.channel.id).', 'badRequest');
    if (ids.length === 1 && parameters.isGroup !== true) return personalConversationId(first, tenantId);
    return `19:${hash(`${tenantId}|${[...ids].sort().join(',')}`).slice(0, 32)}@thread.v2`;
  }

  private pagedMembers(conversationId: string, query: URLSearchParams): { members: unknown[]; continuationToken?: string } {
    const roster = this.rosters.get(conversationId) ?? [];
    const requested = Number(query.get('pageSize') ?? '200');
    const pageSize = Number.isFinite(requested) && requested >= 1 ? Math.min(500, Math.floor(requested)) : 200;
    const token = query.get('continuationToken');
    let offset = 0;
    if (token) {
      const decoded = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
      if (!decoded?.[1]) throw new HttpError(400, TEAMS_ERROR_CODES.badArgument, 'Invalid continuation token.', 'badRequest');
      offset = Number(decoded[1]);
    }
    const next = offset + pageSize;
    const members = roster.slice(offset, next).map((m) => memberJson(m, false));
    return next < roster.length ? { members, continuationToken: Buffer.from(`offset:${next}`).toString('base64url') } : { members };
  }

  private isKnownTeam(teamId: string): boolean {
    return this.teams.has(teamId) || this.channels.has(teamId);
  }

  // ---- faults and limits ----

  private injectedFault(request: FakeRequest): Outcome | undefined {
    for (let i = 0; i < this.failRules.length; i += 1) {
      const rule = this.failRules[i];
      if (!rule || !(rule.options.match ?? isSend)(request)) continue;
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.failRules.splice(i, 1);
      const { status, code, message, retryAfterSeconds } = rule.options;
      return this.fault(request, status, code, message, retryAfterSeconds ?? (status === 429 ? 1 : undefined), 'failNext');
    }
    const rates = this.faultRates;
    if (rates && (rates.match ?? isSend)(request)) {
      const draw = this.random();
      let edge = 0;
      for (const [status, p] of [
        [429, rates.p429],
        [503, rates.p503],
        [403, rates.p403],
        [404, rates.p404],
      ] as const) {
        edge += p ?? 0;
        if (draw < edge) {
          const retryAfter = rates.retryAfterSeconds ?? (status === 429 ? 1 : undefined);
          return this.fault(request, status, undefined, undefined, status === 429 || status === 503 ? retryAfter : undefined, 'random');
        }
      }
    }
    return undefined;
  }

  private fault(request: FakeRequest, status: number, code: string | undefined, message: string | undefined, retryAfterSeconds: number | undefined, reason: RejectionReason): Outcome {
    this.counters.faults += 1;
    const errorCode = code ?? defaultCode(status);
    return this.reject(request, status, errorCode, message ?? DEFAULT_MESSAGES[errorCode] ?? `Injected ${status}.`, reason, retryAfterSeconds);
  }

  private throttle(request: FakeRequest, retryAfterSeconds: number, reason: RejectionReason): Outcome {
    this.counters.throttled += 1;
    return this.reject(request, 429, TEAMS_ERROR_CODES.throttled, DEFAULT_MESSAGES[TEAMS_ERROR_CODES.throttled] ?? '', reason, retryAfterSeconds);
  }

  private reject(request: FakeRequest, status: number, code: string, message: string, reason: RejectionReason, retryAfterSeconds?: number): Outcome {
    if (this.options.recordActivities !== false)
      this.rejectionLog.push({
        kind: request.kind,
        method: request.method,
        path: request.path,
        conversationId: request.conversationId,
        status,
        code,
        reason,
        retryAfterSeconds,
        timestamp: Date.now(),
      });
    const headers = retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(retryAfterSeconds) };
    return { status, body: { error: { code, message } }, headers };
  }

  /** Seconds to wait if the global bucket is empty, else 0 (and a token is taken). */
  private takeGlobalToken(): number {
    const rate = this.options.rateLimits?.globalPerSecond;
    if (!rate || rate <= 0) return 0;
    const now = this.clock();
    this.bucketTokens = Math.min(this.bucketCapacity(), this.bucketTokens + ((now - this.bucketUpdated) * rate) / 1000);
    this.bucketUpdated = now;
    if (this.bucketTokens >= 1) {
      this.bucketTokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.bucketTokens) / rate));
  }

  private bucketCapacity(): number {
    const limits = this.options.rateLimits;
    return limits?.globalBurst ?? limits?.globalPerSecond ?? 0;
  }

  private logFor(conversationId: string): SlidingLog {
    let log = this.conversationLogs.get(conversationId);
    if (!log) {
      log = new SlidingLog();
      this.conversationLogs.set(conversationId, log);
    }
    return log;
  }

  // ---- records ----

  private record(fields: Omit<ActivityOpRecord, 'seq' | 'timestamp'> | Omit<CreateRecord, 'seq' | 'timestamp'>): void {
    this.seqCounter += 1;
    const record = { ...fields, seq: this.seqCounter, timestamp: Date.now() };
    if (this.options.recordActivities !== false) this.records.push(record);
    for (const waiter of this.waiters) {
      let matched: boolean;
      try {
        matched = waiter.predicate(record);
      } catch (error) {
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (matched) {
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(record);
      }
    }
  }

  /** Summary for timeout messages: counts plus the last 20 records and last 5 rejections. */
  private describe(): string {
    const lines = this.records.slice(-20).map((r) => `  #${r.seq} ${r.kind} conv=${r.conversationId} id=${r.activityId ?? '-'}${summarize(r.activity)}`);
    const rejected = this.rejectionLog.slice(-5).map((r) => `  ${r.method} ${r.path} → ${r.status} ${r.code} (${r.reason})`);
    return [
      `Received ${this.records.length} activit${this.records.length === 1 ? 'y' : 'ies'}${this.records.length > 20 ? ' (last 20 shown)' : ''}${lines.length ? ':' : '.'}`,
      ...lines,
      ...(rejected.length ? [`Rejected ${this.rejectionLog.length} request(s)${this.rejectionLog.length > 5 ? ' (last 5 shown)' : ''}:`, ...rejected] : []),
    ].join('\n');
  }
}

/** Starts a fake Bot Connector on 127.0.0.1 with an ephemeral port. */
export async function startFakeConnector(options: FakeConnectorOptions = {}): Promise<FakeConnector> {
  const server = http.createServer({ keepAliveTimeout: 30_000 });
  server.headersTimeout = 35_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new FakeConnector(server, options);
}

// ---- helpers ----

function emptyStats(): FakeConnectorStats {
  return { received: 0, sent: 0, throttled: 0, faults: 0, byStatus: {} };
}

function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/` : '';
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, TEAMS_ERROR_CODES.badSyntax, 'Request body is not valid JSON.', 'badRequest');
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, TEAMS_ERROR_CODES.badSyntax, `Bad URL encoding in '${segment}'.`, 'badRequest');
  }
}

/** Maps method + path (segments split before decoding, so an escaped '/' stays inside its id). */
function parseRoute(method: string, path: string): Route {
  const s = path
    .split('/')
    .filter((part) => part !== '')
    .map(decodeSegment);
  const [version, collection, id, sub, subId, tail] = s;
  const n = s.length;
  if (version !== 'v3') return { kind: 'unknown' };
  if (collection === 'teams' && id !== undefined && method === 'GET') {
    if (n === 3) return { kind: 'teamDetails', teamId: id };
    if (n === 4 && sub === 'conversations') return { kind: 'teamChannels', teamId: id };
    return { kind: 'unknown' };
  }
  if (collection !== 'conversations') return { kind: 'unknown' };
  if (n === 2) return { kind: method === 'POST' ? 'create' : method === 'GET' ? 'listConversations' : 'unknown' };
  const conversationId = id;
  if (sub === 'activities') {
    if (n === 4 && method === 'POST') return { kind: 'send', conversationId };
    if (n === 5 && subId === 'history' && method === 'POST') return { kind: 'history', conversationId };
    if (n === 5 && method === 'POST') return { kind: 'reply', conversationId, activityId: subId };
    if (n === 5 && method === 'PUT') return { kind: 'update', conversationId, activityId: subId };
    if (n === 5 && method === 'DELETE') return { kind: 'delete', conversationId, activityId: subId };
    if (n === 6 && tail === 'members' && method === 'GET') return { kind: 'activityMembers', conversationId, activityId: subId };
    return { kind: 'unknown' };
  }
  if (sub === 'members' && n === 4 && method === 'GET') return { kind: 'members', conversationId };
  if (sub === 'members' && n === 5 && method === 'GET') return { kind: 'member', conversationId, memberId: subId };
  if (sub === 'members' && n === 5 && method === 'DELETE') return { kind: 'removeMember', conversationId, memberId: subId };
  if (sub === 'pagedmembers' && n === 4 && method === 'GET') return { kind: 'pagedMembers', conversationId };
  if (sub === 'attachments' && n === 4 && method === 'POST') return { kind: 'attachment', conversationId };
  return { kind: 'unknown' };
}

/** A channel reply chain '19:x@thread.tacv2;messageid=1' belongs to '19:x@thread.tacv2'. */
function baseConversationId(conversationId: string): string {
  const at = conversationId.indexOf(';messageid=');
  return at < 0 ? conversationId : conversationId.slice(0, at);
}

function teamNotFound(): HttpError {
  return new HttpError(404, TEAMS_ERROR_CODES.conversationNotFound, 'Team not found.', 'notFound');
}

function hasActivity(body: unknown): boolean {
  return typeof body === 'object' && body !== null && typeof (body as { activity?: unknown }).activity === 'object' && (body as { activity?: unknown }).activity !== null;
}

function asActivity(value: unknown): Partial<Activity> {
  return typeof value === 'object' && value !== null ? value : {};
}

/** A member as Teams serializes it; the legacy /members routes also carry objectId. */
function memberJson(member: FakeMember, legacy: boolean): Record<string, unknown> {
  return {
    id: member.id,
    name: member.name,
    aadObjectId: member.aadObjectId,
    ...(legacy ? { objectId: member.aadObjectId } : {}),
    givenName: member.givenName,
    surname: member.surname,
    email: member.email,
    userPrincipalName: member.userPrincipalName,
    tenantId: member.tenantId,
    userRole: member.userRole ?? 'user',
  };
}

function summarize(activity: Partial<Activity> | undefined): string {
  if (!activity) return '';
  const text = typeof activity.text === 'string' ? ` text=${JSON.stringify(activity.text.length > 60 ? `${activity.text.slice(0, 57)}...` : activity.text)}` : '';
  const cards = Array.isArray(activity.attachments) && activity.attachments.length ? ` attachments=${activity.attachments.length}` : '';
  return ` type=${activity.type ?? '?'}${text}${cards}`;
}
