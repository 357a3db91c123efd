import type { Logger } from '../log';

/**
 * A sweep run on a timer and on demand. A sweep asked for while one runs joins it, so two never
 * overlap; stopping waits for the one in progress. The sweep itself keeps nothing in memory.
 */
export class PeriodicSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    /** The event logged when a timed sweep fails, e.g. 'signoff.sweep_failed'. */
    private readonly failedEvent: string,
    private readonly once: () => Promise<number>,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  /** Starts the timer; an interval of 0 or less means sweeps only on demand. */
  start(): void {
    if (this.timer || this.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.log.error({ event: this.failedEvent, err: error }, 'periodic sweep failed'));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Sweeps now, or joins the sweep already running; answers what it counted. */
  sweep(): Promise<number> {
    this.running ??= this.once().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
