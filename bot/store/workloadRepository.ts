import { randomUUID } from 'node:crypto';
import type { Container, JSONObject, OperationInput, OperationResponse } from '@azure/cosmos';
import type { AuditEvent, Workload } from '../release/model';
import type { WorkloadRepository, WorkloadSummary } from '../release/repository';
import type { RuleResult } from '../release/rules';
import { backoffDelay, sleep } from '../shared/retry';
import { queryPartition, toDomain } from './documents';

/** Raised when a write could not be committed after the bounded retries; never shown to a person verbatim. */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}


function checkBatch(results: OperationResponse[], what: string): void {
  const failed = results.find((r) => r.statusCode >= 400);
  if (failed) throw new StoreConflictError(`${what} failed with status ${failed.statusCode}`);
}

export interface WorkloadRepositoryOptions {
  /** How many times a change is re-applied after losing an ETag race before giving up. */
  maxAttempts?: number;
}

/** Workloads and their audit events in the `workloads` container, one logical partition per workload. */
export class CosmosWorkloadRepository implements WorkloadRepository {
  private readonly maxAttempts: number;

  constructor(
    private readonly container: Container,
    options: WorkloadRepositoryOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 60;
  }

  async get(workloadId: string): Promise<Workload | undefined> {
    const { resource } = await this.container.item(workloadId, workloadId).read<Workload>();
    return resource ? toDomain(resource) : undefined;
  }

  async create(workload: Workload, event: Omit<AuditEvent, 'id'>): Promise<'created' | 'exists'> {
    const operations: OperationInput[] = [
      { operationType: 'Create', partitionKey: workload.workloadId, resourceBody: workload as unknown as JSONObject },
      { operationType: 'Create', partitionKey: workload.workloadId, resourceBody: { ...event, id: randomUUID() } as unknown as JSONObject },
    ];
    const response = await this.container.items.batch(operations, workload.workloadId);
    const results = response.result ?? [];
    if (results[0]?.statusCode === 409) return 'exists';
    checkBatch(results, `creating workload ${workload.workloadId}`);
    return 'created';
  }

  async change(workloadId: string, rule: (current: Workload) => RuleResult): Promise<RuleResult | undefined> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      const current = await this.get(workloadId);
      if (!current) return undefined;
      const result = rule(current);
      if (result.kind !== 'changed') return result;

      const { _etag, ...body } = result.workload;
      const operations: OperationInput[] = [
        { operationType: 'Replace', id: workloadId, partitionKey: workloadId, ifMatch: current._etag, resourceBody: body as unknown as JSONObject },
        { operationType: 'Create', partitionKey: workloadId, resourceBody: { ...result.event, id: randomUUID() } as unknown as JSONObject },
      ];
      const response = await this.container.items.batch(operations, workloadId);
      const results = response.result ?? [];
      if (results[0]?.statusCode === 412) {
        await sleep(backoffDelay(attempt));
        continue;
      }
      checkBatch(results, `changing workload ${workloadId}`);
      const stored = results[0]?.resourceBody as unknown as Workload | undefined;
      return { ...result, workload: stored ? toDomain(stored) : result.workload };
    }
    throw new StoreConflictError(`workload ${workloadId} kept changing; gave up after ${this.maxAttempts} attempts`);
  }

  async listByScope(tenantId: string, scopeId: string): Promise<WorkloadSummary[]> {
    // Cross-partition by nature (one workload per partition); a listing, not a hot path.
    const { resources } = await this.container.items
      .query<WorkloadSummary>({
        query:
          'SELECT c.workloadId, c.name, c.createdAt FROM c WHERE c.type = "workload" AND c.scope.tenantId = @tenantId AND c.scope.scopeId = @scopeId',
        parameters: [
          { name: '@tenantId', value: tenantId },
          { name: '@scopeId', value: scopeId },
        ],
      })
      .fetchAll();
    return resources.sort((a, b) => a.name.localeCompare(b.name));
  }

  async findBySlug(tenantId: string, slug: string): Promise<Workload[]> {
    // Cross-partition: only when a name typed outside its own team or chat is looked up (a role holder's personal chat).
    const { resources } = await this.container.items
      .query<Workload>({
        query: 'SELECT * FROM c WHERE c.type = "workload" AND c.scope.tenantId = @tenantId AND ENDSWITH(c.id, @suffix)',
        parameters: [
          { name: '@tenantId', value: tenantId },
          { name: '@suffix', value: `:${slug}` },
        ],
      })
      .fetchAll();
    return resources.map(toDomain);
  }

  async history(workloadId: string, limit: number): Promise<AuditEvent[]> {
    const events = await queryPartition<AuditEvent>(
      this.container,
      workloadId,
      'SELECT TOP @limit * FROM c WHERE c.workloadId = @workloadId AND c.type = "event" ORDER BY c.at DESC',
      { limit },
    );
    return events.map(toDomain);
  }

}
