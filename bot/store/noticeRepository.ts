import type { Container, JSONObject, JSONValue, OperationInput, SqlQuerySpec } from '@azure/cosmos';
import { Ack, Delivery, DeliveryStatus, Notice, noticeSummaryOf } from '../broadcast/model';
import type { Workload } from '../release/model';
import type { NoticeRepository, OutboxEntry } from '../broadcast/repository';
import type { NoticeResult } from '../broadcast/rules';
import { answer, changeWithRetry, checkBatch, orStale, STALE, StoreWriteError, statusOf, WriteBudget } from './conditionalWrite';
import { queryPages, queryPartition, toDomain } from './documents';
import { noticesWith, summaryReplace } from './summaries';

const summaryLine = (notice: Notice) => ({ ...noticeSummaryOf(notice), draft: notice.status === 'draft' });

/** The content revision of a notice that was never updated (bot/broadcast/rules.ts starts there). */
const FIRST_CONTENT_REV = 1;
/** Transactional batches hold at most 100 operations. */
const BATCH = 100;
/** Statuses read per page when counting a notice's deliveries (short strings: a large page costs little memory). */
const COUNT_PAGE = 5000;

/** A query over the deliveries of one notice, inside the workload's partition. */
function deliveriesOf(workloadId: string, noticeId: string, select: string, extra = ''): SqlQuerySpec {
  return {
    query: `${select} FROM c WHERE c.workloadId = @workloadId AND c.type = "delivery" AND c.noticeId = @noticeId${extra}`,
    parameters: [
      { name: '@workloadId', value: workloadId },
      { name: '@noticeId', value: noticeId },
    ],
  };
}

/** Notices, deliveries and acknowledgements in the `workloads` container, in the workload's partition. */
export class CosmosNoticeRepository implements NoticeRepository {
  constructor(
    private readonly container: Container,
    private readonly budget: WriteBudget = {},
  ) {}

  /** A query over the documents of one notice, of one type, inside the workload's partition. */
  private ofNotice<T>(workloadId: string, noticeId: string, select: string, type: 'delivery' | 'ack', extra = '', parameters: Record<string, string> = {}): Promise<T[]> {
    const query = `${select} FROM c WHERE c.workloadId = @workloadId AND c.type = @type AND c.noticeId = @noticeId${extra}`;
    return queryPartition<T>(this.container, workloadId, query, { ...parameters, type, noticeId });
  }

  async get(workloadId: string, noticeId: string): Promise<Notice | undefined> {
    const { resource } = await this.container.item(noticeId, workloadId).read<Notice>();
    return resource && resource.type === 'notice' ? toDomain(resource) : undefined;
  }

  async saveDraft(notice: Notice): Promise<'saved' | 'conflict'> {
    const current = await this.get(notice.workloadId, notice.id);
    const { _etag, ...body } = notice;
    if (!current) {
      try {
        await this.container.items.create(body);
        return 'saved';
      } catch (error) {
        if (statusOf(error) === 409) return 'conflict';
        throw error;
      }
    }
    if (current.status !== 'draft' || current.author.aadObjectId !== notice.author.aadObjectId) return 'conflict';
    const saved = await orStale(this.container.item(notice.id, notice.workloadId).replace({ ...body, rev: current.rev + 1 }, { accessCondition: { type: 'IfMatch', condition: current._etag ?? '' } }));
    return saved === STALE ? 'conflict' : 'saved';
  }

  async change(workloadId: string, noticeId: string, rule: (current: Notice) => NoticeResult): Promise<NoticeResult | undefined> {
    return changeWithRetry({
      ...this.budget,
      what: `changing notice ${noticeId} of ${workloadId}`,
      read: () => this.get(workloadId, noticeId),
      apply: (current) => {
        if (!current) return answer(undefined);
        const result = rule(current);
        return result.kind === 'changed' ? { etag: current._etag, notice: result.notice, before: current } : answer(result);
      },
      write: async ({ etag, notice, before }) => {
        const { _etag, ...body } = notice;
        if (JSON.stringify(summaryLine(before)) === JSON.stringify(summaryLine(notice))) {
          const written = await orStale(this.container.item(noticeId, workloadId).replace<Notice>(body as Notice, { accessCondition: { type: 'IfMatch', condition: etag ?? '' } }));
          if (written === STALE) return STALE;
          return { kind: 'changed' as const, notice: written.resource ? toDomain(written.resource) : notice };
        }
        // What the checklist shows of this notice changes: the workload's summary changes in the same batch.
        const { resource: workload } = await this.container.item(workloadId, workloadId).read<Workload>();
        const summary = workload && summaryReplace(toDomain(workload), 'notices', noticesWith(workload, summaryLine(notice)));
        const operations: OperationInput[] = [
          ...(summary ? [summary] : []),
          { operationType: 'Replace', id: noticeId, partitionKey: workloadId, ifMatch: etag ?? '', resourceBody: body as unknown as JSONObject },
        ];
        const results = (await this.container.items.batch(operations, workloadId)).result;
        if (checkBatch(results, `changing notice ${noticeId} of ${workloadId}`) === STALE) return STALE;
        const stored = results?.[operations.length - 1]?.resourceBody as unknown as Notice | undefined;
        return { kind: 'changed' as const, notice: stored ? toDomain(stored) : notice };
      },
    });
  }

