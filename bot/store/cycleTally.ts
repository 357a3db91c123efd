import { randomUUID } from 'node:crypto';
import type { Container, JSONObject, OperationInput, OperationResponse } from '@azure/cosmos';
import type { AuditEvent } from '../release/model';
import type { SignoffCycle, Vote } from '../signoff/model';
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
  /** Set by the batch that closed the testers' part with the deciding decision: no decision is taken any more. */
  closed?: boolean;
  _etag?: string;
}

/**
 * How the deciding decision closes the testers' part in its own batch: given the cycle's decisions after the batch,
 * the closed cycle and the operations that store it (the workload's summary on the workload's ETag first, the cycle,
 * its event), or undefined while the decisions do not settle the cycle.
 */
export type Closer = (votes: Vote[]) => { cycle: SignoffCycle; operations: OperationInput[] } | undefined;

export const tallyId = (cycleId: string): string => `tally:${cycleId}`;

export const newTally = (workloadId: string, cycleId: string): CycleTallyDoc => ({ id: tallyId(cycleId), type: 'cycleTally', workloadId, cycleId, votes: [] });

/** One decision waiting for its batch. */
interface Pending {
  vote: Vote;
  event: Omit<AuditEvent, 'id'>;
  marker?: object;
  close?: Closer;
  /** The audit event's id, chosen once, so a decision stored by a batch that failed later can be taken back. */
  eventId: string;
  /** Stored by a batch the server applied in part (no rollback): only the tally still lacks it. */
  stored: boolean;
  resolve: (record: VoteRecord) => void;
  reject: (error: unknown) => void;
}

/** Decisions folded into one batch at most: two operations each, with the tally's replace, the marker and the close's 3 (Cosmos takes 100). */
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
  record(vote: Vote, event: Omit<AuditEvent, 'id'>, marker?: object, close?: Closer): Promise<VoteRecord> {
    const key = `${vote.workloadId}\n${vote.cycleId}`;
    return new Promise<VoteRecord>((resolve, reject) => {
      const queue = this.queues.get(key);
      const pending: Pending = { vote, event, ...(marker ? { marker } : {}), ...(close ? { close } : {}), eventId: randomUUID(), stored: false, resolve, reject };
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

  /**
   * Writes one group: every decision's create and event, then the tally with them, then the shared card's marker; when
   * the decisions settle the cycle, the close in the same batch (the workload's summary on its ETag, the cycle, its event)
   * and the tally marked closed. A tally marked closed takes no decision any more: the decision's place is taken.
   */
  private async write(workloadId: string, cycleId: string, group: Pending[]): Promise<void> {
    let tally = await this.tally(workloadId, cycleId);
    if (!tally) throw new Error(`cycle ${cycleId} of ${workloadId} has no tally`);
    let open = group;
    let mayClose = true;
    for (let round = 1; ; round += 1) {
      if (tally.closed) {
        // Closed by another batch. A decision a batch stored before failing (a server that does not roll back) is taken back: it came too late.
        for (const p of open) if (p.stored) await this.takeBack(workloadId, p);
        for (const p of open) p.resolve({ kind: 'taken' });
        return;
      }
      const counted = new Set(tally.votes.map((v) => v.id));
      // A decision the tally holds already took the place (a retry, a second click, or another process's write).
      for (const p of open) if (!p.stored && counted.has(p.vote.id)) p.resolve({ kind: 'taken' });
      open = open.filter((p) => p.stored || !counted.has(p.vote.id));
      if (open.length === 0) return;
      const creating = open.filter((p) => !p.stored);
      const operations: OperationInput[] = creating.flatMap((p): OperationInput[] => [
        { operationType: 'Create', partitionKey: workloadId, resourceBody: body(p.vote) },
        { operationType: 'Create', partitionKey: workloadId, resourceBody: body({ ...p.event, id: p.eventId }) },
      ]);
      const { _etag, ...doc } = tally;
      const added = open.filter((p) => !counted.has(p.vote.id)).map((p) => p.vote);
      const votes = [...doc.votes, ...added];
      const closer = mayClose ? [...open].reverse().find((p) => p.close)?.close : undefined;
      const closing = closer?.(votes);
      operations.push({
        operationType: 'Replace',
        id: tally.id,
        partitionKey: workloadId,
        ...(_etag ? { ifMatch: _etag } : {}),
        resourceBody: body({ ...doc, votes, ...(closing ? { closed: true } : {}) }),
      });
      const marker = [...open].reverse().find((p) => p.marker)?.marker;
      if (marker) operations.push({ operationType: 'Upsert', partitionKey: workloadId, resourceBody: body(marker) });
      const closeAt = operations.length;
      if (closing) operations.push(...closing.operations);
      const results = (await this.container.items.batch(operations, workloadId)).result;
      const at = creating.length * 2;
      const markerVersion = marker ? results?.[at + 1]?.eTag : undefined;
      const recorded = (stored: CycleTallyDoc, closed?: SignoffCycle): void => {
        this.remember(stored);
        for (const p of open) {
          const record: VoteRecord = { kind: 'recorded', votes: stored.votes, ...(closed ? { closed } : {}) };
          p.resolve(p.marker && markerVersion ? { ...record, markerVersion } : record);
        }
      };
      if (results && !results.some(failed)) {
        recorded(toDomain(results[at]!.resourceBody as unknown as CycleTallyDoc), closing?.cycle);
        return;
      }
      if (closing && results?.slice(closeAt).some(failed) && !results.slice(0, closeAt).some(failed)) {
        // Only the close failed: the workload moved since the turn read it (another change of it, or of the cycle).
        // A server that rolls back stored nothing: the group goes again without the close, which then takes the old way
        // (seals, then the guarded change). One that does not kept the decisions and the tally: they stand, marked closed
        // (the decisions settle the cycle; the old way closes it, and no decision can come in between).
        const tallied = results[at]?.statusCode;
        if (tallied !== undefined && tallied < 300) {
          recorded(toDomain(results[at]!.resourceBody as unknown as CycleTallyDoc));
          return;
        }
        mayClose = false;
        continue;
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

  /** Deletes a decision (and its event) that a failed batch stored on a server that does not roll back, after the close. */
  private async takeBack(workloadId: string, p: Pending): Promise<void> {
    for (const id of [p.vote.id, p.eventId]) {
      try {
        await this.container.item(id, workloadId).delete();
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
      }
    }
  }
}
