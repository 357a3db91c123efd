import type { Wave, WaveClaim } from './model';
import type { WaveDecision } from './rules';

export type PlanResult = { kind: 'created'; wave: Wave } | { kind: 'exists'; wave: Wave | undefined } | { kind: 'claimed'; workloadId: string; waveId: string };

/** Where a team's waves and their claims are kept: the team's partition. Implemented over Cosmos DB in bot/store. */
export interface WaveRepository {
  /** Every wave of the team (one single-partition query). */
  waves(teamPartition: string): Promise<Wave[]>;
  wave(teamPartition: string, waveId: string): Promise<Wave | undefined>;
  /** Stores the wave and its claims together; 'claimed' names a workload already in another open wave. */
  plan(wave: Wave, claims: WaveClaim[]): Promise<PlanResult>;
  /**
   * Re-reads the wave and applies the rule; a closed wave is stored on its ETag with its claims deleted,
   * together; on a concurrent change it re-reads and re-applies. Undefined when the wave does not exist.
   */
  close(teamPartition: string, waveId: string, rule: (current: Wave) => WaveDecision): Promise<WaveDecision | undefined>;
}