  async latest(workloadId: string, limit: number): Promise<Notice[]> {
    // A query: for the release board's detail of one workload, not a per-action path (the checklist reads the summary).
    const query = 'SELECT TOP @limit * FROM c WHERE c.workloadId = @workloadId AND c.type = "notice" ORDER BY c.createdAt DESC';
    return (await queryPartition<Notice>(this.container, workloadId, query, { limit })).map(toDomain);
  }

  async unsettled(): Promise<OutboxEntry[]> {
    const { resources } = await this.container.items
      .query<OutboxEntry>({
        query:
          'SELECT c.tenantId, c.workloadId, c.id AS noticeId FROM c WHERE c.type = "notice" AND (c.status = "sending" OR c.status = "scheduled" ' +
          'OR (IS_DEFINED(c.settledRev) AND c.settledRev < c.rev) OR (c.status = "cancelled" AND IS_DEFINED(c.sentAt) AND NOT IS_DEFINED(c.settledRev)))',
      })
      .fetchAll();
    return resources;
  }

  async find(noticeId: string): Promise<Notice | undefined> {
    const { resources } = await this.container.items.query<Notice>({ query: 'SELECT * FROM c WHERE c.type = "notice" AND c.id = @id', parameters: [{ name: '@id', value: noticeId }] }).fetchAll();
    return resources[0] ? toDomain(resources[0]) : undefined;
  }

  async addDeliveries(workloadId: string, deliveries: Delivery[]): Promise<number> {
    let created = 0;
    for (let i = 0; i < deliveries.length; i += BATCH) {
      const chunk = deliveries.slice(i, i + BATCH);
      const operations: OperationInput[] = chunk.map((d) => ({ operationType: 'Create', partitionKey: workloadId, resourceBody: d as unknown as JSONObject }));
      try {
        checkBatch((await this.container.items.batch(operations, workloadId)).result, `adding deliveries of ${workloadId}`);
        created += chunk.length;
        continue;
      } catch (error) {
        if (!(error instanceof StoreWriteError)) throw error;
      }
      // A batch is all or nothing: one delivery already written (a fan-out resumed after a crash) fails it; go one by one,
      // where a real failure surfaces on its own delivery.
      for (const delivery of chunk) {
        try {
          await this.container.items.create(delivery);
          created += 1;
        } catch (error) {
          if (statusOf(error) !== 409) throw error;
        }
      }
    }
    return created;
  }

  async workFor(notice: Pick<Notice, 'id' | 'workloadId' | 'contentRev' | 'remindRev'>, limit: number, afterId = ''): Promise<Delivery[]> {
    // Pending, claimed (by a sender that may be gone), or sent but showing an older revision or missing this reminder round; the sender's pure rule decides the rest.
    // A notice never updated nor reminded has no sent delivery behind it: the query then asks for the first two states only.
    const behind =
      notice.contentRev > FIRST_CONTENT_REV || notice.remindRev > 0 ? ' OR (c.status = "sent" AND (c.appliedRev < @contentRev OR (c.recipient.kind = "person" AND c.remindedRev < @remindRev)))' : '';
    const query =
      'SELECT TOP @limit * FROM c WHERE c.workloadId = @workloadId AND c.type = "delivery" AND c.noticeId = @noticeId AND c.id > @after ' +
      `AND (c.status = "pending" OR c.status = "claimed"${behind}) ORDER BY c.id`;
    const parameters: Record<string, JSONValue> = { workloadId: notice.workloadId, limit, noticeId: notice.id, after: afterId, contentRev: notice.contentRev, remindRev: notice.remindRev };
    const spec = { query, parameters: Object.entries(parameters).map(([name, value]) => ({ name: `@${name}`, value })) };
    // One page of the size asked for, so one round trip: with the SDK's default page (100 documents) a page of 1,000 costs
    // ten, and the embedded server answers each by running the whole query again.
    const work: Delivery[] = [];
    for await (const page of queryPages<Delivery>(this.container, spec, Math.max(1, limit), notice.workloadId)) work.push(...page.map(toDomain));
    return work;
  }

