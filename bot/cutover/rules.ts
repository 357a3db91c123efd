import type { AuditEvent, Person, Role, Workload } from '../release/model';
import { ROLE_TITLES, ROLES } from '../release/model';
import { holdsRole, isClosed, openEarlierGates, rolesOf } from '../release/rules';
import { formatWallClock } from '../shared/dates';
import { canonicalTimeZone, parseLocal, readInZone } from '../shared/zonedTime';
import type { Blackout, CutoverWindow, GoNoGoAnswer, PromotionModel, RecordChange, RunbookStep, Stakeholder, ZonedMoment } from './model';

/** Pure release window rules: no I/O, no clock. Callers pass time and ids in. */

export const PROMOTION_GATE = 'traffic-rerouted';
/** Who answers go or no-go by default: the roles that run or own the cutover. */
export const STAKEHOLDER_ROLES: readonly Role[] = ['businessOwner', 'migrationEngineer', 'workloadArchitect', 'cloudOperations'];
const PLANNER_ROLES: readonly Role[] = ['projectManager', 'migrationEngineer'];
const BLACKOUT_ROLES: readonly Role[] = ['projectManager', 'changeManager'];
export const MAX_WINDOW_HOURS = 48;
export const MAX_COMMENT = 500;
const MINUTE_MS = 60_000;

export type WindowDecision =
  { kind: 'changed'; window: CutoverWindow; event: Omit<AuditEvent, 'id'> } | { kind: 'unchanged'; window: CutoverWindow } | { kind: 'refused'; message: string; window?: CutoverWindow };

const refuse = (message: string, window?: CutoverWindow): WindowDecision => ({ kind: 'refused', message, ...(window ? { window } : {}) });

/** A typed date, time and zone as a moment, or the sentence that says what is wrong. */
export function momentOf(label: string, date: string, time: string, zone: string): { ok: true; moment: ZonedMoment } | { ok: false; message: string } {
  const timeZone = canonicalTimeZone(zone);
  if (!timeZone) return { ok: false, message: `Pick a time zone for the ${label}.` };
  const local = parseLocal(date, time);
  if (!local.ok) return { ok: false, message: `Give the ${label} as a date and a time (YYYY-MM-DD and HH:MM).` };
  const read = readInZone(local.wall, timeZone);
  if (read.kind === 'skipped') return { ok: false, message: `${date} ${time} does not happen in ${timeZone} (the clocks skip it); pick another ${label}.` };
  return { ok: true, moment: { at: new Date(read.at).toISOString(), timeZone, local: `${date.trim()} ${time.trim().slice(0, 5)}` } };
}

/** Reads "10, 50, 100" as the shares of a staged promotion: increasing percentages ending at 100. */
export function sharesOf(text: string): number[] | undefined {
  const shares = text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((s) => Number(s.replace(/%$/, '')));
  if (shares.length < 2 || shares.length > 6 || shares.some((s) => !Number.isInteger(s) || s < 1 || s > 100)) return undefined;
  if (shares.some((s, i) => i > 0 && s <= shares[i - 1]!) || shares[shares.length - 1] !== 100) return undefined;
  return shares;
}

const step = (id: string, title: string, ownerRole: Role, plannedMinutes: number, phase: RunbookStep['phase'] = 'forward'): RunbookStep => ({
  id,
  title,
  ownerRole,
  plannedMinutes,
  phase,
  status: 'pending',
});

/** The runbook prefilled from the CAF promotion steps; a staged promotion moves users share by share. */
export function runbookFor(model: PromotionModel, records: RecordChange): RunbookStep[] {
  const switchText = `${records.oldRecord} → ${records.newRecord}, TTL ${records.ttlSeconds} s`;
  const routing =
    model.kind === 'single'
      ? [step('switch', `Switch DNS or IP: ${switchText}`, 'migrationEngineer', 15)]
      : model.shares.map((share) => step(`route-${share}`, `Route ${share}% of users to the new deployment (${switchText})`, 'migrationEngineer', 15));
  return [
    step('final-sync', 'Final replication and data synchronization', 'migrationEngineer', 30),
    step('freeze-writes', 'Freeze writes on the source', 'cloudOperations', 10),
    ...routing,
    step('smoke-test', 'Smoke test of the new deployment', 'workloadArchitect', 20),
    step('business-verification', 'Business verification by the business owner', 'businessOwner', 30),
    step('go-live', 'Go-live: announce that the workload runs in the cloud', 'projectManager', 10),
    step('rollback-route', `Rollback: point DNS or IP back (${records.newRecord} → ${records.oldRecord})`, 'migrationEngineer', 15, 'rollback'),
    step('rollback-unfreeze', 'Rollback: unfreeze writes on the source', 'cloudOperations', 10, 'rollback'),
    step('rollback-verify', 'Rollback: verify users are served by the source', 'businessOwner', 15, 'rollback'),
  ];
}

