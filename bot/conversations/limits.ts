/** Teams' rate limits as pure, clock-injected classes: every method takes `now` in milliseconds. */

/** A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(
    private rate: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updated = now;
  }

  get ratePerSecond(): number {
    return this.rate;
  }

  /** Changes the rate from now on; tokens saved up so far stay. */
  setRate(ratePerSecond: number, now: number): void {
    this.refill(now);
    this.rate = ratePerSecond;
  }

  private refill(now: number): void {
    if (now > this.updated) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.updated) * this.ratePerSecond) / 1000);
      this.updated = now;
    }
  }

  /** Milliseconds until a token is available (0: one is available now). */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }

  /** Takes a token if one is available; true when taken. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One sliding window: at most `max` operations per `windowMs`. */
export interface RateWindow {
  windowMs: number;
  max: number;
}

/** Teams' limits per bot per conversation, for sends and conversation creation. */
export const TEAMS_CONVERSATION_WINDOWS: readonly RateWindow[] = [
  { windowMs: 1_000, max: 7 },
  { windowMs: 2_000, max: 8 },
  { windowMs: 30_000, max: 60 },
  { windowMs: 3_600_000, max: 1800 },
];

/**
 * Sliding windows per conversation: remembers when each operation was admitted, and forgets a conversation once no
 * window can hold it back any more. A conversation quiet for the second-longest window (30 s of Teams') with only a
 * few operations is forgotten before the longest (an hour) ends: bursts that small, that far apart, cannot reach the
 * longest window's limit however they repeat. So a broadcast to 50,000 people, one message each, remembers the last
 * 30 seconds of them, not the last hour.
 */
export class ConversationWindows {
  private readonly times = new Map<string, number[]>();
  private readonly longest: RateWindow;
  /** Quiet time after which a conversation with fewer than `fewOps` operations is forgotten. */
  private readonly quietMs: number;
  private readonly fewOps: number;
  private lastSweep = 0;

  constructor(private readonly windows: readonly RateWindow[] = TEAMS_CONVERSATION_WINDOWS) {
    const byLength = [...windows].sort((a, b) => b.windowMs - a.windowMs);
    this.longest = byLength[0] ?? { windowMs: 0, max: Number.POSITIVE_INFINITY };
    this.quietMs = byLength[1]?.windowMs ?? this.longest.windowMs;
    // Bursts of n separated by quietMs: at most n × (longest / quietMs + 1) in any longest window; kept under its max.
    this.fewOps = Math.ceil(this.longest.max / (this.longest.windowMs / Math.max(1, this.quietMs) + 1));
  }

  /** Milliseconds until one more operation in this conversation fits every window (0: it fits now). */
  waitMs(key: string, now: number): number {
    const times = this.times.get(key);
    if (!times) return 0;
    let wait = 0;
    for (const w of this.windows) {
      let inWindow = 0;
      for (let i = times.length - 1; i >= 0 && (times[i] ?? 0) > now - w.windowMs; i -= 1) inWindow += 1;
      if (inWindow >= w.max) {
        // The next one fits when the max-th most recent leaves the window.
        const blocker = times[times.length - w.max] ?? now;
        wait = Math.max(wait, blocker + w.windowMs - now + 1);
      }
    }
    return wait;
  }

  /** Records an operation admitted now. */
  record(key: string, now: number): void {
    const times = this.times.get(key) ?? [];
    times.push(now);
    while (times.length > 0 && (times[0] ?? 0) <= now - this.longest.windowMs) times.shift();
    this.times.set(key, times);
    if (now - this.lastSweep > this.quietMs) this.sweep(now);
  }

  /** How many conversations are remembered (for tests of the memory bound). */
  get size(): number {
    return this.times.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, times] of this.times) {
      const last = times[times.length - 1] ?? 0;
      if (last <= now - this.longest.windowMs || (last <= now - this.quietMs && times.length < this.fewOps)) this.times.delete(key);
    }
  }
}