  async saveDelivery(delivery: Delivery): Promise<string | undefined> {
    const { _etag, ...body } = delivery;
    const saved = await orStale(this.container.item(delivery.id, delivery.workloadId).replace(body, _etag ? { accessCondition: { type: 'IfMatch', condition: _etag } } : {}));
    return saved === STALE ? undefined : (saved.etag ?? '');
  }

  async saveDeliveries(workloadId: string, deliveries: Delivery[]): Promise<Array<string | undefined>> {
    const etags: Array<string | undefined> = [];
    for (let i = 0; i < deliveries.length; i += BATCH) {
      const operations: OperationInput[] = deliveries.slice(i, i + BATCH).map(({ _etag, ...body }) => ({
        operationType: 'Replace',
        id: body.id,
        partitionKey: workloadId,
        ...(_etag ? { ifMatch: _etag } : {}),
        resourceBody: body as unknown as JSONObject,
      }));
      // Each operation's own status says whether it was written: Azure commits all or none (the others answer 424),
      // the embedded server stops at the first failure without rolling back what came before it.
      const results = (await this.container.items.batch(operations, workloadId)).result ?? [];
      operations.forEach((_, at) => {
        const result = results[at];
        etags.push(result && result.statusCode < 300 ? (result.eTag ?? '') : undefined);
      });
    }
    return etags;
  }

  async getDelivery(workloadId: string, id: string): Promise<Delivery | undefined> {
    const { resource } = await this.container.item(id, workloadId).read<Delivery>();
    return resource && resource.type === 'delivery' ? toDomain(resource) : undefined;
  }

  async deliveries(workloadId: string, noticeId: string): Promise<Delivery[]> {
    // Large pages: each page is a round trip, and the embedded server runs the whole query again for every one.
    const all: Delivery[] = [];
    for await (const page of queryPages<Delivery>(this.container, deliveriesOf(workloadId, noticeId, 'SELECT *', ' ORDER BY c.id'), COUNT_PAGE, workloadId)) all.push(...page.map(toDomain));
    return all;
  }

  async statuses(workloadId: string, noticeId: string): Promise<DeliveryStatus[]> {
    return this.ofNotice<DeliveryStatus>(workloadId, noticeId, 'SELECT VALUE c.status', 'delivery');
  }

  async statusCounts(workloadId: string, noticeId: string): Promise<Map<DeliveryStatus, number>> {
    const counts = new Map<DeliveryStatus, number>();
    const spec = deliveriesOf(workloadId, noticeId, 'SELECT VALUE c.status');
    for await (const page of queryPages<DeliveryStatus>(this.container, spec, COUNT_PAGE, workloadId)) {
      for (const status of page) counts.set(status, (counts.get(status) ?? 0) + 1);
    }
    return counts;
  }

  async requeue(workloadId: string, noticeId: string, status: 'failed' | 'uncertain'): Promise<number> {
    const resources = await this.ofNotice<Delivery>(workloadId, noticeId, 'SELECT *', 'delivery', ` AND c.status = "${status}"`);
    let requeued = 0;
    for (const failed of resources) {
      const { lastError, finishedAt, ...rest } = toDomain(failed);
      if ((await this.saveDelivery({ ...rest, status: 'pending', attempts: 0 })) !== undefined) requeued += 1;
    }
    return requeued;
  }

  async acknowledge(ack: Ack): Promise<'created' | 'exists'> {
    try {
      await this.container.items.create(ack);
      return 'created';
    } catch (error) {
      if (statusOf(error) === 409) return 'exists';
      throw error;
    }
  }

  async getAck(workloadId: string, ackId: string): Promise<Ack | undefined> {
    const { resource } = await this.container.item(ackId, workloadId).read<Ack>();
    return resource && resource.type === 'ack' ? toDomain(resource) : undefined;
  }

  async acks(workloadId: string, noticeId: string): Promise<Ack[]> {
    return (await this.ofNotice<Ack>(workloadId, noticeId, 'SELECT *', 'ack')).map(toDomain);
  }

  async countAcks(workloadId: string, noticeId: string): Promise<number> {
    return (await this.ofNotice<number>(workloadId, noticeId, 'SELECT VALUE COUNT(1)', 'ack'))[0] ?? 0;
  }
}
