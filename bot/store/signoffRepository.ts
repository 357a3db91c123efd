import { randomUUID } from 'node:crypto';
import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import type { AuditEvent, Workload } from '../release/model';
import { cycleSummaryOf, SignoffCycle, Vote, VoteSeal } from '../signoff/model';
import type { CloseWithVote, CycleSnapshot, FinalChange, SignoffRepository, VoteRecord } from '../signoff/repository';
import type { CycleChange } from '../signoff/rules';
import { answer, checkBatch, changeWithRetry, STALE, statusOf, WriteBudget } from './conditionalWrite';
import { CosmosSystem, queryPartition, toDomain } from './documents';
import { Closer, CycleTallyDoc, newTally, TallyWrites } from './cycleTally';
import { cyclesWith, summaryReplace, workloadReplace } from './summaries';

const body = (doc: object): JSONObject => doc as unknown as JSONObject;
const withId = (event: Omit<AuditEvent, 'id'>): JSONObject => body({ ...event, id: randomUUID() });

/**
 * UAT cycles, decisions and seals in the `workloads` container, in the workload's partition.
 * A decision is its own document with a natural id (the exactly-once guard); a cycle's decisions are also kept
 * together in its tally document (see cycleTally.ts), written in the decision's batch, with the decisions arriving
 * together in a process grouped into one batch so that testers deciding at once do not fight over it.
 */
export class CosmosSignoffRepository implements SignoffRepository {
  private readonly tallies: TallyWrites;

  constructor(
    private readonly container: Container,
    private readonly budget: WriteBudget = {},
  ) {
    this.tallies = new TallyWrites(container);
  }

  async cycles(workloadId: string): Promise<SignoffCycle[]> {
    const cycles = await queryPartition<SignoffCycle>(this.container, workloadId, 'SELECT * FROM c WHERE c.workloadId = @workloadId AND c.type = "cycle"');
    return cycles.map(toDomain).sort((a, b) => a.number - b.number);
  }

  async cycle(workloadId: string, cycleId: string): Promise<SignoffCycle | undefined> {
    const { resource } = await this.container.item(cycleId, workloadId).read<SignoffCycle>();
    return resource && resource.type === 'cycle' ? toDomain(resource) : undefined;
  }

  async snapshot(workloadId: string, cycleId: string): Promise<CycleSnapshot | undefined> {
    const resources = await queryPartition<(SignoffCycle | Vote | VoteSeal) & CosmosSystem>(
      this.container,
      workloadId,
      'SELECT * FROM c WHERE c.workloadId = @workloadId AND ((c.type = "cycle" AND c.id = @cycleId) OR ((c.type = "vote" OR c.type = "voteSeal") AND c.cycleId = @cycleId))',
      { cycleId },
    );
    let cycle: SignoffCycle | undefined;
    const votes: Vote[] = [];
    const seals: VoteSeal[] = [];
    for (const doc of resources) {
      if (doc.type === 'cycle') cycle = toDomain(doc);
      else if (doc.type === 'vote') votes.push(toDomain(doc));
      else seals.push(toDomain(doc));
    }
    return cycle ? { cycle, votes, seals } : undefined;
  }

  async createCycle(cycle: SignoffCycle, event: Omit<AuditEvent, 'id'>): Promise<'created' | 'exists'> {
    const what = `opening cycle ${cycle.id} of ${cycle.workloadId}`;
    return changeWithRetry({
      ...this.budget,
      what,
      read: () => this.readWithEtag<Workload>(cycle.workloadId, cycle.workloadId),
      apply: (workload) => ({ summary: workload && summaryReplace(workload, 'signoff', cyclesWith(workload, cycleSummaryOf(cycle))) }),
      write: async ({ summary }) => {
        const operations: OperationInput[] = [
          ...(summary ? [summary] : []),
          { operationType: 'Create', partitionKey: cycle.workloadId, resourceBody: body(cycle) },
          { operationType: 'Create', partitionKey: cycle.workloadId, resourceBody: withId(event) },
          { operationType: 'Create', partitionKey: cycle.workloadId, resourceBody: body(newTally(cycle.workloadId, cycle.id)) },
        ];
        const results = (await this.container.items.batch(operations, cycle.workloadId)).result;
        if (results?.[summary ? 1 : 0]?.statusCode === 409) {
          // Taken by another open: the summary says what is stored (a server that applies a batch in part may have taken ours).
          await this.syncSummary(cycle.workloadId, cycle.id);
          return 'exists' as const;
        }
        if (checkBatch(results, what) === STALE) return STALE;
        const tally = results?.[operations.length - 1]?.resourceBody as unknown as CycleTallyDoc | undefined;
        if (tally) this.tallies.remember(toDomain(tally));
        return 'created' as const;
      },
    });
  }

