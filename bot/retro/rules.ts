import { canonicalTimeZone, parseLocal, readInZone } from '../shared/zonedTime';
import type { Person, Workload } from '../release/model';
import { holdsRole } from '../release/rules';
import { ActionTarget, EntryGroup, PHASE_TITLES, RETRO_PHASES, RETRO_TEMPLATES, Retro, RetroAction, RetroBallot, RetroDeadline, RetroEntry, RetroPhase, RetroTemplateId } from './model';

/** Pure retrospective rules: no I/O, no clock, no randomness. Callers pass time, ids and pseudonyms in. */

export const DEFAULT_VOTES = 3;
export const MAX_VOTES = 10;
export const MAX_ENTRY_LENGTH = 500;
export const MAX_ENTRIES_PER_QUESTION = 20;
export const MAX_ACTION_LENGTH = 300;
/** Teams refreshes a card into a personal view for at most 60 users. */
export const MAX_VIEWERS = 60;
/** Reminders are not sent again within this many minutes (a retried click, an impatient facilitator). */
export const REMINDER_PAUSE_MINUTES = 10;

/** What a rule decided about a document: store the change, it was already so (a retry), or a sentence why not. */
export type Decided<T> = { kind: 'changed'; value: T } | { kind: 'unchanged'; value: T } | { kind: 'refused'; message: string };

const refuse = <T>(message: string): Decided<T> => ({ kind: 'refused', message });

/** The instant of a local date and time in an IANA time zone; a time skipped by a daylight-saving change reads as the hour after. */
export function localToInstant(date: string, time: string, timeZone: string): Date | undefined {
  const local = parseLocal(date, time);
  const zone = canonicalTimeZone(timeZone);
  if (!local.ok || !zone) return undefined;
  const reading = readInZone(local.wall, zone);
  return new Date(reading.kind === 'exists' ? reading.at : reading.after);
}

/** Reads the deadline a facilitator typed; it must lie ahead, within a year. */
export function checkDeadline(input: { date: string; time: string; timeZone: string; now: string }): { ok: true; deadline: RetroDeadline } | { ok: false; message: string } {
  if (!canonicalTimeZone(input.timeZone)) return { ok: false, message: 'Pick a time zone for the deadline from the list.' };
  const at = localToInstant(input.date, input.time, input.timeZone);
  if (!at) return { ok: false, message: 'Give the deadline as a date and a time, for example 2026-11-27 and 17:00.' };
  const now = Date.parse(input.now);
  if (at.getTime() <= now) return { ok: false, message: 'The deadline has to lie in the future.' };
  if (at.getTime() > now + 366 * 24 * 3600 * 1000) return { ok: false, message: 'Pick a deadline within the next year.' };
  return { ok: true, deadline: { at: at.toISOString(), timeZone: input.timeZone, local: `${input.date} ${input.time.slice(0, 5)}` } };
}

/** The facilitator who started the retro, or any project manager of the workload, moves it along. */
export function facilitates(retro: Retro, workload: Workload | undefined, aadObjectId: string): boolean {
  return retro.facilitator.aadObjectId === aadObjectId || (workload !== undefined && holdsRole(workload, 'projectManager', aadObjectId));
}

export interface StartRequest {
  workload: Workload;
  retroId: string;
  number: number;
  template: RetroTemplateId;
  anonymous: boolean;
  deadline: { date: string; time: string; timeZone: string };
  votesPerPerson: number;
  actor: Person;
  channel: Retro['channel'];
  viewers: string[];
  /** The checklist message it was started from, when there is one. */
  checklist?: Retro['checklist'];
  /** Retros of this workload so far. */
  existing: Retro[];
  now: string;
}

