import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import type { Workload } from '../release/model';
import { Retro, RetroAction, RetroBallot, RetroEntry, retroSummaryOf, TeamActions, teamActionsPartition } from '../retro/model';
import type { RetroRepository } from '../retro/repository';
import type { Decided } from '../retro/rules';
import { answer, changeWithRetry, checkBatch, orStale, PRECONDITION_FAILED, STALE, statusOf, WriteBudget } from './conditionalWrite';
import { queryPartition, toDomain } from './documents';
import { RetroEntryWrites } from './retroEntryWrites';
import { retroWith, summaryReplace } from './summaries';

type Doc = { id: string; workloadId: string; _etag?: string };

const TEAM_ACTIONS_ID = 'open-actions';

/** Retros, entries, ballots and action items in the `workloads` container, in the partition of their workload. */
export class CosmosRetroRepository implements RetroRepository {
  private readonly entryWrites: RetroEntryWrites;

  constructor(
    private readonly container: Container,
    private readonly budget: WriteBudget = {},
  ) {
    this.entryWrites = new RetroEntryWrites(container, (workloadId, id) => this.getEntry(workloadId, id));
  }

  private async read<T>(workloadId: string, id: string): Promise<T | undefined> {
    const { resource } = await this.container.item(id, workloadId).read<T & Doc>();
    return resource ? toDomain(resource) : undefined;
  }

  private async query<T>(workloadId: string, type: string, retroId: string): Promise<T[]> {
    const query = 'SELECT * FROM c WHERE c.workloadId = @workloadId AND c.type = @type AND c.retroId = @retroId';
    return (await queryPartition<T & Doc>(this.container, workloadId, query, { type, retroId })).map((d) => toDomain(d));
  }

  private async create(doc: Doc): Promise<'created' | 'exists'> {
    try {
      const { _etag, ...body } = doc;
      await this.container.items.create(body);
      return 'created';
    } catch (error) {
      if (statusOf(error) === 409) return 'exists';
      throw error;
    }
  }

  /**
   * Re-reads, applies the rule and writes on the ETag (or creates when absent); retries when the document moved,
   * appeared (409) or vanished (404) meanwhile. Undefined when the document does not exist and may not be created.
   */
  private change<T extends Doc>(workloadId: string, id: string, rule: (current: T | undefined) => Decided<T> | undefined): Promise<Decided<T> | undefined> {
    return changeWithRetry({
      ...this.budget,
      what: `changing ${id} in ${workloadId}`,
      read: () => this.read<T>(workloadId, id),
      apply: (current) => {
        const result = rule(current);
        return result?.kind === 'changed' ? { current, value: result.value } : answer(result);
      },
      write: async ({ current, value }) => {
        const { _etag, ...body } = value;
        const doc = body as unknown as T & Doc;
        const written = await orStale(
          current ? this.container.item(id, workloadId).replace<T & Doc>(doc, { accessCondition: { type: 'IfMatch', condition: current._etag ?? '' } }) : this.container.items.create<T & Doc>(doc),
          [PRECONDITION_FAILED, 409, 404],
        );
        if (written === STALE) return STALE;
        return { kind: 'changed' as const, value: written.resource ? toDomain<T & Doc>(written.resource) : value };
      },
    });
  }

  async createRetro(retro: Retro): Promise<'created' | 'exists'> {
    const { workloadId } = retro;
    const what = `starting ${retro.retroId}`;
    const created = await changeWithRetry<Workload | undefined, { summary: OperationInput | undefined }, never, 'created' | 'exists'>({
      ...this.budget,
      what,
      read: () => this.read<Workload>(workloadId, workloadId),
      apply: (workload) => ({ summary: workload && summaryReplace(workload, 'retro', retroWith(workload, retroSummaryOf(retro))) }),
      write: async ({ summary }) => {
        const { _etag, ...doc } = retro;
        const operations: OperationInput[] = [...(summary ? [summary] : []), { operationType: 'Create', partitionKey: workloadId, resourceBody: doc as unknown as JSONObject }];
        const results = (await this.container.items.batch(operations, workloadId)).result;
        if (results?.[operations.length - 1]?.statusCode === 409) return 'exists' as const;
        return checkBatch(results, what) === STALE ? STALE : ('created' as const);
      },
    });
    // Taken by another start: the summary says what is stored (a server that applies a batch in part may have taken ours).
    if (created === 'exists') await this.changeRetro(workloadId, retro.retroId, (current) => ({ kind: 'unchanged', value: current }));
    return created;
  }

