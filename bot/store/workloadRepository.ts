import { randomUUID } from 'node:crypto';
import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import type { AuditEvent, Workload } from '../release/model';
import type { WorkloadRepository, WorkloadSummary } from '../release/repository';
import { withEveryGate, type RuleResult } from '../release/rules';
import { answer, checkBatch, changeWithRetry, STALE, WriteBudget } from './conditionalWrite';
import { queryPartition, toDomain } from './documents';
import { withSummaries } from './summaries';

/** Workloads and their audit events in the `workloads` container, one logical partition per workload. */
export class CosmosWorkloadRepository implements WorkloadRepository {
  constructor(
    private readonly container: Container,
    private readonly budget: WriteBudget = {},
  ) {}

  async get(workloadId: string): Promise<Workload | undefined> {
    const { resource } = await this.container.item(workloadId, workloadId).read<Workload>();
    if (!resource) return undefined;
    // A workload stored before summaries existed has them built once, here (see withSummaries); one stored
    // before a gate joined the catalogue reads with that gate pending (withEveryGate).
    const workload = resource.type === 'workload' && !resource.summaries?.complete ? await withSummaries(this.container, toDomain(resource), this.budget) : toDomain(resource);
    return workload && withEveryGate(workload);
  }

  async create(workload: Workload, event: Omit<AuditEvent, 'id'>): Promise<'created' | 'exists'> {
    const operations: OperationInput[] = [
      // A new workload has nothing to summarise yet: its summaries are complete from the start.
      { operationType: 'Create', partitionKey: workload.workloadId, resourceBody: { ...workload, summaries: { ...workload.summaries, complete: true } } as unknown as JSONObject },
      { operationType: 'Create', partitionKey: workload.workloadId, resourceBody: { ...event, id: randomUUID() } as unknown as JSONObject },
    ];
    const results = (await this.container.items.batch(operations, workload.workloadId)).result;
    if (results?.[0]?.statusCode === 409) return 'exists';
    checkBatch(results, `creating workload ${workload.workloadId}`);
    return 'created';
  }

  async change(workloadId: string, rule: (current: Workload) => RuleResult, known?: Workload): Promise<RuleResult | undefined> {
    const what = `changing workload ${workloadId}`;
    // The first try applies the rule to the workload the turn already read; a lost race reads it again.
    let first = known?.workloadId === workloadId ? known : undefined;
    return changeWithRetry({
      ...this.budget,
      what,
      read: () => {
        const given = first;
        first = undefined;
        return given ? Promise.resolve(given) : this.get(workloadId);
      },
      apply: (current) => {
        if (!current) return answer(undefined);
        const result = rule(current);
        return result.kind === 'changed' ? { etag: current._etag, result } : answer(result);
      },
      write: async ({ etag, result }) => {
        const { _etag, ...body } = result.workload;
        // The guarded replace comes first: when it loses the race nothing else in the batch is applied.
        const operations: OperationInput[] = [
          { operationType: 'Replace', id: workloadId, partitionKey: workloadId, ifMatch: etag, resourceBody: body as unknown as JSONObject },
          { operationType: 'Create', partitionKey: workloadId, resourceBody: { ...result.event, id: randomUUID() } as unknown as JSONObject },
        ];
        const results = (await this.container.items.batch(operations, workloadId)).result;
        if (checkBatch(results, what) === STALE) return STALE;
        const stored = results?.[0]?.resourceBody as unknown as Workload | undefined;
        return { ...result, workload: stored ? withEveryGate(toDomain(stored)) : result.workload };
      },
    });
  }

  async listByScope(tenantId: string, scopeId: string): Promise<WorkloadSummary[]> {
    // Cross-partition by nature (one workload per partition); a listing, not a hot path.
    const { resources } = await this.container.items
      .query<WorkloadSummary>({
        query: 'SELECT c.workloadId, c.name, c.createdAt FROM c WHERE c.type = "workload" AND c.scope.tenantId = @tenantId AND c.scope.scopeId = @scopeId',
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
    return resources.map((w) => withEveryGate(toDomain(w)));
  }

  async history(workloadId: string, limit: number, skip = 0): Promise<AuditEvent[]> {
    // TOP, then the skip dropped here: OFFSET is not spoken by every Cosmos DB emulator, and pages stay few (see HISTORY_PAGES).
    const events = await queryPartition<AuditEvent>(this.container, workloadId, 'SELECT TOP @top * FROM c WHERE c.workloadId = @workloadId AND c.type = "event" ORDER BY c.at DESC', {
      top: skip + limit,
    });
    return events.slice(skip).map(toDomain);
  }

  async historyCount(workloadId: string): Promise<number> {
    const [count] = await queryPartition<number>(this.container, workloadId, 'SELECT VALUE COUNT(1) FROM c WHERE c.workloadId = @workloadId AND c.type = "event"');
    return count ?? 0;
  }
}