/** Starts a retro; only a project manager may, and a workload has one open retro at a time. */
export function startRetro(request: StartRequest): Decided<Retro> {
  const { workload } = request;
  if (!holdsRole(workload, 'projectManager', request.actor.aadObjectId)) {
    return refuse(`Only a project manager of ${workload.name} can start its retrospective; they facilitate it.`);
  }
  const open = request.existing.find((r) => r.phase !== 'closed');
  if (open) return refuse(`A retrospective of ${workload.name} is already running (${PHASE_TITLES[open.phase].toLowerCase()}). Here it is.`);
  if (!Number.isInteger(request.votesPerPerson) || request.votesPerPerson < 1 || request.votesPerPerson > MAX_VOTES) {
    return refuse(`Give each person from 1 to ${MAX_VOTES} votes.`);
  }
  const deadline = checkDeadline({ ...request.deadline, now: request.now });
  if (!deadline.ok) return refuse(deadline.message);
  const template = RETRO_TEMPLATES[request.template];
  return {
    kind: 'changed',
    value: {
      id: request.retroId,
      retroId: request.retroId,
      workloadId: workload.workloadId,
      type: 'retro',
      tenantId: workload.scope.tenantId,
      scopeId: workload.scope.scopeId,
      workloadName: workload.name,
      number: request.number,
      template: request.template,
      questions: template.questions.map((q) => ({ ...q })),
      anonymous: request.anonymous,
      deadline: deadline.deadline,
      votesPerPerson: request.votesPerPerson,
      facilitator: request.actor,
      phase: 'collect',
      rev: 1,
      channel: request.channel,
      ...(request.checklist ? { checklist: request.checklist } : {}),
      viewers: [...new Set(request.viewers)].slice(0, MAX_VIEWERS),
      createdAt: request.now,
    },
  };
}

export const nextPhase = (phase: RetroPhase): RetroPhase | undefined => RETRO_PHASES[RETRO_PHASES.indexOf(phase) + 1];

/** Whether the retro is past the given phase. */
export const isPast = (retro: Retro, phase: RetroPhase): boolean => RETRO_PHASES.indexOf(retro.phase) > RETRO_PHASES.indexOf(phase);

/** Entries are hidden from everyone but their author until the facilitator moves on from collecting. */
export const revealed = (retro: Retro): boolean => retro.phase !== 'collect';

/**
 * Moves the retro from `from` to the next phase (not to closed: see closeRetro). Voting closing freezes the tallies.
 * A second request from the same card (a retry) finds the retro already moved and changes nothing.
 */
export function advancePhase(retro: Retro, request: { from: RetroPhase; facilitates: boolean; tallies?: Record<string, number> }): Decided<Retro> {
  if (!request.facilitates) return refuse(`Only the facilitator, ${retro.facilitator.name}, or a project manager moves the retrospective along.`);
  if (retro.phase !== request.from) {
    return isPast(retro, request.from) ? { kind: 'unchanged', value: retro } : refuse('This card is out of date; here is the retrospective as it is now.');
  }
  const next = nextPhase(retro.phase);
  if (!next || next === 'closed') return refuse('Close the retrospective with its action items, or decide that none are needed.');
  return {
    kind: 'changed',
    value: { ...retro, phase: next, rev: retro.rev + 1, ...(next === 'act' ? { tallies: request.tallies ?? {} } : {}) },
  };
}

/** Checks the text of an entry as typed. */
export function checkEntryText(raw: string): { ok: true; text: string } | { ok: false; message: string } {
  const text = raw
    .normalize('NFC')
    .trim()
    .replace(/[ \t]+/g, ' ');
  if (!text) return { ok: false, message: 'Write something first.' };
  if (text.length > MAX_ENTRY_LENGTH) return { ok: false, message: `Keep each entry under ${MAX_ENTRY_LENGTH} characters.` };
  return { ok: true, text };
}

/** Whether entries may be added or changed now. */
export function collecting(retro: Retro, now: string): { ok: true } | { ok: false; message: string } {
  if (retro.phase !== 'collect') return { ok: false, message: 'The facilitator has closed the collection of entries; nothing was changed.' };
  if (Date.parse(now) > Date.parse(retro.deadline.at)) {
    return { ok: false, message: `The deadline for entries (${retro.deadline.local}, ${retro.deadline.timeZone}) has passed; ask the facilitator to move on.` };
  }
  return { ok: true };
}

/** Changes one's own entry; nobody else's. */
export function editEntry(retro: Retro, entry: RetroEntry, request: { authorKey: string; text: string; now: string }): Decided<RetroEntry> {
  if (entry.authorKey !== request.authorKey) return refuse('You can change only your own entries.');
  const open = collecting(retro, request.now);
  if (!open.ok) return refuse(open.message);
  const checked = checkEntryText(request.text);
  if (!checked.ok) return refuse(checked.message);
  if (checked.text === entry.text) return { kind: 'unchanged', value: entry };
  return { kind: 'changed', value: { ...entry, text: checked.text, updatedAt: request.now } };
}

