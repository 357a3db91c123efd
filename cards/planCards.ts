import planTemplate from './templates/commPlan.json';
import planEditTemplate from './templates/commPlanEdit.json';
import { CommPlan, derive, PLAN_KINDS, PLAN_KIND_TITLES, PlannedNotice, planAudienceText, planSummary, timingText, WindowMilestones } from '../bot/broadcast/plan';
import { ROLES, ROLE_TITLES } from '../bot/release/model';
import { formatWallClock, formatWhen } from '../bot/shared/dates';
import { TIME_ZONES } from '../bot/shared/zonedTime';
import { Card, expand, Notice, noticeFields } from './render';
import { personText } from './text';

const STATE_TEXT: Record<PlannedNotice['state'], string> = {
  ready: 'Ready: goes when due',
  awaitingApproval: 'Waiting for a second change manager to approve',
  off: 'Turned off: will not be sent',
  sent: 'Sent',
};

const ICON: Record<PlannedNotice['state'], string> = { ready: '🕒', awaitingApproval: '✋', off: '⏸️', sent: '✅' };

function whenText(entry: PlannedNotice, timeZone?: string, window?: WindowMilestones): string {
  const due = entry.dueAt ? formatWhen(entry.dueAt, timeZone) : undefined;
  if (entry.state === 'sent') return `Sent ${formatWhen(entry.sentAt ?? entry.dueAt ?? '', timeZone)} (${timingText(entry.timing)})`;
  if (entry.timing.kind === 'at') return timingText(entry.timing);
  if (due) return `${timingText(entry.timing)}: ${due}`;
  // Go-live and rollback have no time ahead: with a window planned, say which one they follow.
  const upcoming = window?.state === 'planned' && !window.held ? window.number : undefined;
  if (upcoming && entry.timing.milestone === 'finished') return `${timingText(entry.timing)}: when window ${upcoming} finishes`;
  if (upcoming && entry.timing.milestone === 'rolledBack') return `${timingText(entry.timing)}: only if window ${upcoming} is rolled back`;
  return `${timingText(entry.timing)}: waits for the release window`;
}

function stateText(entry: PlannedNotice, now: string): string {
  const late = entry.state === 'awaitingApproval' && entry.dueAt !== undefined && entry.dueAt <= now ? '; it was due, and goes once approved' : '';
  const unreached = entry.state === 'sent' && entry.unreached?.length ? `; not reached: ${entry.unreached.join(', ')}` : '';
  return `${STATE_TEXT[entry.state]}${late}${unreached}${entry.approvedBy ? ` (approved by ${entry.approvedBy.name})` : ''}`;
}

/** The plan card: every planned notice, when it goes and to whom, with its buttons; optionally one previewed. */
export function renderPlan(plan: CommPlan, view: { now: string; timeZone?: string; preview?: string; approvalRequired: boolean }, notice?: Notice): Card {
  const derived = derive(plan);
  const { planned, sent, next } = planSummary(plan);
  const window = derived.window;
  const windowLine = window
    ? ` Window notices follow release window ${window.number} (${formatWallClock(window.start.local, window.start.timeZone)}, ${window.held ? 'held by a no-go' : window.state === 'planned' ? 'planned' : window.state === 'finished' ? 'finished' : 'rolled back'}).`
    : ' When a release window is planned, Liftoff drafts its reminder, start, go-live and rollback notices here.';
  const nextLine = next ? ` Next: "${personText(next.title, 80)}", ${whenText(next, view.timeZone, window)}.` : '';
  const previewed = derived.entries.find((e) => e.id === view.preview);
  return expand(planTemplate, {
    ...noticeFields(notice),
    workloadId: plan.workloadId,
    title: `Communication plan: ${personText(plan.workloadName, 80)}`,
    summary: `${planned} planned, ${sent} sent.${nextLine}${windowLine}${view.approvalRequired ? ' Each planned notice needs a second change manager to approve it before it goes.' : ''}`,
    previewTitle: previewed ? personText(previewed.title) : '',
    previewBody: previewed ? personText(previewed.body) : '',
    previewWhen: previewed ? whenText(previewed, view.timeZone, window) : '',
    previewTo: previewed ? planAudienceText(previewed.audience) : '',
    entries: derived.entries.map((e) => ({
      id: e.id,
      icon: ICON[e.state],
      heading: `${PLAN_KIND_TITLES[e.kind]}: ${personText(e.title, 120)}`,
      when: whenText(e, view.timeZone, window),
      to: planAudienceText(e.audience),
      state: stateText(e, view.now),
      editable: e.state !== 'sent',
      approvable: e.state === 'awaitingApproval',
      switchTitle: e.state === 'off' ? 'Turn on' : 'Turn off',
      switchTo: e.state === 'off' ? 'true' : 'false',
      noticeId: e.state === 'sent' ? e.noticeId : '',
    })),
  });
}

