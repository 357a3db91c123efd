import { createHash } from 'node:crypto';
import type { ZonedMoment } from '../cutover/model';
import { ROLES, ROLE_TITLES, type Person, type Role, type Workload } from '../release/model';
import { holdsRole } from '../release/rules';
import { formatWallClock } from '../shared/dates';
import { canonicalTimeZone, parseLocal, readInZone } from '../shared/zonedTime';
import type { Audience, NoticeContent, NoticeKind, PersonAddress } from './model';
import { checkTitleAndBody, mayCompose, noticeIdOf } from './rules';

/**
 * The communication plan of a workload: notices planned ahead, each with its kind, its audience and when it
 * goes (a time in a zone, or relative to a milestone of the release window). Pure rules: no I/O, no clock.
 */

export const PLAN_KINDS = ['ahead', 'reminder', 'start', 'after', 'goLive', 'rollback'] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];

export const PLAN_KIND_TITLES: Record<PlanKind, string> = {
  ahead: 'Ahead of the change',
  reminder: 'Window reminder',
  start: 'At the start',
  after: 'After the change',
  goLive: 'Go-live',
  rollback: 'Rollback',
};

/** The notice kind a planned notice goes out as: an "ahead of the change" notice is an upcoming change, which passes the communication gate. */
export const NOTICE_KIND_OF: Record<PlanKind, NoticeKind> = {
  ahead: 'upcomingChange',
  reminder: 'upcomingChange',
  start: 'downtime',
  after: 'general',
  goLive: 'goLive',
  rollback: 'rollback',
};

export const MILESTONES = ['windowStart', 'windowEnd', 'finished', 'rolledBack'] as const;
export type Milestone = (typeof MILESTONES)[number];

export const MILESTONE_TITLES: Record<Milestone, string> = {
  windowStart: "the release window's start",
  windowEnd: "the release window's end",
  finished: 'the window finishing (go-live)',
  rolledBack: 'the window being rolled back',
};

/** When a planned notice goes: at a moment typed in a zone, or offset from a milestone (negative: before it). */
export type PlanTiming = { kind: 'at'; local: string; timeZone: string; at: string } | { kind: 'milestone'; milestone: Milestone; offsetMinutes: number };

/** Who a planned notice goes to, by role of the workload and by place; resolved into a notice audience when it is sent. */
export interface PlanAudience {
  /** Holders of these roles of the workload, 1:1. */
  roles: Role[];
  /** The workload's own channel or chat. */
  conversation: boolean;
  /** Every member of the workload's team 1:1 (in a chat: the chat). */
  team: boolean;
  everyone: boolean;
  channelIds: string[];
  people: PersonAddress[];
}

/** ready: goes when due; awaitingApproval: a second change manager approves first; off: turned off; sent: gone out as `noticeId`. */
export type PlannedState = 'ready' | 'awaitingApproval' | 'off' | 'sent';

export interface PlannedNotice {
  /** Stable within the plan: cards name entries by it. */
  id: string;
  kind: PlanKind;
  title: string;
  body: string;
  audience: PlanAudience;
  timing: PlanTiming;
  state: PlannedState;
  /** Drafted by Liftoff for a release window, or planned by a person. */
  source: 'manual' | 'window';
  /** For a window notice: the window it is about. */
  windowId?: string;
  /** The notice it becomes, by natural id: a due-check repeated after a crash finds it instead of sending twice. */
  noticeId: string;
  /** Who wrote the current text (the author of the notice it becomes). */
  editedBy: Person;
  editedAt: string;
  approvedBy?: Person;
  sentAt?: string;
  /** Role holders and places Liftoff could not reach when it went out. */
  unreached?: string[];
  /** When it is due, derived from its timing and the window; absent while its milestone is unknown. */
  dueAt?: string;
  /** Increases with every change; cards carry it. */
  rev: number;
}

/** The release window as the plan follows it: its times and state, copied when the window changes. */
export interface WindowMilestones {
  windowId: string;
  number: number;
  state: 'planned' | 'finished' | 'rolledBack';
  /** A no-go holds the window: notices about its start and end wait. */
  held: boolean;
  start: ZonedMoment;
  end: ZonedMoment;
  finishedAt?: string;
  rolledBackAt?: string;
}

