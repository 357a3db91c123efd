import { randomUUID } from 'node:crypto';
import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import { CommPlan, PLAN_DOC_ID, PlanResult } from '../broadcast/plan';
import type { CommPlanRepository } from '../broadcast/planRepository';
import type { AuditEvent } from '../release/model';
import { answer, changeWithRetry, checkBatch, STALE, WriteBudget } from './conditionalWrite';
import { toDomain } from './documents';

/** Communication plans in the `workloads` container. */
export class CosmosCommPlanRepository implements CommPlanRepository {
  constructor(
    private readonly container: Container,
    private readonly budget: WriteBudget = {},
  ) {}

  async get(workloadId: string): Promise<CommPlan | undefined> {
    const { resource } = await this.container.item(PLAN_DOC_ID, workloadId).read<CommPlan>();
    return resource && resource.type === 'commPlan' ? toDomain(resource) : undefined;
  }

  change(workloadId: string, fresh: () => CommPlan, rule: (current: CommPlan) => PlanResult, at: string): Promise<PlanResult> {
    const what = `changing the communication plan of ${workloadId}`;
    return changeWithRetry({
      ...this.budget,
      what,
      read: () => this.get(workloadId),
      apply: (current) => {
        const decided = rule(current ?? fresh());
        return decided.kind === 'changed' ? { etag: current?._etag, exists: current !== undefined, decided } : answer(decided);
      },
      write: async ({ etag, exists, decided }) => {
        if (decided.kind !== 'changed') return decided;
        const { _etag, ...doc } = decided.plan;
        const event: AuditEvent | undefined = decided.event && { id: randomUUID(), workloadId, type: 'event', at, actor: decided.event.actor, action: 'plan.changed', summary: decided.event.summary };
        // The guarded write first: the embedded server does not roll a failed batch back.
        const operations: OperationInput[] = [
          exists
            ? { operationType: 'Replace', id: PLAN_DOC_ID, partitionKey: workloadId, ifMatch: etag ?? '', resourceBody: doc as unknown as JSONObject }
            : { operationType: 'Create', partitionKey: workloadId, resourceBody: doc as unknown as JSONObject },
          ...(event ? [{ operationType: 'Create' as const, partitionKey: workloadId, resourceBody: event as unknown as JSONObject }] : []),
        ];
        const results = (await this.container.items.batch(operations, workloadId)).result;
        if (checkBatch(results, what, [412, 409]) === STALE) return STALE;
        const stored = results?.[0]?.resourceBody as unknown as CommPlan | undefined;
        return { ...decided, plan: stored ? toDomain(stored) : decided.plan };
      },
    });
  }

  async due(now: string): Promise<string[]> {
    const { resources } = await this.container.items
      .query<string>({ query: 'SELECT VALUE c.workloadId FROM c WHERE c.type = "commPlan" AND IS_DEFINED(c.nextDueAt) AND c.nextDueAt <= @now', parameters: [{ name: '@now', value: now }] })
      .fetchAll();
    return resources;
  }
}