  getRetro(workloadId: string, retroId: string): Promise<Retro | undefined> {
    return this.read<Retro>(workloadId, retroId).then((r) => (r?.type === 'retro' ? r : undefined));
  }

  async retrosOf(workloadId: string): Promise<Retro[]> {
    const retros = await queryPartition<Retro>(this.container, workloadId, 'SELECT * FROM c WHERE c.workloadId = @workloadId AND c.type = "retro"');
    return retros.map((r) => toDomain(r)).sort((a, b) => a.number - b.number);
  }

  changeRetro(workloadId: string, retroId: string, rule: (current: Retro) => Decided<Retro>): Promise<Decided<Retro> | undefined> {
    const what = `changing ${retroId}`;
    return changeWithRetry({
      ...this.budget,
      what,
      read: () => Promise.all([this.read<Retro>(workloadId, retroId), this.read<Workload>(workloadId, workloadId)]),
      apply: ([current, workload]) => {
        if (current?.type !== 'retro') return answer(undefined);
        const result = rule(current);
        const summary = workload && summaryReplace(workload, 'retro', retroWith(workload, retroSummaryOf(result.kind === 'changed' ? result.value : current)));
        // A rule that changes nothing still brings a summary that fell behind in step.
        if (result.kind !== 'changed') return summary ? { current, result, summary } : answer(result);
        return { current, result, summary };
      },
      write: async ({ current, result, summary }) => {
        const operations: OperationInput[] = summary ? [summary] : [];
        if (result.kind === 'changed') {
          // The copy of the entries is kept only while collecting (see Retro.collected): once revealed they are read.
          const { _etag, collected, ...rest } = result.value;
          const doc = result.value.phase === 'collect' && collected ? { ...rest, collected } : rest;
          operations.push({ operationType: 'Replace', id: retroId, partitionKey: workloadId, ifMatch: current._etag ?? '', resourceBody: doc as unknown as JSONObject });
        }
        const results = (await this.container.items.batch(operations, workloadId)).result;
        if (checkBatch(results, what, [PRECONDITION_FAILED, 404]) === STALE) return STALE;
        if (result.kind !== 'changed') return result;
        const stored = results?.[operations.length - 1]?.resourceBody as unknown as Retro | undefined;
        if (stored) this.entryWrites.remember(toDomain<Retro & Doc>(stored));
        else this.entryWrites.forget(workloadId, retroId);
        return { kind: 'changed' as const, value: stored ? toDomain<Retro & Doc>(stored) : result.value };
      },
    });
  }

  async addEntry(entry: RetroEntry, marker?: object, retro?: Retro): Promise<{ kind: 'created' | 'exists'; entry: RetroEntry; markerVersion?: string; retro?: Retro }> {
    // A retro keeping a copy of its entries gets it written in the entry's batch (see RetroEntryWrites).
    if (retro?.phase === 'collect' && retro.collected) return this.entryWrites.add(retro, entry, marker);
    const { _etag, ...doc } = entry as RetroEntry & { _etag?: string };
    // The entry first: when its id is taken (409) nothing after it is applied, on a server that rolls back or not.
    const operations: OperationInput[] = [
      { operationType: 'Create', partitionKey: entry.workloadId, resourceBody: doc as unknown as JSONObject },
      ...(marker ? [{ operationType: 'Upsert' as const, partitionKey: entry.workloadId, resourceBody: marker as unknown as JSONObject }] : []),
    ];
    const results = (await this.container.items.batch(operations, entry.workloadId)).result;
    if (results?.[0]?.statusCode === 409) return { kind: 'exists', entry: (await this.getEntry(entry.workloadId, entry.id)) ?? entry };
    checkBatch(results, `adding entry ${entry.id}`);
    const stored = results?.[0]?.resourceBody as unknown as (RetroEntry & Doc) | undefined;
    const markerVersion = marker ? results?.[1]?.eTag : undefined;
    return { kind: 'created', entry: stored ? toDomain(stored) : entry, ...(markerVersion ? { markerVersion } : {}) };
  }

  getEntry(workloadId: string, entryId: string): Promise<RetroEntry | undefined> {
    return this.read<RetroEntry>(workloadId, entryId).then((e) => (e?.type === 'entry' ? e : undefined));
  }