/** The frozen go/no-go list: every holder of the stakeholder roles, once each; or the roles nobody holds. */
export function stakeholdersOf(workload: Workload): { ok: true; stakeholders: Stakeholder[] } | { ok: false; missing: Role[] } {
  const missing = STAKEHOLDER_ROLES.filter((r) => workload.roles[r].length === 0);
  if (missing.length) return { ok: false, missing };
  const byId = new Map<string, Stakeholder>();
  for (const role of STAKEHOLDER_ROLES) {
    for (const p of workload.roles[role]) {
      const known = byId.get(p.aadObjectId);
      if (known) known.roles.push(role);
      else byId.set(p.aadObjectId, { aadObjectId: p.aadObjectId, name: p.name, roles: [role] });
    }
  }
  return { ok: true, stakeholders: [...byId.values()] };
}

/** Whether two periods share a moment (touching ends do not overlap). */
export const overlaps = (a: { start: ZonedMoment; end: ZonedMoment }, b: { start: ZonedMoment; end: ZonedMoment }): boolean => a.start.at < b.end.at && b.start.at < a.end.at;

/** A window or blackout in words, in the one date format (wall clock in its zone): "Sat 5 Dec 2026, 20:00 to 23:00 UTC". */
export function periodText(p: { start: ZonedMoment; end: ZonedMoment }): string {
  const start = formatWallClock(p.start.local, p.start.timeZone);
  const end = formatWallClock(p.end.local, p.end.timeZone);
  if (p.start.timeZone !== p.end.timeZone) return `${start} to ${end}`;
  const zone = ` ${p.start.timeZone}`;
  const bare = (text: string): string => (text.endsWith(zone) ? text.slice(0, -zone.length) : text);
  const sameDay = p.start.local.slice(0, 10) === p.end.local.slice(0, 10);
  return `${bare(start)} to ${sameDay ? p.end.local.slice(11, 16) : bare(end)}${zone}`;
}

/** Where go/no-go stands: waiting for some, held by a no-go, or go from everyone on the list. */
export type GoNoGoState = { kind: 'awaiting'; waitingFor: Stakeholder[] } | { kind: 'held'; by: GoNoGoAnswer[] } | { kind: 'go' };

export function goNoGoState(window: CutoverWindow, answers: GoNoGoAnswer[]): GoNoGoState {
  const mine = answers.filter((a) => a.windowId === window.windowId);
  const noGo = mine.filter((a) => a.answer === 'noGo');
  if (noGo.length) return { kind: 'held', by: noGo };
  const answered = new Set(mine.map((a) => a.voter.aadObjectId));
  const waitingFor = window.stakeholders.filter((s) => !answered.has(s.aadObjectId));
  return waitingFor.length ? { kind: 'awaiting', waitingFor } : { kind: 'go' };
}

export interface WindowPlanRequest {
  workload: Workload;
  /** The workload's windows so far, and the go/no-go state of the latest. */
  latest?: { window: CutoverWindow; state: GoNoGoState };
  blackouts: Blackout[];
  start: ZonedMoment;
  end: ZonedMoment;
  model: PromotionModel;
  records: RecordChange;
  actor: Person;
  now: string;
}

