import type { Logger } from '../log';
import { PeriodicSweep } from '../shared/periodic';
import type { SignoffService } from './service';

/**
 * Expires cycles whose due time has passed. It keeps nothing in memory: every sweep asks Cosmos
 * which cycles are due, so a restart (or another instance) picks up where the last one stopped.
 */
export class ExpirySweeper {
  private readonly periodic: PeriodicSweep;

  constructor(
    private readonly signoff: SignoffService,
    private readonly onExpired: (ref: { workloadId: string; cycleId: string }) => Promise<void>,
    intervalMs: number,
    private readonly log: Logger,
  ) {
    this.periodic = new PeriodicSweep('signoff.sweep_failed', () => this.expire(), intervalMs, log);
  }

  start(): void {
    this.periodic.start();
  }

  /** Expires every cycle past due now; answers how many expired. A sweep already running is joined, not doubled. */
  sweep(): Promise<number> {
    return this.periodic.sweep();
  }

  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void> {
    return this.periodic.stop();
  }

  private async expire(): Promise<number> {
    const expired = await this.signoff.expireDue();
    for (const ref of expired) {
      this.log.info({ event: 'signoff.cycle_expired', workloadId: ref.workloadId, cycleId: ref.cycleId }, 'UAT cycle expired');
      await this.onExpired(ref);
    }
    return expired.length;
  }
}
