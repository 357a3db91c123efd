/** Teams' rate limits as pure, clock-injected classes: every method takes `now` in milliseconds. */

/** A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updated = now;
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

/** Sliding windows per conversation: remembers when each operation was admitted, forgets what no window can see. */
export class ConversationWindows {
  private readonly times = new Map<string, number[]>();
  private readonly longest: number;
  private lastSweep = 0;

  constructor(private readonly windows: readonly RateWindow[] = TEAMS_CONVERSATION_WINDOWS) {
    this.longest = windows.reduce((m, w) => Math.max(m, w.windowMs), 0);
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
    while (times.length > 0 && (times[0] ?? 0) <= now - this.longest) times.shift();
    this.times.set(key, times);
    if (now - this.lastSweep > this.longest) this.sweep(now);
  }

  /** How many conversations are remembered (for tests of the memory bound). */
  get size(): number {
    return this.times.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, times] of this.times) {
      if ((times[times.length - 1] ?? 0) <= now - this.longest) this.times.delete(key);
    }
  }
}
