import type { Person } from '../release/model';

/**
 * A wave: a team's iteration of migration (CAF: "a committed number of workloads over a two-week
 * iteration"). It lives in the team's partition of the `workloads` container (teamPartitionOf), with
 * one claim per workload in it, so that planning and closing are single-partition batches.
 */
export interface Wave {
  /** Document id, equal to waveId. */
  id: string;
  waveId: string;
  /** The partition key: the team's key, not a workload's. */
  workloadId: string;
  type: 'wave';
  tenantId: string;
  scopeId: string;
  name: string;
  /** YYYY-MM-DD, both days included. */
  start: string;
  end: string;
  /** The ids of the workloads in the wave, in the order they were planned. */
  workloadIds: string[];
  status: 'open' | 'closed';
  createdBy: Person;
  createdAt: string;
  closedBy?: Person;
  closedAt?: string;
  _etag?: string;
}

/** A workload's place in an open wave; its natural id makes "in at most one open wave" a 409 on create. */
export interface WaveClaim {
  /** `claim:<workloadId>`. */
  id: string;
  workloadId: string;
  type: 'waveClaim';
  waveId: string;
  claimedWorkloadId: string;
}

/** Most workloads one wave holds: a wave and its claims are written in one transactional batch (at most 100 operations). */
export const MAX_WAVE_WORKLOADS = 25;