/** Plans a window, or says why not: who plans, the checklist before promotion, the times, the blackouts, the stakeholders. */
export function planWindow(request: WindowPlanRequest): WindowDecision {
  const { workload, latest } = request;
  if (!PLANNER_ROLES.some((r) => holdsRole(workload, r, request.actor.aadObjectId))) {
    return refuse('Only the project manager or the migration engineer of this workload can plan its release window.');
  }
  const gate = workload.gates.find((g) => g.id === PROMOTION_GATE);
  if (gate && isClosed(gate.status)) return refuse(`${workload.name} is already promoted: traffic is rerouted.`);
  const open = openEarlierGates(workload, PROMOTION_GATE);
  if (open.length) {
    return refuse(`Finish the checklist before promotion first: ${open.length} gate${open.length === 1 ? ' is' : 's are'} open, the first "${open[0]!.title}".`);
  }
  if (latest && latest.window.state === 'planned' && latest.state.kind !== 'held') {
    return refuse(`Window ${latest.window.number} is planned for ${periodText(latest.window)}; finish it or roll it back before planning another.`);
  }
  if (request.start.at <= request.now) return refuse('The window must start in the future.');
  if (request.end.at <= request.start.at) return refuse('The window must end after it starts.');
  if (Date.parse(request.end.at) - Date.parse(request.start.at) > MAX_WINDOW_HOURS * 3_600_000) return refuse(`A release window lasts at most ${MAX_WINDOW_HOURS} hours.`);
  const { oldRecord, newRecord, ttlSeconds } = request.records;
  if (!oldRecord || !newRecord) return refuse('Give the old and the new DNS record or IP address, so the switch step says what changes.');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0 || ttlSeconds > 86_400) return refuse('Give the record TTL in seconds (0 to 86400).');
  const clash = request.blackouts.find((b) => overlaps(b, request));
  if (clash) return refuse(`That window overlaps the blackout "${clash.name}" (${periodText(clash)}, set by ${clash.setBy.name}); pick times outside it.`);
  const list = stakeholdersOf(workload);
  if (!list.ok) {
    return refuse(`Assign ${list.missing.map((r) => `a ${ROLE_TITLES[r]}`).join(' and ')} first (roles ${workload.name}): the stakeholders answer go or no-go.`);
  }
  const number = (latest?.window.number ?? 0) + 1;
  const windowId = `window-${number}`;
  const window: CutoverWindow = {
    id: windowId,
    windowId,
    workloadId: workload.workloadId,
    type: 'window',
    workloadName: workload.name,
    number,
    start: request.start,
    end: request.end,
    model: request.model,
    records: request.records,
    steps: runbookFor(request.model, request.records),
    stakeholders: list.stakeholders,
    state: 'planned',
    rev: 1,
    plannedBy: request.actor,
    plannedAt: request.now,
  };
  return {
    kind: 'changed',
    window,
    event: {
      workloadId: workload.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: 'window.planned',
      windowId,
      summary: `${request.actor.name} planned release window ${number}: ${periodText(window)}, ${modelText(request.model)}.`,
    },
  };
}

export const modelText = (model: PromotionModel): string => (model.kind === 'single' ? 'single-step promotion' : `staged promotion by share: ${model.shares.join('%, ')}%`);

/** Checks one stakeholder's go or no-go before it is stored; its natural id keeps it to one. */
export function checkAnswer(
  window: CutoverWindow,
  request: { voter: Person; answer: 'go' | 'noGo'; comment: string; now: string },
): { ok: true; answer: GoNoGoAnswer; event: Omit<AuditEvent, 'id'> } | { ok: false; message: string } {
  if (window.state !== 'planned') return { ok: false, message: `Window ${window.number} is ${window.state === 'finished' ? 'finished' : 'rolled back'}; go/no-go is over.` };
  if (!window.stakeholders.some((s) => s.aadObjectId === request.voter.aadObjectId)) {
    return { ok: false, message: `Only the stakeholders listed when window ${window.number} was planned answer go or no-go: ${window.stakeholders.map((s) => s.name).join(', ')}.` };
  }
  if (request.now >= window.start.at) return { ok: false, message: `Window ${window.number} has started; go/no-go closed at its start.` };
  const comment = request.comment.trim();
  if (comment.length > MAX_COMMENT) return { ok: false, message: `Keep the comment under ${MAX_COMMENT} characters.` };
  if (request.answer === 'noGo' && !comment) return { ok: false, message: 'Say why: a no-go needs a comment the team can act on.' };
  const answer: GoNoGoAnswer = {
    id: `${window.windowId}:${request.voter.aadObjectId}`,
    workloadId: window.workloadId,
    type: 'goNoGo',
    windowId: window.windowId,
    voter: request.voter,
    answer: request.answer,
    comment,
    at: request.now,
  };
  const said = request.answer === 'go' ? 'Go' : 'No-go';
  return {
    ok: true,
    answer,
    event: {
      workloadId: window.workloadId,
      type: 'event',
      at: request.now,
      actor: request.voter,
      action: 'window.answered',
      windowId: window.windowId,
      summary: `${request.voter.name} answered ${said} for window ${window.number}${comment ? `: ${comment}` : ''}`,
    },
  };
}

