import type { Wave, WaveClaim, WaveEvent, WaveReview } from './model';
import type { WaveChangeDecision, WaveDecision, WaveEventDraft } from './rules';

export type PlanResult = { kind: 'created'; wave: Wave } | { kind: 'exists'; wave: Wave | undefined } | { kind: 'claimed'; workloadId: string; waveId: string };

/** A change of a wave's workloads as stored: the rule's decision, or the open wave that holds the workload moved in. */
export type ChangeResult = WaveChangeDecision | { kind: 'claimed'; waveId: string };

/** Where a team's waves and their claims are kept: the team's partition. Implemented over Cosmos DB in bot/store. */
export interface WaveRepository {
  /** Every wave of the team (one single-partition query). */
  waves(teamPartition: string): Promise<Wave[]>;
  wave(teamPartition: string, waveId: string): Promise<Wave | undefined>;
  /** Stores the wave, its claims and its audit event together; 'claimed' names a workload already in another open wave. */
  plan(wave: Wave, claims: WaveClaim[], event: WaveEventDraft): Promise<PlanResult>;
  /**
   * Re-reads the wave and applies the rule; a closed wave is stored on its ETag with its claims deleted and its
   * audit event, together; on a concurrent change it re-reads and re-applies. Undefined when the wave does not exist.
   */
  close(teamPartition: string, waveId: string, rule: (current: Wave) => WaveDecision, event: (closed: Wave) => WaveEventDraft): Promise<WaveDecision | undefined>;
  /** Re-reads the wave, applies the rule and stores the wave on its ETag with the claim change and the audit event. */
  change(teamPartition: string, waveId: string, rule: (current: Wave) => WaveChangeDecision): Promise<ChangeResult | undefined>;
  /** The open wave holding this workload, if any (a point read of its claim). */
  claimOf(teamPartition: string, workloadId: string): Promise<WaveClaim | undefined>;
  /** A wave's audit trail, oldest first. */
  events(teamPartition: string, waveId: string): Promise<WaveEvent[]>;
  review(teamPartition: string, waveId: string): Promise<WaveReview | undefined>;
  /** Stores the review with its audit event; 'exists' when it was started already (once per wave). */
  startReview(review: WaveReview, event: WaveEventDraft): Promise<'created' | 'exists'>;
  /**
   * Open waves of every team whose last day is before `today` and whose review is not marked opened: a
   * cross-partition query, run by the review sweep on its timer only, never on a person's turn.
   */
  endedUnreviewed(today: string, limit: number): Promise<Array<{ teamPartition: string; waveId: string }>>;
  /** Marks on the wave (guarded by its ETag) that its review exists, so the sweep no longer finds it. */
  markReviewOpened(teamPartition: string, waveId: string, now: string): Promise<void>;
  /**
   * Claims the announcement of a review Liftoff opened (guarded by the review's ETag): answers the review when
   * this call set `announcedAt`, so only one process sends it; undefined when it is not due or was claimed.
   */
  claimAnnouncement(teamPartition: string, waveId: string, now: string): Promise<WaveReview | undefined>;
}
