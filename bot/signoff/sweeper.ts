import type { Logger } from '../log';
import type { SignoffService } from './service';

/**
 * Expires cycles whose due time has passed. It keeps nothing in memory: every sweep asks Cosmos
 * which cycles are due, so a restart (or another instance) picks up where the last one stopped.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly signoff: SignoffService,
    private readonly onExpired: (ref: { workloadId: string; cycleId: string }) => void,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer || this.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.log.error({ event: 'signoff.sweep_failed', err: error }, 'expiry sweep failed'));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Expires every cycle past due now; answers how many expired. A sweep already running is joined, not doubled. */
  sweep(): Promise<number> {
    if (this.running) return this.running;
    const run = (async () => {
      const expired = await this.signoff.expireDue();
      for (const ref of expired) {
        this.log.info({ event: 'signoff.cycle_expired', workloadId: ref.workloadId, cycleId: ref.cycleId }, 'UAT cycle expired');
        this.onExpired(ref);
      }
      return expired.length;
    })().finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