export const forwardSteps = (window: CutoverWindow): RunbookStep[] => window.steps.filter((s) => s.phase === 'forward');

/** Marks a runbook step done or failed by its owner: forward steps while the window is go, rollback steps once it is rolled back. */
export function tickStep(
  window: CutoverWindow,
  state: GoNoGoState,
  workload: Workload,
  request: { stepId: string; outcome: 'done' | 'failed'; note: string; actor: Person; now: string },
): WindowDecision {
  const target = window.steps.find((s) => s.id === request.stepId);
  if (!target) return refuse('That step is not part of this runbook.', window);
  const status = request.outcome === 'done' ? 'done' : 'failed';
  if (target.status === status && target.by?.aadObjectId === request.actor.aadObjectId) return { kind: 'unchanged', window };
  if (target.status !== 'pending') return refuse(`"${target.title}" is already ${target.status}${target.by ? ` by ${target.by.name}` : ''}.`, window);
  if (target.phase === 'forward') {
    if (window.state !== 'planned') return refuse(`Window ${window.number} is ${window.state === 'finished' ? 'finished' : 'rolled back'}; its forward steps are closed.`, window);
    if (state.kind === 'held') return refuse(`Window ${window.number} is held by a no-go; nothing runs until a new window is planned.`, window);
    if (state.kind === 'awaiting') return refuse(`Window ${window.number} waits for go from ${state.waitingFor.map((s) => s.name).join(', ')}.`, window);
  } else if (window.state !== 'rolledBack') {
    return refuse('Rollback steps run once the window is rolled back.', window);
  }
  if (!holdsRole(workload, target.ownerRole, request.actor.aadObjectId)) {
    const owners = workload.roles[target.ownerRole].map((p) => p.name).join(', ') || 'nobody yet';
    return refuse(`"${target.title}" is the ${ROLE_TITLES[target.ownerRole]}'s step (${owners}).`, window);
  }
  const note = request.note.trim();
  if (note.length > MAX_COMMENT) return refuse(`Keep the note under ${MAX_COMMENT} characters.`, window);
  if (status === 'failed' && !note) return refuse('Say what happened: a failed step needs a note.', window);
  const steps = window.steps.map((s): RunbookStep => (s.id === target.id ? { ...s, status, by: request.actor, at: request.now, ...(note ? { note } : {}) } : s));
  const finished = target.phase === 'forward' && steps.filter((s) => s.phase === 'forward').every((s) => s.status === 'done');
  const updated: CutoverWindow = { ...window, steps, rev: window.rev + 1, ...(finished ? { state: 'finished' as const, finishedAt: request.now } : {}) };
  return {
    kind: 'changed',
    window: updated,
    event: {
      workloadId: window.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: finished ? 'window.finished' : 'window.step',
      windowId: window.windowId,
      summary: `${request.actor.name} marked "${target.title}" ${status}${note ? `: ${note}` : ''}${finished ? `. Window ${window.number} is finished: traffic rerouted.` : ''}`,
    },
  };
}

/** Rolls a window back: the project manager or the migration engineer, with a reason; the promotion gate stays open. */
export function rollBack(window: CutoverWindow, workload: Workload, request: { reason: string; actor: Person; now: string }): WindowDecision {
  if (window.state === 'rolledBack') return { kind: 'unchanged', window };
  if (window.state === 'finished') return refuse(`Window ${window.number} is finished; traffic is already rerouted.`, window);
  if (!PLANNER_ROLES.some((r) => holdsRole(workload, r, request.actor.aadObjectId))) return refuse('Only the project manager or the migration engineer can roll the window back.', window);
  const reason = request.reason.trim();
  if (!reason) return refuse('Say why the window is rolled back.', window);
  if (reason.length > MAX_COMMENT) return refuse(`Keep the reason under ${MAX_COMMENT} characters.`, window);
  return {
    kind: 'changed',
    window: { ...window, state: 'rolledBack', rev: window.rev + 1, rolledBackBy: request.actor, rolledBackAt: request.now, rollbackReason: reason },
    event: {
      workloadId: window.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: 'window.rolledBack',
      windowId: window.windowId,
      summary: `${request.actor.name} rolled back window ${window.number}: ${reason}. Traffic rerouted stays open.`,
    },
  };
}

