import { randomUUID } from 'node:crypto';
import type { Container, JSONObject, OperationInput, OperationResponse } from '@azure/cosmos';
import type { AuditEvent } from '../release/model';
import type { Vote } from '../signoff/model';
import type { VoteRecord } from '../signoff/repository';
import { backoffDelay, sleep } from '../shared/retry';
import { checkBatch, PRECONDITION_FAILED, StoreConflictError } from './conditionalWrite';
import { toDomain } from './documents';

/**
 * A cycle's decisions in one document, `tally:<cycleId>`, beside the decisions themselves: what the tester's
 * answer and the shared card are drawn from after a decision, without a query. Written in the batch of every
 * decision, after the decision's own create (its natural id stays the exactly-once guard), on the tally's ETag.
 */
export interface CycleTallyDoc {
  id: string;
  type: 'cycleTally';
  workloadId: string;
  cycleId: string;
  votes: Vote[];
  _etag?: string;
}

export const tallyId = (cycleId: string): string => `tally:${cycleId}`;

export const newTally = (workloadId: string, cycleId: string): CycleTallyDoc => ({ id: tallyId(cycleId), type: 'cycleTally', workloadId, cycleId, votes: [] });

/** One decision waiting for its batch. */
interface Pending {
  vote: Vote;
  event: Omit<AuditEvent, 'id'>;
  marker?: object;
  /** Stored by a batch the server applied in part (no rollback): only the tally still lacks it. */
  stored: boolean;
  resolve: (record: VoteRecord) => void;
  reject: (error: unknown) => void;
}

/** Decisions folded into one batch at most: two operations each, with the tally's replace and the marker (Cosmos takes 100). */
const MAX_GROUP = 40;
/** Tallies a process keeps at hand; `null` is a cycle stored before tallies existed. */
const KNOWN_TALLIES = 1000;
/** How many times a group re-reads the tally after losing its ETag race to another process. */
const MAX_ROUNDS = 20;

const body = (doc: object): JSONObject => doc as unknown as JSONObject;
const failed = (r: OperationResponse | undefined): boolean => r !== undefined && r.statusCode >= 400;

/**
 * Decisions on one cycle, grouped per process: while a batch of a cycle is in flight, the decisions that arrive
 * wait and go together in the next one, so testers deciding at once do not race each other for the tally's ETag
 * within a process; across processes a lost race (412) reads the tally again and retries the group.
 */
export class TallyWrites {
  private readonly known = new Map<string, CycleTallyDoc | null>();
  private readonly queues = new Map<string, Pending[]>();

  constructor(private readonly container: Container) {}

  /** Keeps the tally a batch answered (or created) for the next decision: no read of it then. */
  remember(tally: CycleTallyDoc | null, key = tally ? `${tally.workloadId}\n${tally.cycleId}` : ''): void {
    this.known.delete(key);
    this.known.set(key, tally);
    if (this.known.size > KNOWN_TALLIES) this.known.delete(this.known.keys().next().value ?? '');
  }

  /** The cycle's tally, from memory or a point read; null when the cycle has none (stored before tallies). */
  async tally(workloadId: string, cycleId: string, fresh = false): Promise<CycleTallyDoc | null> {
    const key = `${workloadId}\n${cycleId}`;
    const kept = this.known.get(key);
    if (!fresh && kept !== undefined) return kept;
    const { resource } = await this.container.item(tallyId(cycleId), workloadId).read<CycleTallyDoc>();
    const tally = resource?.type === 'cycleTally' ? toDomain(resource) : null;
    this.remember(tally, key);
    return tally;
  }