/** Entries with the similar ones merged into them, per question, most votes first once tallied. */
export function groupEntries(retro: Retro, entries: RetroEntry[]): Map<string, EntryGroup[]> {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const groups = new Map<string, EntryGroup>();
  for (const entry of entries) if (!entry.mergedInto || !byId.has(entry.mergedInto)) groups.set(entry.id, { entry, merged: [] });
  for (const entry of entries) if (entry.mergedInto && byId.has(entry.mergedInto)) groups.get(entry.mergedInto)?.merged.push(entry);
  const result = new Map<string, EntryGroup[]>();
  for (const q of retro.questions) {
    const list = [...groups.values()]
      .filter((g) => g.entry.questionId === q.id)
      .map((g) => (retro.tallies ? { ...g, votes: retro.tallies[g.entry.id] ?? 0 } : g))
      .sort((a, b) => (b.votes ?? 0) - (a.votes ?? 0) || a.entry.createdAt.localeCompare(b.entry.createdAt) || a.entry.id.localeCompare(b.entry.id));
    result.set(q.id, list);
  }
  return result;
}

/** Which entries to mark as merged into `into`, including those already merged into the ones being merged. */
export function mergeEntries(retro: Retro, entries: RetroEntry[], request: { into: string; from: string[]; facilitates: boolean }): Decided<RetroEntry[]> {
  if (!request.facilitates) return refuse(`Only the facilitator, ${retro.facilitator.name}, or a project manager merges entries.`);
  if (retro.phase !== 'group') return refuse('Entries are merged while grouping; the retrospective has moved on.');
  const byId = new Map(entries.map((e) => [e.id, e]));
  const target = byId.get(request.into);
  if (!target) return refuse('Pick the entry to merge into.');
  if (target.mergedInto) return refuse('That entry is already merged into another; pick the one it was merged into.');
  const from = [...new Set(request.from)].filter((id) => id !== request.into);
  if (from.length === 0) return refuse('Pick at least one other entry that says the same thing.');
  const picked = from.map((id) => byId.get(id));
  if (picked.some((e) => !e)) return refuse('One of those entries no longer exists; here are the current ones.');
  if (picked.some((e) => e!.questionId !== target.questionId)) return refuse('Merge entries of the same question only.');
  const moving = new Set(from);
  for (const e of entries) if (e.mergedInto && moving.has(e.mergedInto)) moving.add(e.id);
  const changed = [...moving].map((id) => byId.get(id)!).filter((e) => e.mergedInto !== request.into);
  if (changed.length === 0) return { kind: 'unchanged', value: [] };
  return { kind: 'changed', value: changed.map((e) => ({ ...e, mergedInto: request.into })) };
}

/** Adds or takes back one's own vote for an entry; never more than the retro's votes per person. */
export function castVote(
  retro: Retro,
  ballot: RetroBallot | undefined,
  request: { entryId: string; vote: 'add' | 'remove'; voterKey: string; votable: ReadonlySet<string>; now: string },
): Decided<RetroBallot> {
  if (retro.phase !== 'vote') {
    return refuse(isPast(retro, 'vote') ? 'Voting has closed; your votes stay as they were.' : 'Voting has not started yet.');
  }
  const current: RetroBallot = ballot ?? {
    id: ballotId(retro.retroId, request.voterKey),
    workloadId: retro.workloadId,
    type: 'ballot',
    retroId: retro.retroId,
    voterKey: request.voterKey,
    entryIds: [],
    updatedAt: request.now,
  };
  const has = current.entryIds.includes(request.entryId);
  if (request.vote === 'remove') {
    if (!has) return { kind: 'unchanged', value: current };
    return { kind: 'changed', value: { ...current, entryIds: current.entryIds.filter((id) => id !== request.entryId), updatedAt: request.now } };
  }
  if (has) return { kind: 'unchanged', value: current };
  if (!request.votable.has(request.entryId)) return refuse('That entry is not on the ballot any more; here is the current one.');
  if (current.entryIds.length >= retro.votesPerPerson) {
    return refuse(`You have used all ${retro.votesPerPerson} of your votes. Take one back to vote for this entry.`);
  }
  return { kind: 'changed', value: { ...current, entryIds: [...current.entryIds, request.entryId], updatedAt: request.now } };
}

export const ballotId = (retroId: string, voterKey: string): string => `${retroId}:ballot:${voterKey}`;

