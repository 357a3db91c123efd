import { randomUUID } from 'node:crypto';
import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import type { Blackout, CutoverWindow, GoNoGoAnswer } from '../cutover/model';
import type { CutoverRepository, WindowRecord } from '../cutover/repository';
import type { WindowDecision } from '../cutover/rules';
import type { AuditEvent } from '../release/model';
import { answer as settle, changeWithRetry, checkBatch, STALE, statusOf, WriteBudget } from './conditionalWrite';
import { CosmosSystem, queryPartition, toDomain } from './documents';

const body = (doc: object): JSONObject => doc as unknown as JSONObject;
const withId = (event: Omit<AuditEvent, 'id'>): JSONObject => body({ ...event, id: randomUUID() });

/** Release windows and go/no-go answers in the workload's partition; blackout periods in the team's. */
export class CosmosCutoverRepository implements CutoverRepository {
  constructor(
    private readonly container: Container,
    private readonly budget: WriteBudget = {},
  ) {}

  async record(workloadId: string): Promise<WindowRecord> {
    const docs = await queryPartition<(CutoverWindow | GoNoGoAnswer) & CosmosSystem>(
      this.container,
      workloadId,
      'SELECT * FROM c WHERE c.workloadId = @workloadId AND (c.type = "window" OR c.type = "goNoGo")',
    );
    const windows: CutoverWindow[] = [];
    const answers: GoNoGoAnswer[] = [];
    for (const doc of docs) {
      if (doc.type === 'window') windows.push(toDomain(doc));
      else answers.push(toDomain(doc));
    }
    return { windows: windows.sort((a, b) => a.number - b.number), answers: answers.sort((a, b) => a.at.localeCompare(b.at)) };
  }

  createWindow(window: CutoverWindow, event: Omit<AuditEvent, 'id'>): Promise<'created' | 'exists'> {
    return this.createWithEvent(window, event, `planning ${window.windowId} of ${window.workloadId}`).then((r) => (r === 'created' ? 'created' : 'exists'));
  }

  async answer(answer: GoNoGoAnswer, event: Omit<AuditEvent, 'id'>): Promise<'recorded' | 'taken'> {
    return (await this.createWithEvent(answer, event, `recording answer ${answer.id}`)) === 'created' ? 'recorded' : 'taken';
  }

  async changeWindow(workloadId: string, windowId: string, rule: (window: CutoverWindow, answers: GoNoGoAnswer[]) => WindowDecision): Promise<WindowDecision | undefined> {
    const what = `changing ${windowId} of ${workloadId}`;
    return changeWithRetry({
      ...this.budget,
      what,
      read: () => this.record(workloadId),
      apply: ({ windows, answers }) => {
        const current = windows.find((w) => w.windowId === windowId);
        if (!current) return settle(undefined);
        const decided = rule(current, answers);
        return decided.kind === 'changed' ? { etag: current._etag, decided } : settle(decided);
      },
      write: async ({ etag, decided }) => {
        const { _etag, ...doc } = decided.window;
        const operations: OperationInput[] = [
          { operationType: 'Replace', id: windowId, partitionKey: workloadId, ...(etag ? { ifMatch: etag } : {}), resourceBody: body(doc) },
          { operationType: 'Create', partitionKey: workloadId, resourceBody: withId(decided.event) },
        ];
        const results = (await this.container.items.batch(operations, workloadId)).result;
        if (checkBatch(results, what) === STALE) return STALE;
        const stored = results?.[0]?.resourceBody as unknown as CutoverWindow | undefined;
        return { ...decided, window: stored ? toDomain(stored) : decided.window };
      },
    });
  }

  async blackouts(teamPartition: string): Promise<Blackout[]> {
    const docs = await queryPartition<Blackout>(this.container, teamPartition, 'SELECT * FROM c WHERE c.workloadId = @workloadId AND c.type = "blackout"');
    return docs.map(toDomain).sort((a, b) => a.start.at.localeCompare(b.start.at));
  }

  async addBlackout(blackout: Blackout): Promise<'created' | 'exists'> {
    try {
      await this.container.items.create(blackout);
      return 'created';
    } catch (error) {
      if (statusOf(error) === 409) return 'exists';
      throw error;
    }
  }

  private async createWithEvent(doc: CutoverWindow | GoNoGoAnswer, event: Omit<AuditEvent, 'id'>, what: string): Promise<'created' | 'exists'> {
    const operations: OperationInput[] = [
      { operationType: 'Create', partitionKey: doc.workloadId, resourceBody: body(doc) },
      { operationType: 'Create', partitionKey: doc.workloadId, resourceBody: withId(event) },
    ];
    const results = (await this.container.items.batch(operations, doc.workloadId)).result;
    if (results?.[0]?.statusCode === 409) return 'exists';
    checkBatch(results, what);
    return 'created';
  }
}
