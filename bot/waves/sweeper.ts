import type { Logger } from '../log';
import { PeriodicSweep } from '../shared/periodic';
import type { ReviewAnnouncement, WaveService } from './service';

/** What the sweep hands to the Teams edge: the review card in the team's conversation, and one to one to each business stakeholder. */
export interface ReviewDelivery {
  announce(announcement: ReviewAnnouncement): Promise<void>;
}

/**
 * Opens the business priorities review of each wave whose last day is over, by itself. It keeps nothing in
 * memory: each sweep asks Cosmos which open waves ended without a review, opens the review once (its natural
 * id), marks the wave, and marks the review announced before delivering, so a restart or a second process
 * picks up where it stopped and nothing is delivered twice.
 */
export class ReviewSweeper {
  private readonly periodic: PeriodicSweep;

  constructor(
    private readonly waves: WaveService,
    private readonly deliver: ReviewDelivery,
    intervalMs: number,
    private readonly log: Logger,
  ) {
    this.periodic = new PeriodicSweep('wave.review_sweep_failed', () => this.once(), intervalMs, log);
  }

  start(): void {
    this.periodic.start();
  }

  /** Sweeps now (or joins the sweep running); answers how many reviews it opened and announced. */
  sweep(): Promise<number> {
    return this.periodic.sweep();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  private async once(): Promise<number> {
    let count = 0;
    for (const announcement of await this.waves.openEndedReviews()) {
      this.log.info({ event: 'wave.review_opened', waveId: announcement.review.waveId, stakeholders: announcement.review.stakeholders.length }, 'priorities review opened by the sweep');
      await this.deliver.announce(announcement);
      count += 1;
    }
    return count;
  }
}