  entriesOf(workloadId: string, retroId: string): Promise<RetroEntry[]> {
    return this.query<RetroEntry>(workloadId, 'entry', retroId);
  }

  async changeEntry(workloadId: string, entryId: string, rule: (current: RetroEntry) => Decided<RetroEntry>): Promise<Decided<RetroEntry> | undefined> {
    return (await this.changeWithCopy(workloadId, entryId, rule, 'replace')) as Decided<RetroEntry> | undefined;
  }

  async deleteEntry(workloadId: string, entryId: string, rule: (current: RetroEntry) => Decided<RetroEntry>): Promise<Decided<RetroEntry | undefined>> {
    return (await this.changeWithCopy(workloadId, entryId, rule, 'delete')) ?? { kind: 'unchanged', value: undefined };
  }

  /**
   * Changes or deletes one entry on its ETag, with the retro's copy of the entries (while collecting) in the same batch,
   * the retro first, also on its ETag: a 412 or 404 on either reads both again. Undefined when the entry is not there.
   */
  private changeWithCopy(workloadId: string, entryId: string, rule: (current: RetroEntry) => Decided<RetroEntry>, how: 'replace' | 'delete'): Promise<Decided<RetroEntry | undefined> | undefined> {
    const what = `${how === 'delete' ? 'deleting' : 'changing'} entry ${entryId} in ${workloadId}`;
    return changeWithRetry({
      ...this.budget,
      what,
      read: async () => {
        const entry = await this.getEntry(workloadId, entryId);
        return { entry, retro: entry && (await this.getRetro(workloadId, entry.retroId)) };
      },
      apply: ({ entry, retro }) => {
        if (!entry) return answer(undefined);
        const result = rule(entry);
        return result.kind === 'changed' ? { entry, retro, result } : answer(result);
      },
      write: async ({ entry, retro, result }) => {
        const { _etag, ...changed } = result.value;
        const operations: OperationInput[] = [];
        if (retro?.phase === 'collect' && retro.collected) {
          const { _etag: retroEtag, ...doc } = retro;
          const collected = how === 'delete' ? doc.collected!.filter((e) => e.id !== entryId) : doc.collected!.map((e) => (e.id === entryId ? changed : e));
          operations.push({ operationType: 'Replace', id: retro.retroId, partitionKey: workloadId, ifMatch: retroEtag ?? '', resourceBody: { ...doc, collected } as unknown as JSONObject });
        }
        if (how === 'delete' && operations.length === 0) {
          // No copy to keep: the entry alone, on its ETag.
          const deleted = await orStale(this.container.item(entryId, workloadId).delete({ accessCondition: { type: 'IfMatch', condition: entry._etag ?? '' } }), [PRECONDITION_FAILED, 404]);
          return deleted === STALE ? STALE : { kind: 'changed' as const, value: entry };
        }
        // A delete in a batch takes no ETag; the retro's, before it, guards it: every change of an entry while collecting replaces the retro.
        operations.push(
          how === 'delete'
            ? { operationType: 'Delete', id: entryId, partitionKey: workloadId }
            : { operationType: 'Replace', id: entryId, partitionKey: workloadId, ifMatch: entry._etag ?? '', resourceBody: changed as unknown as JSONObject },
        );
        const results = (await this.container.items.batch(operations, workloadId)).result;
        if (checkBatch(results, what, [PRECONDITION_FAILED, 404]) === STALE) return STALE;
        const storedRetro = operations.length > 1 ? (results?.[0]?.resourceBody as unknown as Retro | undefined) : undefined;
        if (storedRetro) this.entryWrites.remember(toDomain<Retro & Doc>(storedRetro));
        if (how === 'delete') return { kind: 'changed' as const, value: entry };
        const stored = results?.[operations.length - 1]?.resourceBody as unknown as (RetroEntry & Doc) | undefined;
        return { kind: 'changed' as const, value: stored ? toDomain(stored) : result.value };
      },
    });
  }

