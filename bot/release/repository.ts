import type { AuditEvent, Workload } from './model';
import type { RuleResult } from './rules';

/** A short line about a workload, for lists. */
export interface WorkloadSummary {
  workloadId: string;
  name: string;
  createdAt: string;
}

/** Where workloads and their audit trail are kept. Implemented over Cosmos DB in bot/store. */
export interface WorkloadRepository {
  get(workloadId: string): Promise<Workload | undefined>;
  /** Stores a new workload with its creation event; 'exists' when the id is taken. */
  create(workload: Workload, event: Omit<AuditEvent, 'id'>): Promise<'created' | 'exists'>;
  /**
   * Re-reads the workload, applies the rule, and stores the result with its audit event in one
   * transaction guarded by the ETag; on a concurrent change, re-reads and re-applies.
   * Undefined when the workload does not exist. `known`, the workload as this turn read it, spares the first read.
   */
  change(workloadId: string, rule: (current: Workload) => RuleResult, known?: Workload): Promise<RuleResult | undefined>;
  listByScope(tenantId: string, scopeId: string): Promise<WorkloadSummary[]>;
  /** Every workload of the tenant with this slug, whatever team or chat it belongs to (names repeat across them). */
  findBySlug(tenantId: string, slug: string): Promise<Workload[]>;
  /** The audit trail newest first: `limit` events after skipping the `skip` newest. */
  history(workloadId: string, limit: number, skip?: number): Promise<AuditEvent[]>;
  /** How many audit events the workload has. */
  historyCount(workloadId: string): Promise<number>;
}
