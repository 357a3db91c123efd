import type { Logger } from '../log';
import type { Workload } from '../release/model';
import { PeriodicSweep } from '../shared/periodic';
import type { Asset, DecommissionPlan } from './model';
import type { DecommissionService } from './service';

/** What the sweep hands to the Teams edge to deliver, through the outbound pipeline. */
export interface FollowUps {
  /** The owners of these assets are reminded one to one that the hold ended. */
  holdEnded(claim: { workload: Workload; plan: DecommissionPlan; assets: Asset[] }): Promise<void>;
  /** Liftoff asks for the cost review in the workload's conversation. */
  askCostReview(workload: Workload): Promise<void>;
  /** Its owner (the workload architect) is reminded one to one. */
  remindCostReview(workload: Workload): Promise<void>;
}

/**
 * The follow-ups after promotion: a hold that ended, a cost review due. It keeps nothing in memory: each
 * sweep asks Cosmos what is due and marks it there before delivering, so a restart picks up where it stopped
 * and nothing is delivered twice. `sweep()` sweeps now (or joins the sweep running) and answers how many
 * follow-ups it delivered.
 */
export class FollowUpSweeper extends PeriodicSweep {
  constructor(service: DecommissionService, deliver: FollowUps, intervalMs: number, log: Logger) {
    super(
      'followup.sweep_failed',
      async () => {
        let count = 0;
        for (const claim of await service.claimEndedHolds()) {
          log.info({ event: 'decommission.hold_ended', workloadId: claim.workload.workloadId, assets: claim.assets.map((a) => a.id) }, 'hold ended, owners reminded');
          await deliver.holdEnded(claim);
          count += claim.assets.length;
        }
        for (const workload of await service.claimCostReviews('askedAt')) {
          log.info({ event: 'costreview.asked', workloadId: workload.workloadId }, 'cost review asked for');
          await deliver.askCostReview(workload);
          count += 1;
          const [reminded] = await service.claimCostReviews('remindedAt', [workload.workloadId]);
          if (reminded) {
            await deliver.remindCostReview(reminded);
            count += 1;
          }
        }
        return count;
      },
      intervalMs,
      log,
    );
  }
}