/** When each step should be over, running the runbook in order from the window's start. */
export function plannedEnds(window: CutoverWindow): Map<string, string> {
  const ends = new Map<string, string>();
  for (const phase of ['forward', 'rollback'] as const) {
    let at = Date.parse(phase === 'forward' ? window.start.at : (window.rolledBackAt ?? window.start.at));
    for (const s of window.steps.filter((x) => x.phase === phase)) {
      at += s.plannedMinutes * MINUTE_MS;
      ends.set(s.id, new Date(at).toISOString());
    }
  }
  return ends;
}

/** Steps still pending past their planned end, while they can still run. */
export function lateSteps(window: CutoverWindow, now: string): string[] {
  const ends = plannedEnds(window);
  const running = (s: RunbookStep): boolean => (s.phase === 'forward' ? window.state === 'planned' : window.state === 'rolledBack');
  return window.steps.filter((s) => s.status === 'pending' && running(s) && (ends.get(s.id) ?? '') < now).map((s) => s.id);
}

/** The window record the promotion gate keeps as its evidence: when, how, the DNS change, who did what when. */
export function evidenceOf(window: CutoverWindow): string {
  const done = forwardSteps(window)
    .map((s) => `${s.title.split(':')[0]} by ${s.by?.name ?? '?'} at ${s.at?.slice(11, 16) ?? '?'} UTC`)
    .join('; ');
  const { oldRecord, newRecord, ttlSeconds } = window.records;
  return `Release window ${window.number}, ${periodText(window)}, ${modelText(window.model)}. DNS/IP ${oldRecord} → ${newRecord} (TTL ${ttlSeconds} s). ${done}.`.slice(0, 1000);
}

/** Sets a blackout period for the team: only a project manager or a change manager of one of its workloads may. */
export function checkBlackout(request: { name: string; start: ZonedMoment; end: ZonedMoment; teamWorkloads: Workload[]; actor: Person }): { ok: true; name: string } | { ok: false; message: string } {
  if (!request.teamWorkloads.some((w) => BLACKOUT_ROLES.some((r) => rolesOf(w, request.actor.aadObjectId).includes(r)))) {
    return { ok: false, message: 'Only a project manager or a change manager of a workload of this team can set a blackout period.' };
  }
  const name = request.name.trim().replace(/\s+/g, ' ');
  if (!name) return { ok: false, message: 'Name the blackout, for example: Quarter-end close.' };
  if ([...name].length > 80) return { ok: false, message: 'Keep the blackout name under 80 characters.' };
  if (request.end.at <= request.start.at) return { ok: false, message: 'The blackout must end after it starts.' };
  return { ok: true, name };
}

/** Whether the checklist offers the release window: ready for production is done and traffic is not yet rerouted. */
export function windowDue(workload: Workload): boolean {
  const gate = workload.gates.find((g) => g.id === PROMOTION_GATE);
  return !!gate && !isClosed(gate.status) && openEarlierGates(workload, PROMOTION_GATE).length === 0;
}

/** A change of a planned window's runbook, as typed on the card: an empty field of an edit keeps what the step had. */
export type RunbookEdit =
  | { op: 'edit'; stepId: string; title: string; ownerRole: string; minutes: string }
  | { op: 'add'; afterStepId: string; phase: RunbookStep['phase']; title: string; ownerRole: string; minutes: string }
  | { op: 'remove'; stepId: string };

export const MAX_STEP_TITLE = 200;
export const MAX_STEP_MINUTES = 720;

/** The id a step added on the card drawn at this revision gets: a retried press finds it there. */
export const addedStepId = (rev: number): string => `added-${rev}`;

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** Whether the runbook may still be edited: planned, not yet open (go/no-go still awaited) and not started. */
export function runbookEditable(window: CutoverWindow, state: GoNoGoState, now: string): boolean {
  return window.state === 'planned' && state.kind === 'awaiting' && now < window.start.at;
}

/**
 * Edits a planned window's runbook before it opens: a step's title, owner role or planned minutes changed, a
 * step added after another (or at the end of its phase), or one removed. Only its planners may; the card's
 * revision guards against an edit drawn on an older runbook; a retried edit changes nothing.
 */
