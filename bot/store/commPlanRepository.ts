import { randomUUID } from 'node:crypto';
import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import { CommPlan, PLAN_DOC_ID, PlanResult, planSummaryLine } from '../broadcast/plan';
import type { CommPlanRepository } from '../broadcast/planRepository';
import type { AuditEvent, Workload } from '../release/model';
import { answer, changeWithRetry, checkBatch, STALE, WriteBudget } from './conditionalWrite';
import { toDomain } from './documents';
import { summaryReplace } from './summaries';

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
        if (decided.kind !== 'changed') return answer(decided);
        const summary = JSON.stringify(planSummaryLine(current ?? fresh())) === JSON.stringify(planSummaryLine(decided.plan)) ? undefined : planSummaryLine(decided.plan);
        return { etag: current?._etag, exists: current !== undefined, decided, summary };
      },
      write: async ({ etag, exists, decided, summary }) => {
        const { _etag, ...doc } = decided.plan;
        const event: AuditEvent | undefined = decided.event && { id: randomUUID(), workloadId, type: 'event', at, actor: decided.event.actor, action: 'plan.changed', summary: decided.event.summary };
        // What the checklist shows of the plan changes: the workload's summary changes in the same batch, its guarded replace first.
        const { resource: workload } = summary ? await this.container.item(workloadId, workloadId).read<Workload>() : { resource: undefined };
        const summaryOp = workload && summary && summaryReplace(toDomain(workload), 'plan', summary);
        const operations: OperationInput[] = [
          ...(summaryOp ? [summaryOp] : []),
          exists
            ? { operationType: 'Replace', id: PLAN_DOC_ID, partitionKey: workloadId, ifMatch: etag ?? '', resourceBody: doc as unknown as JSONObject }
            : { operationType: 'Create', partitionKey: workloadId, resourceBody: doc as unknown as JSONObject },
          ...(event ? [{ operationType: 'Create' as const, partitionKey: workloadId, resourceBody: event as unknown as JSONObject }] : []),
        ];
        const results = (await this.container.items.batch(operations, workloadId)).result;
        if (checkBatch(results, what, [412, 409]) === STALE) return STALE;
        const stored = results?.[summaryOp ? 1 : 0]?.resourceBody as unknown as CommPlan | undefined;
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
