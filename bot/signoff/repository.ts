import type { AuditEvent, Workload } from '../release/model';
import type { RuleResult } from '../release/rules';
import type { SignoffCycle, Vote, VoteSeal } from './model';
import type { CycleChange } from './rules';

/** A cycle with every tester's place as it is now: decisions, and seals where no decision can come any more. */
export interface CycleSnapshot {
  cycle: SignoffCycle;
  votes: Vote[];
  seals: VoteSeal[];
}

/** A final sign-off: the cycle's change, and the workload's when the business-testing gate passes with it. */
export type FinalChange = CycleChange & { gate?: Extract<RuleResult, { kind: 'changed' }> };

/**
 * A decision stored (with the version of the shared card's marker written in its batch, when one was given, and the
 * cycle's decisions as its batch left them, when the cycle keeps a tally) or its place taken.
 */
export type VoteRecord = { kind: 'recorded'; markerVersion?: string; votes?: Vote[]; closed?: SignoffCycle } | { kind: 'taken' };

/**
 * What lets the deciding decision close the testers' part in its own batch: the workload the turn read (its summary is
 * replaced on its ETag in the batch) and the rule that, given the cycle's decisions after the batch, closes the cycle.
 */
export interface CloseWithVote {
  workload: Workload;
  close: (votes: Vote[]) => CycleChange | undefined;
}

/** Where cycles and decisions are kept: in the workload's partition. Implemented over Cosmos DB in bot/store. */
export interface SignoffRepository {
  /** Every cycle of a workload, by number. */
  cycles(workloadId: string): Promise<SignoffCycle[]>;
  cycle(workloadId: string, cycleId: string): Promise<SignoffCycle | undefined>;
  /** The cycle with its decisions and seals, read together (one single-partition query). */
  snapshot(workloadId: string, cycleId: string): Promise<CycleSnapshot | undefined>;
  /** Stores a new cycle with its audit event; 'exists' when its number is taken. */
  createCycle(cycle: SignoffCycle, event: Omit<AuditEvent, 'id'>): Promise<'created' | 'exists'>;
  /**
   * Stores a tester's decision with its audit event, at most once: 'taken' when the decision's natural
   * id is already held, by the tester's first decision or by a seal.
   */
  castVote(vote: Vote, event: Omit<AuditEvent, 'id'>): Promise<'recorded' | 'taken'>;
  /**
   * castVote, with the shared card's redraw marker (see bot/conversations/sharedCards.ts) upserted in the same
   * batch, after the decision: one request marks the card and stores the decision, or neither when the place is taken.
   */
  recordVote(vote: Vote, event: Omit<AuditEvent, 'id'>, marker?: object, close?: CloseWithVote): Promise<VoteRecord>;
  /** What holds a tester's place: their decision, a seal, or nothing yet (a point read). */
  slot(workloadId: string, id: string): Promise<Vote | VoteSeal | undefined>;
  /** Takes a tester's place so that no decision can be stored there any more; 'taken' when something holds it already. */
  seal(seal: VoteSeal): Promise<'sealed' | 'taken'>;
  /** Re-reads the cycle, applies the rule and stores the result with its event, guarded by the ETag; retried on a race. */
  changeCycle(workloadId: string, cycleId: string, rule: (cycle: SignoffCycle) => CycleChange): Promise<CycleChange | undefined>;
  /** Like changeCycle, with the workload too: the cycle and the business-testing gate change in one transaction. */
  finalize(workloadId: string, cycleId: string, rule: (cycle: SignoffCycle, workload: Workload) => FinalChange): Promise<FinalChange | undefined>;
  /** Cycles still open or awaiting their final sign-off whose due time is at or before `now`, across workloads. */
  dueCycles(now: string, limit: number): Promise<Array<{ workloadId: string; cycleId: string }>>;
}