export function editRunbook(window: CutoverWindow, state: GoNoGoState, workload: Workload, request: { edit: RunbookEdit; rev: number; actor: Person; now: string }): WindowDecision {
  const { edit } = request;
  const steps = window.steps;
  const find = (id: string): RunbookStep | undefined => steps.find((s) => s.id === id);
  // A retry of what is already done is answered first, whatever changed since.
  if (edit.op === 'remove' && !find(edit.stepId)) return { kind: 'unchanged', window };
  if (edit.op === 'add' && find(addedStepId(request.rev))?.title === edit.title.trim()) return { kind: 'unchanged', window };
  if (!PLANNER_ROLES.some((r) => holdsRole(workload, r, request.actor.aadObjectId))) {
    return refuse('Only the project manager or the migration engineer of this workload can edit the runbook.', window);
  }
  if (!runbookEditable(window, state, request.now)) {
    return refuse(`The runbook of window ${window.number} is fixed: it can be edited only before the window opens (go from everyone) and before it starts.`, window);
  }
  if (request.rev !== window.rev) return refuse(`The runbook of window ${window.number} changed since this card was drawn; here it is now. Check it and edit again.`, window);
  const title = (text: string): string => text.normalize('NFKC').trim().replace(/\s+/g, ' ');
  const minutesOf = (text: string): number | undefined => {
    const n = Number(text.trim());
    return text.trim() !== '' && Number.isInteger(n) && n >= 1 && n <= MAX_STEP_MINUTES ? n : undefined;
  };
  const checkFields = (
    fields: { title: string; ownerRole: string; minutes: string },
    current?: RunbookStep,
  ): { ok: true; step: Pick<RunbookStep, 'title' | 'ownerRole' | 'plannedMinutes'> } | { ok: false; message: string } => {
    const t = title(fields.title) || current?.title || '';
    if (!t) return { ok: false, message: 'Give the step a title.' };
    if ([...t].length > MAX_STEP_TITLE) return { ok: false, message: `Keep a step title under ${MAX_STEP_TITLE} characters.` };
    const role = fields.ownerRole.trim() || current?.ownerRole || '';
    if (!isRole(role)) return { ok: false, message: 'Pick the role that owns the step.' };
    const minutes = fields.minutes.trim() === '' && current ? current.plannedMinutes : minutesOf(fields.minutes);
    if (minutes === undefined) return { ok: false, message: `Give the planned time in whole minutes, 1 to ${MAX_STEP_MINUTES}.` };
    return { ok: true, step: { title: t, ownerRole: role, plannedMinutes: minutes } };
  };
  let updated: RunbookStep[];
  let what: string;
  if (edit.op === 'edit') {
    const target = find(edit.stepId);
    if (!target) return refuse('That step is not part of this runbook.', window);
    const checked = checkFields(edit, target);
    if (!checked.ok) return refuse(checked.message, window);
    const next = { ...target, ...checked.step };
    if (next.title === target.title && next.ownerRole === target.ownerRole && next.plannedMinutes === target.plannedMinutes) return { kind: 'unchanged', window };
    updated = steps.map((s) => (s.id === target.id ? next : s));
    what = `edited step "${next.title}" (${ROLE_TITLES[next.ownerRole]}, ${next.plannedMinutes} min)`;
  } else if (edit.op === 'add') {
    const after = edit.afterStepId ? find(edit.afterStepId) : undefined;
    if (edit.afterStepId && !after) return refuse('That step is not part of this runbook.', window);
    const checked = checkFields(edit);
    if (!checked.ok) return refuse(checked.message, window);
    const phase = after?.phase ?? edit.phase;
    const added: RunbookStep = { id: addedStepId(window.rev), ...checked.step, phase, status: 'pending' };
    const at = after ? steps.indexOf(after) + 1 : steps.reduce((last, s, i) => (s.phase === phase ? i + 1 : last), phase === 'forward' ? 0 : steps.length);
    updated = [...steps.slice(0, at), added, ...steps.slice(at)];
    what = `added step "${added.title}" (${ROLE_TITLES[added.ownerRole]}, ${added.plannedMinutes} min)${after ? ` after "${after.title}"` : ''}`;
  } else {
    const target = find(edit.stepId)!;
    if (target.phase === 'forward' && steps.filter((s) => s.phase === 'forward').length === 1) return refuse('A runbook keeps at least one step that releases.', window);
    updated = steps.filter((s) => s.id !== target.id);
    what = `removed step "${target.title}"`;
  }
  return {
    kind: 'changed',
    window: { ...window, steps: updated, rev: window.rev + 1 },
    event: {
      workloadId: window.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: 'window.runbookEdited',
      windowId: window.windowId,
      summary: `${request.actor.name} ${what} in the runbook of window ${window.number}.`,
    },
  };
}