/** How the tenant's rate adapts to what Teams answers. */
export interface PacingOptions {
  /** The rate a tenant starts at, as a fraction of the ceiling. */
  startFraction: number;
  /** The rate never goes below this, in requests a second. */
  floor: number;
  /** Each request Teams took adds this fraction of the ceiling to the rate (additive increase). */
  risePerSuccess: number;
  /** A lone 429 multiplies the rate by this (a gentle step down: Teams also throttles now and then for its own reasons). */
  stepDown: number;
  /** This many 429s in a row mean the tenant is over Teams' limit: the rate halves and the tenant waits out Retry-After. */
  throttledRun: number;
  /** Latency this many times the best seen, and at least `latencyMarginMs` above it, means Teams is straining: the rate steps down. */
  latencyFactor: number;
  latencyMarginMs: number;
  /** Least time between two latency step-downs, and the quiet time a latency step-down holds the rise. */
  latencyCalmMs: number;
}

export const DEFAULT_PACING: PacingOptions = {
  startFraction: 0.8,
  floor: 1,
  risePerSuccess: 1 / 500,
  stepDown: 0.98,
  throttledRun: 3,
  latencyFactor: 3,
  latencyMarginMs: 250,
  latencyCalmMs: 1000,
};

/** Pacing that stays at the ceiling: no rise, no step down (for specs of the bucket and the windows). */
export const STEADY_PACING: PacingOptions = { ...DEFAULT_PACING, startFraction: 1, risePerSuccess: 0, stepDown: 1, throttledRun: Number.POSITIVE_INFINITY, latencyFactor: Number.POSITIVE_INFINITY };

/** What one request to Teams told the pacing. */
export type PacingSignal = { kind: 'taken'; latencyMs: number } | { kind: 'throttled'; retryAfterMs?: number };

/**
 * A tenant's adaptive rate: rises while Teams takes every request, steps down on a 429 and on latency rising well
 * above the best seen, halves and waits out Retry-After when 429s come in a run; never above the ceiling the
 * operator set, never below the floor. Pure: every method takes `now`.
 */
export class AdaptiveRate {
  private current: number;
  private throttledInARow = 0;
  private holdUntil = 0;
  private bestLatency = Number.POSITIVE_INFINITY;
  private smoothedLatency: number | undefined;
  private calmUntil = 0;
  /** How often the rate stepped down, and why (for the logs and the benchmark). */
  readonly stepDowns = { throttled: 0, halved: 0, latency: 0 };

  constructor(
    readonly ceiling: number,
    private readonly options: PacingOptions = DEFAULT_PACING,
  ) {
    this.current = Math.max(Math.min(options.floor, ceiling), ceiling * options.startFraction);
  }

  /** Requests a second allowed now. */
  get rate(): number {
    return this.current;
  }

  /** Milliseconds the tenant must wait before its next request (a run of 429s named a Retry-After). */
  holdMs(now: number): number {
    return Math.max(0, this.holdUntil - now);
  }

  observe(signal: PacingSignal, now: number): void {
    const { options } = this;
    if (signal.kind === 'throttled') {
      this.throttledInARow += 1;
      if (this.throttledInARow >= options.throttledRun) {
        // Several in a row: Teams is throttling the tenant, not one unlucky request.
        this.throttledInARow = 0;
        this.stepDowns.halved += 1;
        this.current = Math.max(options.floor, this.current / 2);
        this.holdUntil = Math.max(this.holdUntil, now + (signal.retryAfterMs ?? 1000));
      } else {
        this.stepDowns.throttled += 1;
        this.current = Math.max(options.floor, this.current * options.stepDown);
      }
      return;
    }
    this.throttledInARow = 0;
    this.smoothedLatency = this.smoothedLatency === undefined ? signal.latencyMs : this.smoothedLatency * 0.9 + signal.latencyMs * 0.1;
    // The best seen is forgotten slowly, so a lasting change of the network becomes the new normal.
    this.bestLatency = Math.min(this.bestLatency * 1.0005, this.smoothedLatency);
    // A margin as well as a factor: a few milliseconds more on a fast network is noise, not strain.
    const straining = this.smoothedLatency > Math.max(this.bestLatency * options.latencyFactor, this.bestLatency + options.latencyMarginMs);
    if (straining) {
      if (now >= this.calmUntil) {
        this.stepDowns.latency += 1;
        this.current = Math.max(options.floor, this.current * 0.9);
        this.calmUntil = now + options.latencyCalmMs;
      }
      return;
    }
    if (now < this.calmUntil) return;
    this.current = Math.min(this.ceiling, this.current + this.ceiling * options.risePerSuccess);
  }
}