/** One document per workload, id `commplan`, in the workload's partition. */
export interface CommPlan {
  id: string;
  workloadId: string;
  type: 'commPlan';
  tenantId: string;
  workloadName: string;
  entries: PlannedNotice[];
  window?: WindowMilestones;
  /** The workload's notice audience: what Liftoff's window notices go to unless edited. */
  defaultAudience: PlanAudience;
  /** The Bot Connector address of the workload's conversation, learnt from the turns that touch the plan. */
  serviceUrl?: string;
  /** Role holders' Teams addresses, learnt from rosters, by AAD object id. */
  addresses: Record<string, PersonAddress>;
  /** The earliest due time of a ready entry: the due-check looks for plans whose time has come. */
  nextDueAt?: string;
  rev: number;
  _etag?: string;
}

export const PLAN_DOC_ID = 'commplan';
export const MAX_ENTRIES = 20;
const MINUTE_MS = 60_000;
export const WINDOW_SLOTS = ['reminder', 'start', 'goLive', 'rollback'] as const;
export type WindowSlot = (typeof WINDOW_SLOTS)[number];

export const workloadAudience = (): PlanAudience => ({ roles: [], conversation: true, team: false, everyone: false, channelIds: [], people: [] });

export function emptyPlan(workload: Workload): CommPlan {
  return {
    id: PLAN_DOC_ID,
    workloadId: workload.workloadId,
    type: 'commPlan',
    tenantId: workload.scope.tenantId,
    workloadName: workload.name,
    entries: [],
    defaultAudience: workloadAudience(),
    addresses: {},
    rev: 0,
  };
}

/** The natural notice id of a planned notice: six base36 characters from the workload and the entry. */
export function plannedNoticeId(workloadId: string, entryId: string): string {
  const digest = createHash('sha256').update(`${workloadId}|${entryId}`).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return noticeIdOf(workloadId, [...digest.subarray(0, 6)].map((b) => alphabet[b % alphabet.length]).join(''));
}

/** When a planned notice is due, given the window it follows; undefined while it cannot be known (or must not go). */
export function dueAtOf(timing: PlanTiming, window: WindowMilestones | undefined): string | undefined {
  if (timing.kind === 'at') return timing.at;
  if (!window) return undefined;
  const plus = (iso: string | undefined): string | undefined => (iso ? new Date(Date.parse(iso) + timing.offsetMinutes * MINUTE_MS).toISOString() : undefined);
  switch (timing.milestone) {
    case 'windowStart':
      return window.state === 'planned' && !window.held ? plus(window.start.at) : undefined;
    case 'windowEnd':
      return (window.state === 'planned' && !window.held) || window.state === 'finished' ? plus(window.end.at) : undefined;
    case 'finished':
      return window.state === 'finished' ? plus(window.finishedAt) : undefined;
    case 'rolledBack':
      return window.state === 'rolledBack' ? plus(window.rolledBackAt) : undefined;
  }
}

/** The plan with every entry's due time and the plan's next due time derived again (after any change to entries or the window). */
export function derive(plan: CommPlan): CommPlan {
  const entries = plan.entries.map((e): PlannedNotice => {
    const { dueAt: _old, ...rest } = e;
    const dueAt = e.state === 'sent' ? e.dueAt : dueAtOf(e.timing, plan.window);
    return dueAt ? { ...rest, dueAt } : rest;
  });
  const due = entries
    .filter((e) => e.state === 'ready' && e.dueAt)
    .map((e) => e.dueAt!)
    .sort();
  const { nextDueAt: _next, ...rest } = plan;
  return { ...rest, entries, ...(due[0] ? { nextDueAt: due[0] } : {}) };
}

/** Ready entries whose time has come, earliest first. */
export function dueEntries(plan: CommPlan, now: string): PlannedNotice[] {
  return derive(plan)
    .entries.filter((e) => e.state === 'ready' && e.dueAt !== undefined && e.dueAt <= now)
    .sort((a, b) => a.dueAt!.localeCompare(b.dueAt!));
}

