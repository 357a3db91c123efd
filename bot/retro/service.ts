import type { Person, Workload } from '../release/model';
import { holdsRole } from '../release/rules';
import type { ReleaseService } from '../release/service';
import type { ActionTarget, Retro, RetroAction, RetroBallot, RetroEntry, RetroPhase } from './model';
import { digestOf, pseudonymOf } from './pseudonym';
import type { RetroRepository } from './repository';
import {
  advancePhase,
  ballotId,
  castVote,
  checkEntryText,
  closeRetro,
  StartRequest,
  collecting,
  completeAction,
  Decided,
  editEntry,
  facilitates,
  groupEntries,
  MAX_ENTRIES_PER_QUESTION,
  mayRemind,
  mergeEntries,
  recordAction,
  startRetro,
  tally,
} from './rules';

/** Everything about one retro that a card shows, read in one go. */
export interface RetroSnapshot {
  retro: Retro;
  workload: Workload | undefined;
  entries: RetroEntry[];
  ballots: RetroBallot[];
  actions: RetroAction[];
}

export type StartOutcome = { kind: 'started'; retro: Retro } | { kind: 'refused'; message: string; retro?: Retro };

export interface AddOutcome {
  added: number;
  /** Sentences about entries that were not added. */
  problems: string[];
  /** Every entry of the retro as read before adding, with the ones added: what the person's answer shows. */
  entries?: RetroEntry[];
  /** The channel card's marker, when one was given, written with the entries at this version (see SharedCardSync.marked). */
  markerVersion?: string;
  /** The retro as the last entry's batch left it (with its copy of the entries), when it keeps one. */
  retro?: Retro;
}

/** What a caller already holds of a retro's snapshot: `workload` when the key is there (even undefined: not needed), `entries` as read. */
export interface KnownParts {
  workload?: Workload;
  entries?: RetroEntry[];
}

/** Action items are recorded from the act phase on (see recordAction): before it a retro has none to read. */
const hasActions = (retro: Retro): boolean => retro.phase === 'act' || retro.phase === 'closed';

export type CloseOutcome = Decided<Retro> & { gate?: { passed: boolean; message: string } };

const RETRO_GATE = 'retro-held';