  async castVote(vote: Vote, event: Omit<AuditEvent, 'id'>): Promise<'recorded' | 'taken'> {
    return (await this.recordVote(vote, event)).kind;
  }

  async recordVote(vote: Vote, event: Omit<AuditEvent, 'id'>, marker?: object, close?: CloseWithVote): Promise<VoteRecord> {
    if (await this.tallies.tally(vote.workloadId, vote.cycleId)) return this.tallies.record(vote, event, marker, close && this.closer(close));
    // A cycle stored before tallies existed. The decision first: when its place is taken (409) nothing after it is applied, on a server that rolls back or not.
    const operations: OperationInput[] = [
      { operationType: 'Create', partitionKey: vote.workloadId, resourceBody: body(vote) },
      { operationType: 'Create', partitionKey: vote.workloadId, resourceBody: withId(event) },
      ...(marker ? [{ operationType: 'Upsert' as const, partitionKey: vote.workloadId, resourceBody: body(marker) }] : []),
    ];
    const results = (await this.container.items.batch(operations, vote.workloadId)).result;
    if (results?.[0]?.statusCode === 409) return { kind: 'taken' };
    checkBatch(results, `recording decision ${vote.id}`);
    const markerVersion = marker ? results?.[2]?.eTag : undefined;
    return markerVersion ? { kind: 'recorded', markerVersion } : { kind: 'recorded' };
  }

  /**
   * The close written with the deciding decision: the workload's summary first, on the ETag of the workload the turn
   * read (every change of a cycle's state replaces it, so a cancel, an expiry or another close since makes the batch
   * fail and the decision go without the close), then the cycle and its event. The cycle is replaced whole: it is the
   * one the decision was checked against, whose testers and card never change once decisions come (see SignoffService.decide).
   */
  private closer({ workload, close }: CloseWithVote): Closer {
    return (votes) => {
      const change = close(votes);
      if (change?.kind !== 'changed') return undefined;
      const operations: OperationInput[] = [workloadReplace(workload, 'signoff', cyclesWith(workload, cycleSummaryOf(change.cycle))), this.replace(change.cycle, undefined)];
      if (change.event) operations.push({ operationType: 'Create', partitionKey: workload.workloadId, resourceBody: withId(change.event) });
      return { cycle: change.cycle, operations };
    };
  }

  async slot(workloadId: string, id: string): Promise<Vote | VoteSeal | undefined> {
    const { resource } = await this.container.item(id, workloadId).read<Vote | VoteSeal>();
    return resource && (resource.type === 'vote' || resource.type === 'voteSeal') ? toDomain(resource) : undefined;
  }

  async seal(seal: VoteSeal): Promise<'sealed' | 'taken'> {
    try {
      await this.container.items.create(seal);
      return 'sealed';
    } catch (error) {
      if (statusOf(error) === 409) return 'taken';
      throw error;
    }
  }

  async changeCycle(workloadId: string, cycleId: string, rule: (cycle: SignoffCycle) => CycleChange): Promise<CycleChange | undefined> {
    const what = `changing cycle ${cycleId} of ${workloadId}`;
    return changeWithRetry({
      ...this.budget,
      what,
      read: () => Promise.all([this.readWithEtag<SignoffCycle>(cycleId, workloadId), this.readWithEtag<Workload>(workloadId, workloadId)]),
      apply: ([current, workload]) => {
        if (!current || current.type !== 'cycle') return answer(undefined);
        const result = rule(current);
        const summary = workload && summaryReplace(workload, 'signoff', cyclesWith(workload, cycleSummaryOf(result.cycle)));
        // A rule that changes nothing still brings a summary that fell behind in step.
        if (result.kind !== 'changed') return summary ? { result, summary } : answer(result);
        return { etag: current._etag, result, summary };
      },
      write: async ({ etag, result, summary }) => {
        const operations: OperationInput[] = summary ? [summary] : [];
        if (result.kind === 'changed') {
          operations.push(this.replace(result.cycle, etag));
          if (result.event) operations.push({ operationType: 'Create', partitionKey: workloadId, resourceBody: withId(result.event) });
        }
        const results = (await this.container.items.batch(operations, workloadId)).result;
        if (checkBatch(results, what) === STALE) return STALE;
        if (result.kind !== 'changed') return result;
        const stored = results?.[summary ? 1 : 0]?.resourceBody as unknown as SignoffCycle | undefined;
        return { ...result, cycle: stored ? toDomain(stored) : result.cycle };
      },
    });
  }