/** The next entry to go and how many are planned, as the checklist shows it. */
export function planSummary(plan: CommPlan | undefined): { planned: number; sent: number; next?: PlannedNotice } {
  if (!plan) return { planned: 0, sent: 0 };
  const derived = derive(plan);
  const waiting = derived.entries.filter((e) => e.state === 'ready' || e.state === 'awaitingApproval');
  const next = waiting.filter((e) => e.dueAt).sort((a, b) => a.dueAt!.localeCompare(b.dueAt!))[0] ?? waiting[0];
  return { planned: waiting.length, sent: derived.entries.filter((e) => e.state === 'sent').length, ...(next ? { next } : {}) };
}

/** A change to a plan carries the audit line it writes in the same batch. */
export interface PlanEvent {
  actor: Person;
  summary: string;
}

/** What the checklist shows of a plan, kept on the workload document (see WorkloadSummaries). */
export interface PlanSummaryLine {
  planned: number;
  sent: number;
  next?: { title: string; when: string };
}

export function planSummaryLine(plan: CommPlan): PlanSummaryLine {
  const { planned, sent, next } = planSummary(plan);
  return { planned, sent, ...(next ? { next: { title: next.title, when: timingText(next.timing) } } : {}) };
}

export type PlanResult =
  { kind: 'changed'; plan: CommPlan; entry?: PlannedNotice; event?: PlanEvent } | { kind: 'unchanged'; plan: CommPlan; entry?: PlannedNotice } | { kind: 'refused'; message: string; plan: CommPlan };

const refuse = (plan: CommPlan, message: string): PlanResult => ({ kind: 'refused', message, plan });

/** The edit card's timing choices, as strings, untrusted. */
export interface TimingInput {
  /** at | beforeStart | atStart | afterStart | beforeEnd | atEnd | afterEnd | finished | rolledBack */
  when: string;
  amount: string;
  unit: string;
  date: string;
  time: string;
  timeZone: string;
}

const RELATIVE: Record<string, { milestone: Milestone; sign: -1 | 0 | 1 }> = {
  beforeStart: { milestone: 'windowStart', sign: -1 },
  atStart: { milestone: 'windowStart', sign: 0 },
  afterStart: { milestone: 'windowStart', sign: 1 },
  beforeEnd: { milestone: 'windowEnd', sign: -1 },
  atEnd: { milestone: 'windowEnd', sign: 0 },
  afterEnd: { milestone: 'windowEnd', sign: 1 },
  finished: { milestone: 'finished', sign: 0 },
  rolledBack: { milestone: 'rolledBack', sign: 0 },
};

/** Reads the timing typed on the edit card: a date and time to come in a zone, or N hours or days before or after a milestone. */
export function checkTiming(input: TimingInput, now: string): { ok: true; timing: PlanTiming } | { ok: false; message: string } {
  const when = input.when.trim();
  if (when === 'at') {
    const timeZone = canonicalTimeZone(input.timeZone.trim() || 'UTC');
    if (!timeZone) return { ok: false, message: 'Pick a time zone Liftoff knows for the time to send, such as Europe/Paris or UTC.' };
    const local = parseLocal(input.date, input.time || '00:00');
    if (!local.ok) return { ok: false, message: 'Give the time to send as a date and a time (YYYY-MM-DD and HH:MM).' };
    const read = readInZone(local.wall, timeZone);
    if (read.kind === 'skipped') return { ok: false, message: `The clocks skip ${input.date} ${input.time} in ${timeZone}; pick another time to send.` };
    if (read.at <= Date.parse(now)) return { ok: false, message: 'The time to send has passed; pick a time to come.' };
    return { ok: true, timing: { kind: 'at', local: `${input.date.trim()}T${(input.time.trim() || '00:00').slice(0, 5)}`, timeZone, at: new Date(read.at).toISOString() } };
  }
  const relative = RELATIVE[when];
  if (!relative) return { ok: false, message: 'Pick when the notice goes: at a date and time, or relative to the release window.' };
  if (relative.sign === 0) return { ok: true, timing: { kind: 'milestone', milestone: relative.milestone, offsetMinutes: 0 } };
  const amount = Number(input.amount.trim());
  if (!/^\d{1,3}$/.test(input.amount.trim()) || amount < 1) return { ok: false, message: 'Say how many hours or days, as a whole number from 1 to 999.' };
  const unit = input.unit.trim() === 'days' ? 1440 : input.unit.trim() === 'hours' ? 60 : 0;
  if (!unit) return { ok: false, message: 'Pick hours or days.' };
  if (amount * unit > 90 * 1440) return { ok: false, message: 'Plan a notice at most 90 days from the window.' };
  return { ok: true, timing: { kind: 'milestone', milestone: relative.milestone, offsetMinutes: relative.sign * amount * unit } };
}

