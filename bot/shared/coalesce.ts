import type { Logger } from '../log';
import type { BackgroundWork } from './background';
import { sleep } from './retry';

/**
 * Reads that are always fresh for the caller yet shared between concurrent callers: a caller gets
 * the result of a read that started after its call, so it sees every write it made before calling.
 * Callers arriving while a read runs share the next one, so a burst of N callers costs about two reads
 * rather than N. Nothing is kept once the reads are done: this coalesces work, it stores nothing.
 */
export class FreshReads<T> {
  private readonly entries = new Map<string, { running?: Promise<T>; queued?: Promise<T> }>();

  constructor(private readonly load: (key: string) => Promise<T>) {}

  read(key: string): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {};
      this.entries.set(key, entry);
    }
    const running = entry.running;
    if (!running) return this.launch(key, entry);
    if (entry.queued) return entry.queued;
    const waiting = entry;
    const queued = running
      .catch(() => undefined)
      .then(() => {
        waiting.queued = undefined;
        return this.launch(key, waiting);
      });
    waiting.queued = queued;
    return queued;
  }

  private launch(key: string, entry: { running?: Promise<T>; queued?: Promise<T> }): Promise<T> {
    const started: Promise<T> = this.load(key).finally(() => {
      if (entry.running !== started) return;
      entry.running = undefined;
      if (!entry.queued) this.entries.delete(key);
    });
    entry.running = started;
    return started;
  }
}

/** At most one run of a task per key at a time; callers arriving meanwhile join the running one. */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (current) return current;
    const started = work().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }
}

/**
 * Runs a task per key in the background, folding requests that arrive while it runs into one more
 * run, so a burst of requests costs one or two runs and the last run always starts after the last
 * request. Runs of one key are at least `minIntervalMs` apart.
 */
export class LatestWins {
  private readonly entries = new Map<string, { dirty: boolean; work: () => Promise<void> }>();

  constructor(
    private readonly background: BackgroundWork,
    private readonly log: Logger,
    private readonly minIntervalMs = 250,
  ) {}

  request(key: string, name: string, fields: Record<string, unknown>, work: () => Promise<void>): void {
    const existing = this.entries.get(key);
    if (existing) {
      existing.dirty = true;
      existing.work = work;
      return;
    }
    const entry = { dirty: true, work };
    this.entries.set(key, entry);
    this.background.run(name, fields, async () => {
      try {
        while (entry.dirty) {
          entry.dirty = false;
          const started = Date.now();
          try {
            await entry.work();
          } catch (error) {
            this.log.error({ event: `${name}.failed`, ...fields, err: error }, 'coalesced background work failed');
          }
          if (entry.dirty) await sleep(Math.max(0, this.minIntervalMs - (Date.now() - started)));
        }
      } finally {
        this.entries.delete(key);
      }
    });
  }
}

/** Runs `work` over items with at most `concurrency` at a time, in order of start. */
export async function forEachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}