  changeEntries(workloadId: string, retroId: string, rule: (current: RetroEntry[]) => Decided<RetroEntry[]>): Promise<Decided<RetroEntry[]>> {
    const what = `changing entries of ${retroId}`;
    return changeWithRetry({
      ...this.budget,
      what,
      read: () => this.entriesOf(workloadId, retroId),
      apply: (current) => {
        const result = rule(current);
        return result.kind === 'changed' ? { current, result } : answer(result);
      },
      write: async ({ current, result }) => {
        const etags = new Map(current.map((e) => [e.id, e._etag]));
        // Every operation is guarded; an entry changed (412) or deleted (404) since the read means read them all again.
        const operations: OperationInput[] = result.value.map(({ _etag, ...body }) => ({
          operationType: 'Replace',
          id: body.id,
          partitionKey: workloadId,
          ifMatch: etags.get(body.id) ?? '',
          resourceBody: body as unknown as JSONObject,
        }));
        const results = (await this.container.items.batch(operations, workloadId)).result;
        return checkBatch(results, what, [PRECONDITION_FAILED, 404]) === STALE ? STALE : result;
      },
    });
  }

  async changeBallot(workloadId: string, ballotId: string, rule: (current: RetroBallot | undefined) => Decided<RetroBallot>): Promise<Decided<RetroBallot>> {
    return (await this.change<RetroBallot>(workloadId, ballotId, (current) => rule(current?.type === 'ballot' ? current : undefined)))!;
  }

  ballotsOf(workloadId: string, retroId: string): Promise<RetroBallot[]> {
    return this.query<RetroBallot>(workloadId, 'ballot', retroId);
  }

  async addAction(action: RetroAction): Promise<'created' | 'exists'> {
    const created = await this.create(action);
    // A retried add heals a team list that an interrupted first try left behind.
    await this.keepTeamInStep(created === 'created' ? action : ((await this.getAction(action.workloadId, action.id)) ?? action));
    return created;
  }

  getAction(workloadId: string, actionId: string): Promise<RetroAction | undefined> {
    return this.read<RetroAction>(workloadId, actionId).then((a) => (a?.type === 'action' ? a : undefined));
  }

  async actionsOf(workloadId: string, retroId: string): Promise<RetroAction[]> {
    return (await this.query<RetroAction>(workloadId, 'action', retroId)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async changeAction(workloadId: string, actionId: string, rule: (current: RetroAction) => Decided<RetroAction>): Promise<Decided<RetroAction> | undefined> {
    const result = await this.change<RetroAction>(workloadId, actionId, (current) => (current?.type === 'action' ? rule(current) : undefined));
    if (result && result.kind !== 'refused') await this.keepTeamInStep(result.value);
    return result;
  }

  /**
   * The team's list of open action items, brought in step with one of them: in its own partition (one per team or chat), so
   * written after the action item itself, on its own ETag; every later change or retry of that item brings it in step again.
   */
  private async keepTeamInStep(action: RetroAction): Promise<void> {
    const partition = teamActionsPartition(action.tenantId, action.scopeId);
    await changeWithRetry({
      ...this.budget,
      what: `keeping the open action items of ${partition} in step`,
      read: () => this.read<TeamActions>(partition, TEAM_ACTIONS_ID),
      apply: (current) => {
        const others = (current?.actions ?? []).filter((a) => a.id !== action.id);
        const { _etag, ...item } = action;
        const actions = item.status === 'open' ? [...others, item] : others;
        if (JSON.stringify(actions) === JSON.stringify(current?.actions ?? [])) return answer(undefined);
        return { current, actions };
      },
      write: async ({ current, actions }) => {
        const doc: TeamActions = { id: TEAM_ACTIONS_ID, workloadId: partition, type: 'teamActions', tenantId: action.tenantId, scopeId: action.scopeId, actions };
        const written = await orStale(
          current ? this.container.item(TEAM_ACTIONS_ID, partition).replace(doc, { accessCondition: { type: 'IfMatch', condition: current._etag ?? '' } }) : this.container.items.create(doc),
          [PRECONDITION_FAILED, 409, 404],
        );
        return written === STALE ? STALE : undefined;
      },
    });
  }

  async openActionsOf(tenantId: string, scopeId: string): Promise<RetroAction[]> {
    // One point read: the team's list, kept in step with its action items in the partitions of its workloads.
    const team = await this.read<TeamActions>(teamActionsPartition(tenantId, scopeId), TEAM_ACTIONS_ID);
    return (team?.actions ?? []).sort((a, b) => a.due.localeCompare(b.due) || a.createdAt.localeCompare(b.createdAt));
  }
}
