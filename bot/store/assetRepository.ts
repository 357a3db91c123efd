import { randomUUID } from 'node:crypto';
import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import type { CostReview, DecommissionPlan } from '../decommission/model';
import type { AssetRepository, CostReviewRepository, Stored, WorkloadDocument } from '../decommission/repository';
import type { Decided } from '../decommission/rules';
import type { Workload } from '../release/model';
import { answer, changeWithRetry, checkBatch, PRECONDITION_FAILED, STALE, WriteBudget } from './conditionalWrite';
import { toDomain } from './documents';

const body = (doc: object): JSONObject => doc as unknown as JSONObject;

/**
 * A document of a workload's partition with a fixed id, changed in one batch with the workload document:
 * the workload's guarded replace goes first (it carries the summary and any gate), so a lost race on it
 * applies nothing; the document's own replace is guarded too, and its create refused when one exists.
 */
export class CosmosWorkloadDocument<D extends { id: string; workloadId: string; _etag?: string }> implements WorkloadDocument<D> {
  constructor(
    protected readonly container: Container,
    private readonly docId: D['id'],
    private readonly type: string,
    private readonly budget: WriteBudget = {},
  ) {}

  async get(workloadId: string): Promise<D | undefined> {
    const { resource } = await this.container.item(this.docId, workloadId).read<D & { type?: string }>();
    return resource && resource.type === this.type ? toDomain(resource) : undefined;
  }

  async change(workloadId: string, rule: (doc: D | undefined, workload: Workload) => Decided<D>, known?: Workload): Promise<Stored<D> | undefined> {
    const what = `changing ${this.docId} of ${workloadId}`;
    let first = known?.workloadId === workloadId ? known : undefined;
    return changeWithRetry({
      ...this.budget,
      what,
      read: async () => {
        const given = first;
        first = undefined;
        const [doc, workload] = await Promise.all([
          this.get(workloadId),
          given ??
            this.container
              .item(workloadId, workloadId)
              .read<Workload>()
              .then((r) => (r.resource ? toDomain(r.resource) : undefined)),
        ]);
        return { doc, workload };
      },
      apply: ({ doc, workload }) => {
        if (!workload) return answer(undefined);
        const decided = rule(doc, workload);
        if (decided.kind !== 'changed') return answer({ ...decided, workload });
        return { decided, docEtag: doc?._etag, workloadEtag: workload._etag ?? '' };
      },
      write: async ({ decided, docEtag, workloadEtag }) => {
        const { _etag: _w, ...workloadBody } = decided.workload;
        const operations: OperationInput[] = [{ operationType: 'Replace', id: workloadId, partitionKey: workloadId, ifMatch: workloadEtag, resourceBody: body(workloadBody) }];
        if (decided.doc) {
          const { _etag: _d, ...docBody } = decided.doc;
          operations.push(
            docEtag
              ? { operationType: 'Replace', id: this.docId, partitionKey: workloadId, ifMatch: docEtag, resourceBody: body(docBody) }
              : { operationType: 'Create', partitionKey: workloadId, resourceBody: body(docBody) },
          );
        }
        for (const event of decided.events) operations.push({ operationType: 'Create', partitionKey: workloadId, resourceBody: body({ ...event, id: randomUUID() }) });
        const results = (await this.container.items.batch(operations, workloadId)).result;
        // A document created meanwhile (409) is a lost race like a moved ETag: read both again.
        if (checkBatch(results, what, [PRECONDITION_FAILED, 409]) === STALE) return STALE;
        const storedWorkload = results?.[0]?.resourceBody as unknown as Workload | undefined;
        const storedDoc = decided.doc ? (results?.[1]?.resourceBody as unknown as D | undefined) : undefined;
        return {
          ...decided,
          workload: storedWorkload ? toDomain(storedWorkload) : decided.workload,
          ...(decided.doc ? { doc: storedDoc ? toDomain(storedDoc) : decided.doc } : {}),
        };
      },
    });
  }

  /** Workload ids a cross-partition query answers (a sweep's, never a person's turn). */
  protected async workloadIds(query: string, parameters: Record<string, string | number>): Promise<string[]> {
    const { resources } = await this.container.items.query<{ workloadId: string }>({ query, parameters: Object.entries(parameters).map(([name, value]) => ({ name: `@${name}`, value })) }).fetchAll();
    return [...new Set(resources.map((r) => r.workloadId))];
  }
}

/** The retired assets of a workload: one document (`decommission`) in its partition. */
export class CosmosAssetRepository extends CosmosWorkloadDocument<DecommissionPlan> implements AssetRepository {
  constructor(container: Container, budget: WriteBudget = {}) {
    super(container, 'decommission', 'decommission', budget);
  }

  holdsEnded(now: string, limit: number): Promise<string[]> {
    return this.workloadIds('SELECT TOP @limit c.workloadId FROM c WHERE c.type = "decommission" AND c.nextReminderAt <= @now', { now, limit });
  }
}

/** The cost review after migration: one document (`cost-review`) in the workload's partition. */
export class CosmosCostReviewRepository extends CosmosWorkloadDocument<CostReview> implements CostReviewRepository {
  constructor(container: Container, budget: WriteBudget = {}) {
    super(container, 'cost-review', 'costReview', budget);
  }

  reviewsDue(promotedBefore: string, limit: number): Promise<string[]> {
    return this.workloadIds(
      'SELECT TOP @limit c.workloadId FROM c JOIN g IN c.gates WHERE c.type = "workload" AND g.id = "traffic-rerouted" AND (g.status = "passed" OR g.status = "waived") AND g.decidedAt <= @before AND NOT IS_DEFINED(c.summaries.costReview.askedAt) AND NOT ARRAY_CONTAINS(c.gates, { "id": "cost-reviewed", "status": "passed" }, true) AND NOT ARRAY_CONTAINS(c.gates, { "id": "cost-reviewed", "status": "waived" }, true)',
      { before: promotedBefore, limit },
    );
  }
}
