import type { CommPlan, PlanResult } from './plan';

/** Where communication plans live: one document per workload, in its partition. Implemented over Cosmos DB in bot/store. */
export interface CommPlanRepository {
  get(workloadId: string): Promise<CommPlan | undefined>;
  /** Re-reads the plan (or starts from `fresh` when there is none), applies the rule, stores it with its audit event on the plan's ETag. */
  change(workloadId: string, fresh: () => CommPlan, rule: (current: CommPlan) => PlanResult, at: string): Promise<PlanResult>;
  /** Workloads whose plan has a notice due by `now` (a cross-partition query, run by the periodic due-check only). */
  due(now: string): Promise<string[]>;
}