/** The timing in words: "Sat 5 Dec 2026, 10:00 Europe/Paris", "24 hours before the release window's start". */
export function timingText(timing: PlanTiming): string {
  if (timing.kind === 'at') return formatWallClock(timing.local, timing.timeZone);
  const minutes = Math.abs(timing.offsetMinutes);
  if (minutes === 0) return `at ${MILESTONE_TITLES[timing.milestone]}`;
  const amount = minutes % 1440 === 0 ? `${minutes / 1440} day${minutes === 1440 ? '' : 's'}` : `${Math.round(minutes / 60)} hour${minutes === 60 ? '' : 's'}`;
  return `${amount} ${timing.offsetMinutes < 0 ? 'before' : 'after'} ${MILESTONE_TITLES[timing.milestone]}`;
}

/** The audience in words. */
export function planAudienceText(audience: PlanAudience): string {
  const parts: string[] = [];
  if (audience.conversation) parts.push("the workload's channel or chat");
  if (audience.team) parts.push('the whole team');
  for (const role of audience.roles) parts.push(`${ROLE_TITLES[role]} holders`);
  if (audience.channelIds.length) parts.push(`${audience.channelIds.length} channel${audience.channelIds.length === 1 ? '' : 's'}`);
  if (audience.people.length) parts.push(`${audience.people.length} ${audience.people.length === 1 ? 'person' : 'people'}`);
  if (audience.everyone) parts.push('everyone who has Liftoff installed');
  return parts.length ? parts.join(', ') : 'nobody yet';
}

export const planAudienceIsEmpty = (a: PlanAudience): boolean => !a.conversation && !a.team && !a.everyone && a.roles.length === 0 && a.channelIds.length === 0 && a.people.length === 0;

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

export interface EntryInput {
  entryId: string;
  kind: string;
  title: string;
  body: string;
  audience: PlanAudience;
  timing: PlanTiming;
  /** The revision of the entry the edit card was drawn from; 0 for a new entry. */
  rev: number;
}

const clean = (value: string): string => value.normalize('NFC').trim();

/** Why this person cannot plan the workload's notices, or undefined when they can: change managers and project managers plan. */
export function cannotPlan(workload: Workload, actor: Person): string | undefined {
  return mayCompose(workload, actor.aadObjectId)
    ? undefined
    : `Only a change manager or the project manager of ${workload.name} can plan its notices. The project manager can assign the role with "roles ${workload.name}".`;
}

/** Checks what was typed for a planned notice: its kind, title, body and audience. */
export function checkEntry(input: Pick<EntryInput, 'kind' | 'title' | 'body' | 'audience'>): { ok: true; kind: PlanKind; title: string; body: string } | { ok: false; message: string } {
  const kind = clean(input.kind) as PlanKind;
  if (!PLAN_KINDS.includes(kind)) return { ok: false, message: 'Pick what kind of notice this is.' };
  const text = checkTitleAndBody(input.title, input.body);
  if (!text.ok) return text;
  const { title, body } = text;
  if (planAudienceIsEmpty(input.audience)) return { ok: false, message: "Choose who gets the notice: the workload's channel, the team, roles, channels, people or everyone." };
  return { ok: true, kind, title, body };
}

