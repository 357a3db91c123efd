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
 * and nothing is delivered twice.
 */
export class FollowUpSweeper {
  private readonly periodic: PeriodicSweep;

  constructor(
    private readonly service: DecommissionService,
    private readonly deliver: FollowUps,
    intervalMs: number,
    private readonly log: Logger,
  ) {
    this.periodic = new PeriodicSweep('followup.sweep_failed', () => this.once(), intervalMs, log);
  }

  start(): void {
    this.periodic.start();
  }

  /** Sweeps now (or joins the sweep running); answers how many follow-ups it delivered. */
  sweep(): Promise<number> {
    return this.periodic.sweep();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  private async once(): Promise<number> {
    let count = 0;
    for (const claim of await this.service.claimEndedHolds()) {
      this.log.info({ event: 'decommission.hold_ended', workloadId: claim.workload.workloadId, assets: claim.assets.map((a) => a.id) }, 'hold ended, owners reminded');
      await this.deliver.holdEnded(claim);
      count += claim.assets.length;
    }
    for (const workload of await this.service.claimCostReviews('askedAt')) {
      this.log.info({ event: 'costreview.asked', workloadId: workload.workloadId }, 'cost review asked for');
      await this.deliver.askCostReview(workload);
      count += 1;
      const [reminded] = await this.service.claimCostReviews('remindedAt', [workload.workloadId]);
      if (reminded) {
        await this.deliver.remindCostReview(reminded);
        count += 1;
      }
    }
    return count;
  }
}
