import type { Logger } from '../log';
import { PeriodicSweep } from '../shared/periodic';
import type { SignoffService } from './service';

/**
 * Expires cycles whose due time has passed. It keeps nothing in memory: every sweep asks Cosmos
 * which cycles are due, so a restart (or another instance) picks up where the last one stopped.
 * `sweep()` expires every cycle past due now and answers how many expired.
 */
export class ExpirySweeper extends PeriodicSweep {
  constructor(signoff: SignoffService, onExpired: (ref: { workloadId: string; cycleId: string }) => Promise<void>, intervalMs: number, log: Logger) {
    super(
      'signoff.sweep_failed',
      async () => {
        const expired = await signoff.expireDue();
        for (const ref of expired) {
          log.info({ event: 'signoff.cycle_expired', workloadId: ref.workloadId, cycleId: ref.cycleId }, 'UAT cycle expired');
          await onExpired(ref);
        }
        return expired.length;
      },
      intervalMs,
      log,
    );
  }
}