/** Saves a planned notice, new or edited, before it is sent; an edit needs approving again when approval is required. */
export function saveEntry(plan: CommPlan, request: { workload: Workload; actor: Person; input: EntryInput; approvalRequired: boolean; now: string }): PlanResult {
  const { input, workload, actor } = request;
  const refused = cannotPlan(workload, actor);
  if (refused) return refuse(plan, refused);
  const checked = checkEntry(input);
  if (!checked.ok) return refuse(plan, checked.message);
  const { kind, title, body } = checked;
  const current = plan.entries.find((e) => e.id === input.entryId);
  const same = (e: PlannedNotice): boolean =>
    e.kind === kind && e.title === title && e.body === body && JSON.stringify(e.audience) === JSON.stringify(input.audience) && JSON.stringify(e.timing) === JSON.stringify(input.timing);
  if (current) {
    if (current.state === 'sent') return refuse(plan, `"${current.title}" has already gone out; compose a new notice to follow it up.`);
    if (same(current)) return { kind: 'unchanged', plan, entry: current };
    if (input.rev !== current.rev) return refuse(plan, `"${current.title}" changed since this card was drawn; here is the current plan.`);
  } else if (plan.entries.length >= MAX_ENTRIES) {
    return refuse(plan, `A plan holds at most ${MAX_ENTRIES} notices.`);
  }
  const state: PlannedState = current?.state === 'off' ? 'off' : request.approvalRequired ? 'awaitingApproval' : 'ready';
  const entry: PlannedNotice = {
    ...(current ?? { id: input.entryId, source: 'manual' as const, noticeId: plannedNoticeId(plan.workloadId, input.entryId), rev: 0 }),
    kind,
    title,
    body,
    audience: input.audience,
    timing: input.timing,
    state,
    editedBy: actor,
    editedAt: request.now,
    rev: (current?.rev ?? 0) + 1,
  };
  delete entry.approvedBy;
  const entries = current ? plan.entries.map((e) => (e.id === entry.id ? entry : e)) : [...plan.entries, entry];
  const next = derive({ ...plan, entries, rev: plan.rev + 1 });
  const summary = `${actor.name} ${current ? 'edited' : 'planned'} the notice "${title}" (${PLAN_KIND_TITLES[kind]}, ${timingText(input.timing)}, to ${planAudienceText(input.audience)}).`;
  return { kind: 'changed', plan: next, entry: next.entries.find((e) => e.id === entry.id)!, event: { actor, summary } };
}

const entryOf = (plan: CommPlan, entryId: string): PlannedNotice | undefined => plan.entries.find((e) => e.id === entryId);

function replace(plan: CommPlan, entry: PlannedNotice, event: PlanEvent): PlanResult {
  const next = derive({ ...plan, entries: plan.entries.map((e) => (e.id === entry.id ? entry : e)), rev: plan.rev + 1 });
  return { kind: 'changed', plan: next, entry: entryOf(next, entry.id)!, event };
}

/** A second change manager approves a planned notice; it then goes when due (at once when its time has passed). */
export function approveEntry(plan: CommPlan, request: { workload: Workload; actor: Person; entryId: string }): PlanResult {
  const entry = entryOf(plan, request.entryId);
  if (!entry) return refuse(plan, 'That planned notice is no longer in the plan.');
  if (entry.state === 'ready' && entry.approvedBy?.aadObjectId === request.actor.aadObjectId) return { kind: 'unchanged', plan, entry };
  if (entry.state !== 'awaitingApproval') return refuse(plan, `"${entry.title}" is not waiting for approval.`);
  if (!holdsRole(request.workload, 'changeManager', request.actor.aadObjectId)) return refuse(plan, 'Only a change manager of this workload can approve a planned notice.');
  if (entry.editedBy.aadObjectId === request.actor.aadObjectId) return refuse(plan, `A second change manager must approve "${entry.title}"; the person who wrote it cannot approve it.`);
  return replace(
    plan,
    { ...entry, state: 'ready', approvedBy: request.actor, rev: entry.rev + 1 },
    { actor: request.actor, summary: `${request.actor.name} approved the planned notice "${entry.title}".` },
  );
}

/** Turns a planned notice off (it is not sent), or on again (ready, or waiting for approval when approval is required). */
export function switchEntry(plan: CommPlan, request: { workload: Workload; actor: Person; entryId: string; on: boolean; approvalRequired: boolean }): PlanResult {
  const entry = entryOf(plan, request.entryId);
  if (!entry) return refuse(plan, 'That planned notice is no longer in the plan.');
  if (!mayCompose(request.workload, request.actor.aadObjectId)) return refuse(plan, 'Only a change manager or the project manager of this workload can turn planned notices off or on.');
  if (entry.state === 'sent') return refuse(plan, `"${entry.title}" has already gone out.`);
  const event = { actor: request.actor, summary: `${request.actor.name} turned the planned notice "${entry.title}" ${request.on ? 'on' : 'off'}.` };
  if (!request.on) return entry.state === 'off' ? { kind: 'unchanged', plan, entry } : replace(plan, { ...entry, state: 'off', rev: entry.rev + 1 }, event);
  if (entry.state !== 'off') return { kind: 'unchanged', plan, entry };
  const approved = !request.approvalRequired || entry.approvedBy !== undefined;
  return replace(plan, { ...entry, state: approved ? 'ready' : 'awaitingApproval', rev: entry.rev + 1 }, event);
}

