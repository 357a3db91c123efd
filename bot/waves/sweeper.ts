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
 * picks up where it stopped and nothing is delivered twice. `sweep()` sweeps now (or joins the sweep running)
 * and answers how many reviews it opened and announced.
 */
export class ReviewSweeper extends PeriodicSweep {
  constructor(waves: WaveService, deliver: ReviewDelivery, intervalMs: number, log: Logger) {
    super(
      'wave.review_sweep_failed',
      async () => {
        let count = 0;
        for (const announcement of await waves.openEndedReviews()) {
          log.info({ event: 'wave.review_opened', waveId: announcement.review.waveId, stakeholders: announcement.review.stakeholders.length }, 'priorities review opened by the sweep');
          await deliver.announce(announcement);
          count += 1;
        }
        return count;
      },
      intervalMs,
      log,
    );
  }
}