  /** Queues a decision for its cycle's next batch. */
  record(vote: Vote, event: Omit<AuditEvent, 'id'>, marker?: object): Promise<VoteRecord> {
    const key = `${vote.workloadId}\n${vote.cycleId}`;
    return new Promise<VoteRecord>((resolve, reject) => {
      const queue = this.queues.get(key);
      const pending: Pending = { vote, event, ...(marker ? { marker } : {}), stored: false, resolve, reject };
      if (queue) {
        queue.push(pending);
        return;
      }
      this.queues.set(key, [pending]);
      void this.flush(key, vote.workloadId, vote.cycleId);
    });
  }

  private async flush(key: string, workloadId: string, cycleId: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      const group = queue.splice(0, MAX_GROUP);
      try {
        await this.write(workloadId, cycleId, group);
      } catch (error) {
        for (const p of group) p.reject(error);
      }
    }
    this.queues.delete(key);
  }

  /** Writes one group: every decision's create and event, then the tally with them, then the shared card's marker. */
  private async write(workloadId: string, cycleId: string, group: Pending[]): Promise<void> {
    let tally = await this.tally(workloadId, cycleId);
    if (!tally) throw new Error(`cycle ${cycleId} of ${workloadId} has no tally`);
    let open = group;
    for (let round = 1; ; round += 1) {
      const counted = new Set(tally.votes.map((v) => v.id));
      // A decision the tally holds already took the place (a retry, a second click, or another process's write).
      for (const p of open) if (!p.stored && counted.has(p.vote.id)) p.resolve({ kind: 'taken' });
      open = open.filter((p) => p.stored || !counted.has(p.vote.id));
      if (open.length === 0) return;
      const creating = open.filter((p) => !p.stored);
      const operations: OperationInput[] = creating.flatMap((p): OperationInput[] => [
        { operationType: 'Create', partitionKey: workloadId, resourceBody: body(p.vote) },
        { operationType: 'Create', partitionKey: workloadId, resourceBody: body({ ...p.event, id: randomUUID() }) },
      ]);
      const { _etag, ...doc } = tally;
      const added = open.filter((p) => !counted.has(p.vote.id)).map((p) => p.vote);
      operations.push({ operationType: 'Replace', id: tally.id, partitionKey: workloadId, ...(_etag ? { ifMatch: _etag } : {}), resourceBody: body({ ...doc, votes: [...doc.votes, ...added] }) });
      const marker = [...open].reverse().find((p) => p.marker)?.marker;
      if (marker) operations.push({ operationType: 'Upsert', partitionKey: workloadId, resourceBody: body(marker) });
      const results = (await this.container.items.batch(operations, workloadId)).result;
      const at = creating.length * 2;
      if (results && !results.some(failed)) {
        const stored = toDomain(results[at]!.resourceBody as unknown as CycleTallyDoc);
        this.remember(stored);
        const markerVersion = marker ? results[at + 1]?.eTag : undefined;
        for (const p of open) p.resolve(p.marker && markerVersion ? { kind: 'recorded', markerVersion, votes: stored.votes } : { kind: 'recorded', votes: stored.votes });
        return;
      }
      // Failed: a decision whose place is taken (409), or the tally moved (412). The operations before the failed one
      // were applied by a server that does not roll back (the embedded one): those decisions are stored, only the tally lacks them.
      creating.forEach((p, i) => {
        if (results?.[i * 2]?.statusCode === 201) p.stored = true;
      });
      const taken = creating.find((_, i) => results?.[i * 2]?.statusCode === 409);
      if (taken) {
        taken.resolve({ kind: 'taken' });
        open = open.filter((p) => p !== taken);
        continue;
      }
      if (results?.[at]?.statusCode !== PRECONDITION_FAILED) checkBatch(results, `recording ${creating.length} decisions of cycle ${cycleId} of ${workloadId}`);
      if (round >= MAX_ROUNDS) throw new StoreConflictError(`the tally of cycle ${cycleId} of ${workloadId} kept changing; gave up after ${round} attempts`);
      await sleep(backoffDelay(round));
      tally = (await this.tally(workloadId, cycleId, true)) ?? tally;
    }
  }
}
