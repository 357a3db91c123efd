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
  /** The team conversation the wave was planned in: where Liftoff posts its priorities review. */
  conversationId?: string;
  /** Set once its priorities review exists, so the review sweep no longer finds the wave. */
  reviewOpenedAt?: string;
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

/** What was done to a wave, kept in the team's partition with the change itself (one batch): the wave's audit trail. */
export interface WaveEvent {
  id: string;
  /** The team's partition key. */
  workloadId: string;
  type: 'waveEvent';
  waveId: string;
  at: string;
  actor: Person;
  action: 'wave.planned' | 'wave.movedIn' | 'wave.movedOut' | 'wave.reordered' | 'wave.closed' | 'wave.reviewed';
  summary: string;
  reason?: string;
  /** A decision of the priorities review of this (earlier) wave. */
  reviewOf?: string;
  /** The reviewed wave's name, for the next wave's card. */
  reviewOfName?: string;
}

/** What a wave delivered, as the priorities review shows it to the business stakeholders. */
export interface WaveOutcomeSummary {
  released: string[];
  notReleased: string[];
  windowsFinished: number;
  rolledBack: Array<{ workload: string; window: number; reason: string }>;
  savings: Array<{ workload: string; text: string }>;
  openActions: string[];
}

/**
 * The business priorities review of a wave: started once (natural id `review:<waveId>`), its outcome frozen
 * when it starts; decisions on the next wave are wave changes recorded with `reviewOf`.
 */
export interface WaveReview {
  id: string;
  workloadId: string;
  type: 'waveReview';
  waveId: string;
  waveName: string;
  /** The wave the decisions change, when the team had one planned. */
  nextWaveId?: string;
  /** The business owners of the wave's workloads. */
  stakeholders: Person[];
  outcome: WaveOutcomeSummary;
  startedBy: Person;
  startedAt: string;
  /** Opened by Liftoff's sweep when the wave ended: 'due' until the sweep that announces it marks it (announcedAt, before sending). */
  announce?: 'due';
  announcedAt?: string;
  _etag?: string;
}