/** Records that a planned notice went out as its notice. */
export function markSent(plan: CommPlan, entryId: string, now: string, unreached: string[] = []): PlanResult {
  const entry = entryOf(plan, entryId);
  if (!entry) return refuse(plan, 'That planned notice is no longer in the plan.');
  if (entry.state === 'sent') return { kind: 'unchanged', plan, entry };
  return replace(
    plan,
    { ...entry, state: 'sent', sentAt: now, ...(entry.dueAt ? {} : { dueAt: now }), ...(unreached.length ? { unreached } : {}), rev: entry.rev + 1 },
    { actor: entry.editedBy, summary: `The planned notice "${entry.title}" went out as notice ${entry.noticeId}.` },
  );
}

/** Learns where the workload's conversation is and the Teams addresses of role holders, from a turn's roster. */
export function learnAddresses(plan: CommPlan, workload: Workload, seen: { serviceUrl: string; members: PersonAddress[] }): PlanResult {
  const holders = new Set(ROLES.flatMap((r) => workload.roles[r].map((p) => p.aadObjectId)));
  const addresses = { ...plan.addresses };
  for (const m of seen.members) if (holders.has(m.aadObjectId)) addresses[m.aadObjectId] = m;
  const next = { ...plan, serviceUrl: seen.serviceUrl, addresses };
  return JSON.stringify(next) === JSON.stringify(plan) ? { kind: 'unchanged', plan } : { kind: 'changed', plan: { ...next, rev: plan.rev + 1 } };
}

export interface WindowDraftOptions {
  /** How long before the window's start the reminder goes. */
  reminderLeadHours: number;
  approvalRequired: boolean;
  now: string;
}

const SLOT_TIMING = (leadHours: number): Record<WindowSlot, PlanTiming> => ({
  reminder: { kind: 'milestone', milestone: 'windowStart', offsetMinutes: -Math.round(leadHours * 60) },
  start: { kind: 'milestone', milestone: 'windowStart', offsetMinutes: 0 },
  goLive: { kind: 'milestone', milestone: 'finished', offsetMinutes: 0 },
  rollback: { kind: 'milestone', milestone: 'rolledBack', offsetMinutes: 0 },
});

function windowText(slot: WindowSlot, name: string, w: WindowMilestones): { title: string; body: string } {
  const start = formatWallClock(w.start.local, w.start.timeZone);
  const end = formatWallClock(w.end.local, w.end.timeZone);
  switch (slot) {
    case 'reminder':
      return { title: `Reminder: ${name} moves on ${start}`, body: `The release window of ${name} runs from ${start} to ${end}. Expect the service to be unavailable or read-only during it.` };
    case 'start':
      return { title: `${name}: the release window has started`, body: `The release window of ${name} started; it runs until ${end}. Writes are frozen while traffic moves to the new deployment.` };
    case 'goLive':
      return { title: `${name} is live`, body: `The release window of ${name} is finished: traffic now goes to the new deployment. Report anything unusual to the change manager.` };
    case 'rollback':
      return {
        title: `${name}: the change was rolled back`,
        body: `The release window of ${name} was rolled back: users are served by the previous deployment as before. A new window will be announced.`,
      };
  }
}

const slotOf = (entry: PlannedNotice): WindowSlot | undefined => (entry.source === 'window' ? WINDOW_SLOTS.find((s) => entry.id.endsWith(`-${s}`)) : undefined);

/**
 * Follows the latest release window: its times re-time every milestone-relative notice; a newly planned window gets
 * Liftoff's drafts (reminder, start, go-live, rollback) to the workload's notice audience. Drafts not yet sent for an
 * earlier window (held, or moved) follow the new one with their edits; those already sent stay as they were.
 */