/** Votes per entry over every ballot, counting only entries still on the ballot. */
export function tally(ballots: RetroBallot[], votable: ReadonlySet<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const b of ballots) for (const id of new Set(b.entryIds)) if (votable.has(id)) counts[id] = (counts[id] ?? 0) + 1;
  return counts;
}

export interface ActionRequest {
  text: string;
  owner: Person | undefined;
  due: string;
  target: ActionTarget | undefined;
  facilitates: boolean;
  actionId: string;
  now: string;
}

/** Records an action item: something to do, an owner from the roster, a due date, and the wave or workload it targets. */
export function recordAction(retro: Retro, request: ActionRequest): Decided<RetroAction> {
  if (!request.facilitates) return refuse(`Only the facilitator, ${retro.facilitator.name}, or a project manager records action items.`);
  if (retro.phase !== 'act') return refuse(retro.phase === 'closed' ? 'The retrospective is closed.' : 'Action items are recorded once voting has closed.');
  const text = request.text.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (!text) return refuse('Say what should be done.');
  if (text.length > MAX_ACTION_LENGTH) return refuse(`Keep an action item under ${MAX_ACTION_LENGTH} characters.`);
  if (!request.owner) return refuse('Pick an owner from the members of this team.');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(request.due) || Number.isNaN(Date.parse(`${request.due}T00:00:00Z`))) return refuse('Pick a due date.');
  if (request.due < request.now.slice(0, 10)) return refuse('The due date has to be today or later.');
  if (!request.target) return refuse('Say which wave or workload the action item is for.');
  return {
    kind: 'changed',
    value: {
      id: request.actionId,
      workloadId: retro.workloadId,
      type: 'action',
      retroId: retro.retroId,
      tenantId: retro.tenantId,
      scopeId: retro.scopeId,
      workloadName: retro.workloadName,
      text,
      owner: request.owner,
      due: request.due,
      target: request.target,
      status: 'open',
      facilitator: retro.facilitator,
      createdAt: request.now,
    },
  };
}

/** Closes the retro: it needs at least one action item or an explicit decision that none are needed. */
export function closeRetro(retro: Retro, request: { actions: number; noActions: boolean; facilitates: boolean; now: string }): Decided<Retro> {
  if (!request.facilitates) return refuse(`Only the facilitator, ${retro.facilitator.name}, or a project manager closes the retrospective.`);
  if (retro.phase === 'closed') return { kind: 'unchanged', value: retro };
  if (retro.phase !== 'act') return refuse('Move the retrospective on to action items before closing it.');
  if (request.actions === 0 && !request.noActions) {
    return refuse('Record at least one action item, or close with "No actions needed" if the team decided none are.');
  }
  return {
    kind: 'changed',
    value: { ...retro, phase: 'closed', rev: retro.rev + 1, closedAt: request.now, ...(request.actions === 0 ? { noActions: true } : {}) },
  };
}

/** The owner of an action item, or the facilitator of its retro, marks it done. */
export function completeAction(action: RetroAction, request: { actor: Person; isProjectManager: boolean; now: string }): Decided<RetroAction> {
  const allowed = action.owner.aadObjectId === request.actor.aadObjectId || action.facilitator.aadObjectId === request.actor.aadObjectId || request.isProjectManager;
  if (!allowed) return refuse(`Only ${action.owner.name}, who owns it, or the facilitator ${action.facilitator.name} can close this action item.`);
  if (action.status === 'done') return { kind: 'unchanged', value: action };
  return { kind: 'changed', value: { ...action, status: 'done', closedBy: request.actor, closedAt: request.now } };
}

/** Whether the retro may send reminders now. */
export function mayRemind(retro: Retro, request: { facilitates: boolean; now: string }): { ok: true } | { ok: false; message: string } {
  if (!request.facilitates) return { ok: false, message: `Only the facilitator, ${retro.facilitator.name}, or a project manager sends reminders.` };
  if (retro.phase !== 'collect' && retro.phase !== 'vote') return { ok: false, message: 'Reminders go out while collecting entries or voting.' };
  if (retro.lastReminderAt && Date.parse(request.now) - Date.parse(retro.lastReminderAt) < REMINDER_PAUSE_MINUTES * 60000) {
    return { ok: false, message: `Reminders went out less than ${REMINDER_PAUSE_MINUTES} minutes ago; give people a moment.` };
  }
  return { ok: true };
}