  async finalize(workloadId: string, cycleId: string, rule: (cycle: SignoffCycle, workload: Workload) => FinalChange): Promise<FinalChange | undefined> {
    const what = `signing off cycle ${cycleId} of ${workloadId}`;
    return changeWithRetry({
      ...this.budget,
      what,
      read: () => Promise.all([this.readWithEtag<SignoffCycle>(cycleId, workloadId), this.readWithEtag<Workload>(workloadId, workloadId)]),
      apply: ([cycle, workload]) => {
        if (!cycle || cycle.type !== 'cycle' || !workload) return answer(undefined);
        const result = rule(cycle, workload);
        return result.kind === 'changed' ? { cycleEtag: cycle._etag, workload, result } : answer(result);
      },
      write: async ({ cycleEtag, workload, result }) => {
        // The workload (its gate and its summary) is replaced first, both replaces guarded: a 412 on either means read both again.
        const changed = { ...(result.gate?.workload ?? workload), _etag: workload._etag };
        const cycles = cyclesWith(changed, cycleSummaryOf(result.cycle));
        const summary = result.gate ? workloadReplace(changed, 'signoff', cycles) : summaryReplace(changed, 'signoff', cycles);
        const operations: OperationInput[] = [...(summary ? [summary] : []), this.replace(result.cycle, cycleEtag)];
        if (result.event) operations.push({ operationType: 'Create', partitionKey: workloadId, resourceBody: withId(result.event) });
        if (result.gate) operations.push({ operationType: 'Create', partitionKey: workloadId, resourceBody: withId(result.gate.event) });
        const results = (await this.container.items.batch(operations, workloadId)).result;
        if (checkBatch(results, what) === STALE) return STALE;
        const stored = results?.[summary ? 1 : 0]?.resourceBody as unknown as SignoffCycle | undefined;
        return { ...result, cycle: stored ? toDomain(stored) : result.cycle };
      },
    });
  }

  /** Brings the workload's summary of this cycle in step with the stored cycle. */
  private async syncSummary(workloadId: string, cycleId: string): Promise<void> {
    await this.changeCycle(workloadId, cycleId, (cycle) => ({ kind: 'unchanged', cycle }));
  }

  async dueCycles(now: string, limit: number): Promise<Array<{ workloadId: string; cycleId: string }>> {
    // Across workloads by nature; run by the expiry sweep every few seconds, never on a person's turn.
    const { resources } = await this.container.items
      .query<{ workloadId: string; id: string }>({
        query: 'SELECT TOP @limit c.workloadId, c.id FROM c WHERE c.type = "cycle" AND (c.state = "open" OR c.state = "awaitingFinal") AND c.due.at <= @now',
        parameters: [
          { name: '@now', value: now },
          { name: '@limit', value: limit },
        ],
      })
      .fetchAll();
    return resources.map((r) => ({ workloadId: r.workloadId, cycleId: r.id }));
  }

  private async readWithEtag<T extends object>(id: string, workloadId: string): Promise<(T & { _etag?: string; type?: string }) | undefined> {
    const { resource } = await this.container.item(id, workloadId).read<T & { _etag?: string; type?: string }>();
    return resource ? toDomain(resource) : undefined;
  }

  private replace(cycle: SignoffCycle, etag: string | undefined): OperationInput {
    const { _etag, ...doc } = cycle;
    return { operationType: 'Replace', id: cycle.id, partitionKey: cycle.workloadId, ...(etag ? { ifMatch: etag } : {}), resourceBody: body(doc) };
  }
}