const WHENS: Array<{ title: string; value: string }> = [
  { title: 'At a date and time', value: 'at' },
  { title: "Before the release window's start", value: 'beforeStart' },
  { title: "At the release window's start", value: 'atStart' },
  { title: "After the release window's start", value: 'afterStart' },
  { title: "Before the release window's end", value: 'beforeEnd' },
  { title: "At the release window's end", value: 'atEnd' },
  { title: "After the release window's end", value: 'afterEnd' },
  { title: 'When the window finishes (go-live)', value: 'finished' },
  { title: 'When the window is rolled back', value: 'rolledBack' },
];

/** What the edit card shows: an entry being edited, or what was typed when something needs fixing. */
export interface PlanEditData {
  workloadId: string;
  workloadName: string;
  entryId: string;
  rev: number;
  entry?: PlannedNotice;
  typed?: Record<string, string>;
  channels: Array<{ title: string; value: string }>;
  people: Array<{ title: string; value: string }>;
}

function fieldsOf(entry: PlannedNotice | undefined): Record<string, string> {
  if (!entry) return { kind: 'ahead', when: 'at', unit: 'hours', timeZone: 'UTC', conversation: 'true' };
  const t = entry.timing;
  const minutes = t.kind === 'milestone' ? Math.abs(t.offsetMinutes) : 0;
  const days = minutes > 0 && minutes % 1440 === 0;
  const when =
    t.kind === 'at'
      ? 'at'
      : t.milestone === 'finished' || t.milestone === 'rolledBack'
        ? t.milestone
        : `${t.offsetMinutes < 0 ? 'before' : t.offsetMinutes > 0 ? 'after' : 'at'}${t.milestone === 'windowStart' ? 'Start' : 'End'}`;
  return {
    kind: entry.kind,
    title: entry.title,
    body: entry.body,
    when,
    amount: minutes ? String(days ? minutes / 1440 : Math.round(minutes / 60)) : '',
    unit: days ? 'days' : 'hours',
    date: t.kind === 'at' ? t.local.slice(0, 10) : '',
    time: t.kind === 'at' ? t.local.slice(11, 16) : '',
    timeZone: t.kind === 'at' ? t.timeZone : 'UTC',
    conversation: String(entry.audience.conversation),
    team: String(entry.audience.team),
    everyone: String(entry.audience.everyone),
    roles: entry.audience.roles.join(','),
    channels: entry.audience.channelIds.join(','),
    people: entry.audience.people.map((p) => p.aadObjectId).join(','),
  };
}

/** The form a change manager plans or edits a notice with. */
export function renderPlanEdit(data: PlanEditData, notice?: Notice): Card {
  const f = { ...fieldsOf(data.entry), ...data.typed };
  return expand(planEditTemplate, {
    ...noticeFields(notice),
    workloadId: data.workloadId,
    entryId: data.entryId,
    rev: String(data.rev),
    heading: `${data.entry ? 'Edit the planned notice' : 'Plan a notice'}: ${personText(data.workloadName, 80)}`,
    kinds: PLAN_KINDS.map((k) => ({ title: PLAN_KIND_TITLES[k], value: k })),
    whens: WHENS,
    timeZones: [...TIME_ZONES, ...(f.timeZone && !(TIME_ZONES as readonly string[]).includes(f.timeZone) ? [f.timeZone] : [])],
    roleChoices: ROLES.map((r) => ({ title: ROLE_TITLES[r], value: r })),
    channelChoices: data.channels,
    peopleChoices: data.people,
    kind: f.kind ?? 'ahead',
    title: f.title ?? '',
    body: f.body ?? '',
    when: f.when ?? 'at',
    amount: f.amount ?? '',
    unit: f.unit ?? 'hours',
    date: f.date ?? '',
    time: f.time ?? '',
    timeZone: f.timeZone ?? 'UTC',
    conversation: f.conversation ?? 'false',
    team: f.team ?? 'false',
    everyone: f.everyone ?? 'false',
    roles: f.roles ?? '',
    channels: f.channels ?? '',
    people: f.people ?? '',
  });
}
