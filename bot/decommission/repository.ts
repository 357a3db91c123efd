import type { Workload } from '../release/model';
import type { CostReview, DecommissionPlan } from './model';
import type { Decided } from './rules';

/** What a change of a workload's document answers: the rule's decision, with the workload as stored after it. */
export type Stored<D> = Decided<D> & { workload: Workload };

/**
 * One document of a workload's partition changed together with the workload (its summary, a gate) and audit
 * events, in one transactional batch on both ETags. Implemented over Cosmos DB in bot/store.
 */
export interface WorkloadDocument<D> {
  get(workloadId: string): Promise<D | undefined>;
  /** Reads the document and the workload (the turn's own copy on the first try), applies the rule, stores what it decided. */
  change(workloadId: string, rule: (doc: D | undefined, workload: Workload) => Decided<D>, known?: Workload): Promise<Stored<D> | undefined>;
}

export interface AssetRepository extends WorkloadDocument<DecommissionPlan> {
  /** The workloads with a hold ended and not yet reminded (across workloads: the sweep's query, never a turn's). */
  holdsEnded(now: string, limit: number): Promise<string[]>;
}

export interface CostReviewRepository extends WorkloadDocument<CostReview> {
  /** The workloads promoted before `promotedBefore` whose cost review is open and not asked for yet (the sweep's query). */
  reviewsDue(promotedBefore: string, limit: number): Promise<string[]>;
}