/** The retrospective use cases. The pseudonym secret never leaves this class. */
export class RetroService {
  constructor(
    private readonly retros: RetroRepository,
    private readonly release: ReleaseService,
    private readonly pseudonymSecret: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private now(): string {
    return this.clock().toISOString();
  }

  /** The key under which a person's entries and votes are stored in this retro; the same for named and anonymous retros. */
  keyOf(retro: Retro, aadObjectId: string): string {
    return pseudonymOf(this.pseudonymSecret, retro.retroId, aadObjectId);
  }

  /** `workload`: the one the turn read, when the caller has it (no second read). */
  async facilitates(retro: Retro, aadObjectId: string, workload?: Workload): Promise<boolean> {
    return facilitates(retro, workload?.workloadId === retro.workloadId ? workload : await this.release.get(retro.workloadId), aadObjectId);
  }

  /** Reads a retro named by card data, only within the person's tenant. */
  async byId(tenantId: string, workloadId: string, retroId: string): Promise<Retro | undefined> {
    const retro = await this.retros.getRetro(workloadId, retroId);
    return retro && retro.tenantId === tenantId ? retro : undefined;
  }

  retrosOf(workloadId: string): Promise<Retro[]> {
    return this.retros.retrosOf(workloadId);
  }

  /** The latest retro of a workload, open or closed. */
  async latest(workloadId: string): Promise<Retro | undefined> {
    return (await this.retros.retrosOf(workloadId)).at(-1);
  }

  /** Reads what the caller does not already hold (see KnownParts). */
  async snapshot(retro: Retro, known: KnownParts = {}): Promise<RetroSnapshot> {
    const [workload, entries, ballots, actions] = await Promise.all([
      'workload' in known ? Promise.resolve(known.workload) : this.release.get(retro.workloadId),
      // While collecting, the retro keeps a copy of its entries, in step with them: no query.
      known.entries ? Promise.resolve(known.entries) : retro.phase === 'collect' && retro.collected ? Promise.resolve(retro.collected) : this.retros.entriesOf(retro.workloadId, retro.retroId),
      retro.phase === 'vote' ? this.retros.ballotsOf(retro.workloadId, retro.retroId) : Promise.resolve([]),
      hasActions(retro) ? this.retros.actionsOf(retro.workloadId, retro.retroId) : Promise.resolve([]),
    ]);
    return { retro, workload, entries, ballots, actions };
  }

  async start(input: Omit<StartRequest, 'retroId' | 'number' | 'existing' | 'now'>): Promise<StartOutcome> {
    const [existing, carried] = await Promise.all([this.retros.retrosOf(input.workload.workloadId), this.retros.openActionsOf(input.workload.scope.tenantId, input.workload.scope.scopeId)]);
    const number = existing.length + 1;
    const started = startRetro({ ...input, retroId: `${input.workload.workloadId}:retro-${number}`, number, existing, now: this.now() });
    // A new retro keeps a copy of its entries while collecting, and knows whether the team has action items to carry.
    const decided: Decided<Retro> = started.kind === 'changed' ? { kind: 'changed', value: { ...started.value, collected: [], carriesActions: carried.length > 0 } } : started;
    if (decided.kind === 'refused') {
      const open = existing.find((r) => r.phase !== 'closed');
      return { kind: 'refused', message: decided.message, ...(open ? { retro: open } : {}) };
    }
    if (decided.kind === 'unchanged') return { kind: 'started', retro: decided.value };
    if ((await this.retros.createRetro(decided.value)) === 'exists') {
      // The same start delivered twice, or two project managers at once: one retro, the first.
      const first = await this.retros.getRetro(input.workload.workloadId, decided.value.retroId);
      if (first && first.facilitator.aadObjectId === input.actor.aadObjectId) return { kind: 'started', retro: first };
      return { kind: 'refused', message: 'Someone else started this retrospective a moment ago. Here it is.', ...(first ? { retro: first } : {}) };
    }
    return { kind: 'started', retro: (await this.retros.getRetro(input.workload.workloadId, decided.value.retroId)) ?? decided.value };
  }

  /** Remembers the message that holds the retro card in the channel. */
  async attachMessage(retro: Retro, messageId: string): Promise<Retro> {
    const result = await this.retros.changeRetro(retro.workloadId, retro.retroId, (r) =>
      r.messageId === messageId ? { kind: 'unchanged', value: r } : { kind: 'changed', value: { ...r, messageId } },
    );
    return result && result.kind !== 'refused' ? result.value : retro;
  }

  /** `marker`: the channel card's redraw marker, written in the batch of each entry added. */
  async addEntries(retro: Retro, actor: Person, items: Array<{ questionId: string; text: string }>, options: { marker?: object } = {}): Promise<AddOutcome> {
    const now = this.now();
    const open = collecting(retro, now);
    if (!open.ok) return { added: 0, problems: [open.message] };
    const authorKey = this.keyOf(retro, actor.aadObjectId);
    // The retro the turn read keeps a copy of its entries while collecting: no query then.
    const entries = retro.collected ? [...retro.collected] : await this.retros.entriesOf(retro.workloadId, retro.retroId);
    const mine = entries.filter((e) => e.authorKey === authorKey);
    const outcome: AddOutcome = { added: 0, problems: [], entries };
    let current = retro;
    const add = async (entry: RetroEntry) => {
      const stored = await this.retros.addEntry(entry, options.marker, current);
      if (stored.retro) {
        // Everyone's entries as the batch left them, this one's included.
        current = stored.retro;
        outcome.retro = stored.retro;
        outcome.entries = stored.retro.collected ? [...stored.retro.collected] : outcome.entries;
      }
      if (stored.kind === 'created') {
        outcome.added += 1;
        if (!stored.retro?.collected) outcome.entries!.push(stored.entry);
        if (stored.markerVersion) outcome.markerVersion = stored.markerVersion;
      }
      return stored;
    };
    for (const item of items) {
      const question = retro.questions.find((q) => q.id === item.questionId);
      if (!question) continue;
      const checked = checkEntryText(item.text);
      if (!checked.ok) {
        outcome.problems.push(`${question.text} ${checked.message}`);
        continue;
      }
      if (mine.filter((e) => e.questionId === question.id).length >= MAX_ENTRIES_PER_QUESTION) {
        outcome.problems.push(`${question.text} You have ${MAX_ENTRIES_PER_QUESTION} entries there already; change one instead.`);
        continue;
      }
      const entry: RetroEntry = {
        // A natural key: the same entry sent twice (a client retry) is stored once.
        id: `${retro.retroId}:entry:${digestOf(authorKey, question.id, checked.text)}`,
        workloadId: retro.workloadId,
        type: 'entry',
        retroId: retro.retroId,
        questionId: question.id,
        text: checked.text,
        authorKey,
        ...(retro.anonymous ? {} : { author: actor }),
        createdAt: now,
      };
      const stored = await add(entry);
      if (stored.kind === 'created') {
        mine.push(stored.entry);
      } else if (stored.entry.authorKey === authorKey && stored.entry.text !== checked.text) {
        // Same key, different text: an entry since edited away from this wording. Store the new one beside it.
        await add({ ...entry, id: `${entry.id}-${digestOf(now, String(mine.length)).slice(0, 6)}` });
      }
    }
    return outcome;
  }

  editEntry(retro: Retro, actor: Person, entryId: string, text: string): Promise<Decided<RetroEntry> | undefined> {
    const authorKey = this.keyOf(retro, actor.aadObjectId);
    const now = this.now();
    return this.retros.changeEntry(retro.workloadId, entryId, (entry) =>
      entry.retroId === retro.retroId ? editEntry(retro, entry, { authorKey, text, now }) : { kind: 'refused', message: 'That entry is not part of this retrospective.' },
    );
  }

  deleteEntry(retro: Retro, actor: Person, entryId: string): Promise<Decided<RetroEntry | undefined>> {
    const authorKey = this.keyOf(retro, actor.aadObjectId);
    const now = this.now();
    return this.retros.deleteEntry(retro.workloadId, entryId, (entry) => {
      if (entry.retroId !== retro.retroId || entry.authorKey !== authorKey) return { kind: 'refused', message: 'You can delete only your own entries.' };
      const open = collecting(retro, now);
      return open.ok ? { kind: 'changed', value: entry } : { kind: 'refused', message: open.message };
    });
  }

  async merge(retro: Retro, actor: Person, into: string, from: string[]): Promise<Decided<RetroEntry[]>> {
    const may = await this.facilitates(retro, actor.aadObjectId);
    return this.retros.changeEntries(retro.workloadId, retro.retroId, (entries) => mergeEntries(retro, entries, { into, from, facilitates: may }));
  }

  /** Moves the retro on from `from`; closing the vote freezes the tallies on the retro. */
  async advance(retro: Retro, actor: Person, from: RetroPhase): Promise<Decided<Retro> | undefined> {
    const may = await this.facilitates(retro, actor.aadObjectId);
    let tallies: Record<string, number> | undefined;
    if (from === 'vote' && retro.phase === 'vote' && may) {
      const [entries, ballots] = await Promise.all([this.retros.entriesOf(retro.workloadId, retro.retroId), this.retros.ballotsOf(retro.workloadId, retro.retroId)]);
      tallies = tally(ballots, votableIds(retro, entries));
    }
    return this.retros.changeRetro(retro.workloadId, retro.retroId, (current) => advancePhase(current, { from, facilitates: may, ...(tallies ? { tallies } : {}) }));
  }

  async vote(retro: Retro, actor: Person, entryId: string, vote: 'add' | 'remove'): Promise<Decided<RetroBallot>> {
    const voterKey = this.keyOf(retro, actor.aadObjectId);
    const votable = votableIds(retro, await this.retros.entriesOf(retro.workloadId, retro.retroId));
    const now = this.now();
    return this.retros.changeBallot(retro.workloadId, ballotId(retro.retroId, voterKey), (ballot) => castVote(retro, ballot, { entryId, vote, voterKey, votable, now }));
  }

  /** A person's own ballot, if they voted. */
  async ballotOf(retro: Retro, aadObjectId: string): Promise<RetroBallot | undefined> {
    const key = this.keyOf(retro, aadObjectId);
    return (await this.retros.ballotsOf(retro.workloadId, retro.retroId)).find((b) => b.voterKey === key);
  }

  async addAction(retro: Retro, actor: Person, input: { text: string; owner: Person | undefined; due: string; target: ActionTarget | undefined }): Promise<Decided<RetroAction>> {
    const may = await this.facilitates(retro, actor.aadObjectId);
    const targetKey = input.target ? (input.target.kind === 'wave' ? `wave:${input.target.waveId ?? input.target.name}` : `workload:${input.target.workloadId}`) : '';
    const actionId = `${retro.retroId}:action:${digestOf(input.text.trim(), input.owner?.aadObjectId ?? '', input.due, targetKey)}`;
    const decided = recordAction(retro, { ...input, facilitates: may, actionId, now: this.now() });
    if (decided.kind !== 'changed') return decided;
    if ((await this.retros.addAction(decided.value)) === 'exists') {
      return { kind: 'unchanged', value: (await this.retros.getAction(retro.workloadId, actionId)) ?? decided.value };
    }
    return decided;
  }

  /** Closes the retro and passes the retrospective gate; if earlier gates are open, the retro closes and says why the gate waits. */
  async close(retro: Retro, actor: Person, noActions: boolean): Promise<CloseOutcome | undefined> {
    const may = await this.facilitates(retro, actor.aadObjectId);
    const actions = await this.retros.actionsOf(retro.workloadId, retro.retroId);
    const now = this.now();
    const closed = await this.retros.changeRetro(retro.workloadId, retro.retroId, (current) => closeRetro(current, { actions: actions.length, noActions, facilitates: may, now }));
    if (!closed || closed.kind !== 'changed') return closed;
    const gate = await this.recordGate(closed.value, actor, actions.length);
    return { ...closed, value: gate.retro, gate: { passed: gate.passed, message: gate.message } };
  }

  /** A person asking to record the gate of a closed retro: its facilitator or a project manager only. */
  async recordGateAsked(retro: Retro, actor: Person): Promise<{ kind: 'refused'; message: string } | ({ kind: 'recorded' } & Awaited<ReturnType<RetroService['recordGate']>>)> {
    if (retro.phase !== 'closed') return { kind: 'refused', message: 'The retrospective gate is recorded when the retrospective closes.' };
    if (!(await this.facilitates(retro, actor.aadObjectId))) {
      return { kind: 'refused', message: `Only the facilitator, ${retro.facilitator.name}, or a project manager records the gate.` };
    }
    return { kind: 'recorded', ...(await this.recordGate(retro, actor)) };
  }

  /** Passes the retrospective gate for a closed retro; idempotent, and notes on the retro why it could not. */
  async recordGate(retro: Retro, actor: Person, actionCount?: number): Promise<{ retro: Retro; passed: boolean; message: string }> {
    const count = actionCount ?? (await this.retros.actionsOf(retro.workloadId, retro.retroId)).length;
    const evidence =
      count > 0 ? `Retrospective ${retro.number} closed with ${count} action item${count === 1 ? '' : 's'}.` : `Retrospective ${retro.number} closed; the team decided no action items were needed.`;
    const result = await this.release.passGateOnBehalf(retro.workloadId, { gateId: RETRO_GATE, actor, evidence });
    const passed = result !== undefined && result.kind !== 'refused';
    const message = passed
      ? 'The retrospective gate of the release checklist passed.'
      : `The retrospective gate could not pass yet: ${result?.kind === 'refused' ? result.message : 'the workload no longer exists.'}`;
    const gateNote = passed ? undefined : message;
    const updated = await this.retros.changeRetro(retro.workloadId, retro.retroId, (current) => {
      if (current.gateNote === gateNote) return { kind: 'unchanged', value: current };
      const { gateNote: _old, ...rest } = current;
      return { kind: 'changed', value: gateNote ? { ...rest, gateNote } : rest };
    });
    return { retro: updated && updated.kind !== 'refused' ? updated.value : retro, passed, message };
  }

  async completeAction(tenantId: string, workloadId: string, actionId: string, actor: Person): Promise<Decided<RetroAction> | undefined> {
    const action = await this.retros.getAction(workloadId, actionId);
    if (!action || action.tenantId !== tenantId) return undefined;
    const workload = await this.release.get(workloadId);
    const isProjectManager = workload ? holdsRole(workload, 'projectManager', actor.aadObjectId) : false;
    const now = this.now();
    return this.retros.changeAction(workloadId, actionId, (current) => completeAction(current, { actor, isProjectManager, now }));
  }

  openActions(tenantId: string, scopeId: string): Promise<RetroAction[]> {
    return this.retros.openActionsOf(tenantId, scopeId);
  }

  /**
   * Members who have not contributed yet: no entry while collecting, no vote while voting. In an anonymous
   * retro this is known only by computing each member's pseudonym and looking for it; nothing they wrote is read out.
   */
  /**
   * Why this person cannot send the retro's reminders from where they are, or undefined: only its facilitator
   * or a project manager, and only from the retro's own team or chat, where Liftoff can read who is in it.
   */
  async cannotRemind(retro: Retro, actor: Person, fromScopeId: string): Promise<string | undefined> {
    if (fromScopeId !== retro.scopeId) return 'Send reminders from the retrospective card in its channel, where Liftoff can see who is in the team.';
    if (!(await this.facilitates(retro, actor.aadObjectId))) return `Only the facilitator, ${retro.facilitator.name}, or a project manager sends reminders.`;
    return undefined;
  }

  /** A workload an action item may target: one of the retro's own team or chat. */
  async actionTarget(retro: Retro, workloadId: string): Promise<Workload | undefined> {
    const workload = await this.release.get(workloadId);
    return workload && workload.scope.tenantId === retro.tenantId && workload.scope.scopeId === retro.scopeId ? workload : undefined;
  }

  async notContributed<P extends Person>(retro: Retro, members: P[]): Promise<P[]> {
    const keys = new Set(
      retro.phase === 'vote'
        ? (await this.retros.ballotsOf(retro.workloadId, retro.retroId)).filter((b) => b.entryIds.length > 0).map((b) => b.voterKey)
        : (await this.retros.entriesOf(retro.workloadId, retro.retroId)).map((e) => e.authorKey),
    );
    return members.filter((m) => !keys.has(this.keyOf(retro, m.aadObjectId)));
  }

  /** Notes that reminders go out now; refused if they went out a moment ago or the retro is not collecting or voting. */
  async markReminded(retro: Retro, actor: Person): Promise<Decided<Retro> | undefined> {
    const may = await this.facilitates(retro, actor.aadObjectId);
    const now = this.now();
    return this.retros.changeRetro(retro.workloadId, retro.retroId, (current) => {
      const check = mayRemind(current, { facilitates: may, now });
      return check.ok ? { kind: 'changed', value: { ...current, lastReminderAt: now } } : { kind: 'refused', message: check.message };
    });
  }
}

/** The entries people vote on: those not merged into another. */
export function votableIds(retro: Retro, entries: RetroEntry[]): Set<string> {
  return new Set([...groupEntries(retro, entries).values()].flat().map((g) => g.entry.id));
}