export function followWindow(plan: CommPlan, window: WindowMilestones, author: Person, options: WindowDraftOptions): PlanResult {
  let entries = plan.entries;
  if (window.state === 'planned') {
    const timing = SLOT_TIMING(options.reminderLeadHours);
    for (const slot of WINDOW_SLOTS) {
      if (entries.some((e) => slotOf(e) === slot && e.windowId === window.windowId)) continue;
      const earlier = entries.find((e) => slotOf(e) === slot && e.state !== 'sent');
      if (earlier) {
        entries = entries.map((e) => (e === earlier ? { ...e, windowId: window.windowId, rev: e.rev + 1 } : e));
        continue;
      }
      const id = `${window.windowId}-${slot}`;
      entries = [
        ...entries,
        {
          id,
          kind: slot,
          ...windowText(slot, plan.workloadName, window),
          audience: plan.defaultAudience,
          timing: timing[slot],
          state: options.approvalRequired ? 'awaitingApproval' : 'ready',
          source: 'window',
          windowId: window.windowId,
          noticeId: plannedNoticeId(plan.workloadId, id),
          editedBy: author,
          editedAt: options.now,
          rev: 1,
        },
      ];
    }
  }
  const next = derive({ ...plan, entries, window });
  if (JSON.stringify(next) === JSON.stringify(derive(plan))) return { kind: 'unchanged', plan };
  const drafted = entries.length - plan.entries.length;
  const summary = `Release window ${window.number} (${window.state === 'planned' ? (window.held ? 'held' : 'planned') : window.state === 'finished' ? 'finished' : 'rolled back'}): ${
    drafted ? `Liftoff drafted ${drafted} window notice${drafted === 1 ? '' : 's'}; ` : ''
  }the plan's milestone notices follow its times.`;
  return { kind: 'changed', plan: { ...next, rev: plan.rev + 1 }, event: { actor: author, summary } };
}

/** What a planned notice says when it goes: its text, and the window's times when it is about the window. */
export function plannedContent(entry: PlannedNotice, window: WindowMilestones | undefined): NoticeContent {
  const about = window && (entry.kind === 'reminder' || entry.kind === 'start');
  return {
    kind: NOTICE_KIND_OF[entry.kind],
    title: entry.title,
    body: entry.body,
    ...(about ? { startsAt: window.start.local.replace(' ', 'T'), endsAt: window.end.local.replace(' ', 'T'), timeZone: window.start.timeZone } : {}),
  };
}

/**
 * The notice audience a planned audience names for this workload now: role holders as they are today, reached at
 * the addresses the plan learnt (or their personal chat); those Liftoff cannot reach yet are named in `unreached`.
 */
export function resolveAudience(
  audience: PlanAudience,
  workload: Workload,
  known: { serviceUrl?: string; addresses: Record<string, PersonAddress>; personal: Record<string, PersonAddress> },
): { audience: Audience; unreached: string[] } {
  const inTeam = workload.scope.scopeId !== workload.scope.conversationId;
  const here = (audience.conversation || (audience.team && !inTeam)) && known.serviceUrl ? { conversationId: workload.scope.conversationId, serviceUrl: known.serviceUrl } : undefined;
  const people = new Map<string, PersonAddress>(audience.people.map((p) => [p.aadObjectId, p]));
  const unreached: string[] = [];
  if ((audience.conversation || (audience.team && !inTeam)) && !known.serviceUrl) unreached.push("the workload's channel or chat");
  for (const role of audience.roles) {
    for (const holder of workload.roles[role]) {
      const address = known.addresses[holder.aadObjectId] ?? known.personal[holder.aadObjectId];
      if (address) people.set(holder.aadObjectId, address);
      else if (!people.has(holder.aadObjectId)) unreached.push(holder.name);
    }
  }
  return {
    audience: {
      ...(here ? { here } : {}),
      channelIds: audience.channelIds,
      teamIds: audience.team && inTeam ? [workload.scope.scopeId] : [],
      people: [...people.values()],
      everyone: audience.everyone,
    },
    unreached: [...new Set(unreached)],
  };
}
