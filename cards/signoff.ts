import { Template } from 'adaptivecards-templating';
import signoffTemplate from './templates/signoff.json';
import signoffFormTemplate from './templates/signoffForm.json';
import type { Card, Notice } from './render';
import { personText } from './text';
import { formatWhen } from '../bot/shared/dates';
import type { Person, Workload } from '../bot/release/model';
import { isActive, MAX_TESTERS, SignoffCycle } from '../bot/signoff/model';
import { dueLabel, isPastDue, OpenCycleRequest, REJECTION_TEXT, refreshPlan, ruleText, Tally, tallyText, Viewer } from '../bot/signoff/rules';

/*
 * Templates are prepared once: preparing (parsing every ${...}) costs far more than expanding, and
 * sign-off cards are drawn on every decision. A prepared template is only read when expanded.
 */
const SIGNOFF = new Template(signoffTemplate);
const SIGNOFF_FORM = new Template(signoffFormTemplate);

/** Teams refuses cards over about 28 KB; stay clear of it. */
const CARD_BUDGET = 26 * 1024;
const DECISION_ROWS = 30;
const PENDING_NAMES = 25;
const COMMENT_CHARS = 160;

const when = (iso: string): string => formatWhen(iso);
const names = (people: Person[]): string => people.map((p) => p.name).join(', ');

function noticeFields(notice?: Notice): { notice: string; noticeStyle: string } {
  return { notice: notice?.text ?? '', noticeStyle: notice?.tone === 'good' ? 'good' : 'attention' };
}

/**
 * Who a sign-off card is drawn for, and who should get their own view of it:
 * - `shared`: the message everyone sees; pending testers (or the final approvers) get theirs through `refresh.userIds`;
 * - `everyone`: a copy shown elsewhere; anyone who looks at it gets their own view;
 * - a list of Teams user ids: exactly these people (a reminder in a personal chat).
 */
export type RefreshFor = 'shared' | 'everyone' | string[];

export interface SignoffCardInput {
  cycle: SignoffCycle;
  tally: Tally;
  now: string;
  /** What the person the card is drawn for may do; `observer` for the shared card. */
  viewer: Viewer;
  refresh: RefreshFor;
  /**
   * The message everyone sees (posted or updated in the conversation) also offers "Show my buttons":
   * clients that do not refresh cards automatically (the Agents Playground, some older clients) and
   * testers past the 60 that refresh.userIds can hold still reach their buttons.
   */
  message?: boolean;
  /** The person it is drawn for may cancel the cycle (the workload's business owner or project manager): offer "Cancel the cycle". */
  canCancel?: boolean;
  notice?: Notice;
}

function stateOf(cycle: SignoffCycle, t: Tally): { text: string; style: string } {
  switch (cycle.state) {
    case 'open':
      return { text: 'Open: waiting for the testers.', style: 'emphasis' };
    case 'awaitingFinal':
      return { text: `The testers' rule is met. Waiting for the final sign-off by ${names(cycle.finalApprovers)}.`, style: 'warning' };
    case 'passed':
      return {
        text: `Passed: ${cycle.final?.by.name ?? 'the business owner'} gave the final business sign-off ${cycle.final ? when(cycle.final.at) : ''}. Business testing is passed.`,
        style: 'good',
      };
    case 'expired':
      return { text: `Expired: it was due ${dueLabel(cycle.due)} and the sign-off was not complete. Nothing more can be decided on this cycle.`, style: 'attention' };
    case 'cancelled':
      return {
        text: `Cancelled by ${cycle.cancelled?.by.name ?? 'the business owner or the project manager'}: ${personText(cycle.cancelled?.reason ?? '', COMMENT_CHARS)}`,
        style: 'attention',
      };
    case 'failed': {
      if (cycle.final?.decision === 'reject') {
        return { text: `Failed: ${cycle.final.by.name} refused the final sign-off ${when(cycle.final.at)}: ${personText(cycle.final.comment ?? '', COMMENT_CHARS)}`, style: 'attention' };
      }
      const first = t.rejected[0];
      if (cycle.testersClosed?.reason === 'rejected' && first) {
        return { text: `Failed: ${first.voter.name} rejected it ${when(first.at)}, and a rejection fails the cycle.`, style: 'attention' };
      }
      return { text: `Failed: the testers' rule can no longer be met (${t.approved.length} approved, ${t.needed} needed).`, style: 'attention' };
    }
  }
}

function decisionRows(t: Tally, rows: number, commentChars: number): { decisions: string[]; more: string } {
  // Every rejection stays visible; approvals fill the rest, latest first, and the list reads in time order.
  const rejected = t.rejected.slice(0, rows);
  const approved = t.approved.slice(Math.max(0, t.approved.length - (rows - rejected.length)));
  const shown = [...rejected, ...approved].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  const decisions = shown.map((v) => {
    const icon = v.decision === 'approve' ? '✅' : '❌';
    const verb = v.decision === 'approve' ? 'approved' : 'rejected';
    const comment = v.comment ? `: ${personText(v.comment, commentChars)}` : '';
    const evidence = v.evidence ? ` · Evidence: ${personText(v.evidence, 200)}` : '';
    return `${icon} **${v.voter.name}** ${verb} ${when(v.at)}${comment}${evidence}`;
  });
  const hidden = t.approved.length + t.rejected.length - shown.length;
  return { decisions, more: hidden > 0 ? `…and ${hidden} earlier approval${hidden === 1 ? '' : 's'}; "history" lists every decision.` : '' };
}

function pendingText(cycle: SignoffCycle, t: Tally): string {
  if (t.pending.length === 0) return '';
  const shown = t.pending
    .slice(0, PENDING_NAMES)
    .map((p) => p.name)
    .join(', ');
  const more = t.pending.length > PENDING_NAMES ? ` and ${t.pending.length - PENDING_NAMES} more` : '';
  return cycle.state === 'open' ? `Waiting for: ${shown}${more}.` : `No decision from: ${shown}${more}.`;
}

function refreshFields(input: SignoffCardInput): { hasRefresh: boolean; refreshUserIds?: string[]; showRefreshButton: boolean } {
  const { cycle, tally: t, now, refresh } = input;
  const plan = refreshPlan(cycle, t, now);
  if (!plan) return { hasRefresh: false, showRefreshButton: false };
  if (refresh === 'shared') {
    return plan.userIds ? { hasRefresh: true, refreshUserIds: plan.userIds, showRefreshButton: input.message === true } : { hasRefresh: true, showRefreshButton: true };
  }
  if (refresh === 'everyone') return { hasRefresh: true, showRefreshButton: true };
  const ids = refresh.filter(Boolean);
  return ids.length ? { hasRefresh: true, refreshUserIds: ids, showRefreshButton: false } : { hasRefresh: true, showRefreshButton: true };
}

/** The sign-off card of a cycle: state, rule, due time, every decision, and the buttons of the person it is drawn for. */
export function renderSignoff(input: SignoffCardInput): Card {
  let rows = DECISION_ROWS;
  let commentChars = COMMENT_CHARS;
  for (;;) {
    const card = expandSignoff(input, rows, commentChars);
    if (JSON.stringify(card).length <= CARD_BUDGET || rows <= 1) return input.notice ? withNotice(card, input.notice) : card;
    rows = Math.floor(rows / 2);
    commentChars = Math.max(40, Math.floor(commentChars / 2));
  }
}

/**
 * The same sign-off card with a sentence on top (what just happened, or why nothing did). Kept out of
 * the template so that one drawing of a cycle can be shared by everyone who gets the same view, each
 * with their own sentence. The card given is not changed.
 */
export function withNotice(card: Card, notice: Notice): Card {
  const body: unknown[] = Array.isArray(card.body) ? (card.body as unknown[]) : [];
  const container = { type: 'Container', style: notice.tone === 'good' ? 'good' : 'attention', items: [{ type: 'TextBlock', text: notice.text, wrap: true }] };
  return { ...card, body: [container, ...body] };
}

function expandSignoff(input: SignoffCardInput, rows: number, commentChars: number): Card {
  const { tally: t } = input;
  // Past its due time a cycle reads as expired at once, even before the sweep has stored it so.
  const cycle: SignoffCycle = isActive(input.cycle.state) && isPastDue(input.cycle, input.now) ? { ...input.cycle, state: 'expired' } : input.cycle;
  const state = stateOf(cycle, t);
  const { decisions, more } = decisionRows(t, rows, commentChars);
  const refresh = refreshFields(input);
  const active = isActive(cycle.state);
  const card = SIGNOFF.expand({
    $root: {
      workloadId: cycle.workloadId,
      cycleId: cycle.id,
      number: cycle.number,
      // A closed cycle's card leads back to the checklist, where the next step is.
      closed: !active,
      heading: `UAT sign-off: ${cycle.workloadName}, cycle ${cycle.number}`,
      stateText: state.text,
      stateStyle: state.style,
      tallyText: tallyText(t),
      facts: [
        { title: 'Rule', value: ruleText(cycle.rule, cycle.testers.length) },
        { title: 'A rejection', value: REJECTION_TEXT[cycle.rejection] },
        // The due time is said once: here, or in the state of an expired cycle.
        ...(cycle.state === 'expired' ? [] : [{ title: 'Due', value: dueLabel(cycle.due) }]),
        { title: 'Final sign-off', value: names(cycle.finalApprovers) },
        { title: 'Opened by', value: cycle.openedBy.name },
      ],
      // The due time is the Due fact above; a closed cycle says when it ran.
      dueLocal: active ? '' : `Opened ${when(cycle.openedAt)}; closed ${cycle.closedAt ? when(cycle.closedAt) : 'by the testers'}.`,
      scopeNotes: personText(cycle.scopeNotes),
      decisions,
      moreDecisions: more,
      pendingText: pendingText(cycle, t),
      viewer: active ? input.viewer : 'observer',
      canCancel: active && input.canCancel === true,
      testPlanUrl: cycle.testPlanUrl,
      ...refresh,
      refreshUserIds: refresh.refreshUserIds ?? [],
    },
  }) as Card & { refresh?: { userIds?: unknown } | null };
  // The template keeps the refresh block in view for designers; Teams wants it absent, not null, when unused.
  if (!refresh.hasRefresh || !card.refresh) delete card.refresh;
  else if (!refresh.refreshUserIds) delete card.refresh.userIds;
  return card;
}

/** One line per cycle for the checklist: its number, state and outcome. */
export function cycleLine(cycle: SignoffCycle, t?: Tally): string {
  const counts = t ? ` (${t.approved.length} of ${cycle.testers.length} approved, ${t.rejected.length} rejected, ${t.needed} needed)` : '';
  switch (cycle.state) {
    case 'open':
      return `🔵 Cycle ${cycle.number}: open for testers until ${dueLabel(cycle.due)}${counts}.`;
    case 'awaitingFinal':
      return `🟡 Cycle ${cycle.number}: the testers approved; waiting for the final sign-off by ${names(cycle.finalApprovers)}.`;
    case 'passed':
      return `✅ Cycle ${cycle.number}: passed ${cycle.final ? when(cycle.final.at) : ''}, final sign-off by ${cycle.final?.by.name ?? 'the business owner'}.`;
    case 'failed':
      return `❌ Cycle ${cycle.number}: failed ${cycle.closedAt ? when(cycle.closedAt) : ''}${cycle.final?.decision === 'reject' ? `, final sign-off refused by ${cycle.final.by.name}` : cycle.testersClosed?.reason === 'rejected' ? ', a tester rejected it' : ', the rule could not be met'}.`;
    case 'expired':
      return `⌛ Cycle ${cycle.number}: expired, it was due ${dueLabel(cycle.due)}.`;
    case 'cancelled':
      return `🚫 Cycle ${cycle.number}: cancelled ${cycle.cancelled ? `${when(cycle.cancelled.at)} by ${cycle.cancelled.by.name}: ${personText(cycle.cancelled.reason, COMMENT_CHARS)}` : ''}.`;
  }
}

/** What the open-a-cycle form shows in its inputs: the last answer, or sensible defaults. */
export type SignoffFormValues = Pick<OpenCycleRequest, 'rule' | 'rejection' | 'dueDate' | 'dueTime' | 'timeZone' | 'testPlanUrl' | 'scopeNotes'> & {
  /** The picked testers' AAD object ids, comma-separated, as the choice set answers. */
  testers: string;
  atLeast: number;
};

export interface SignoffFormInput {
  workload: Workload;
  /** The conversation's members, offered as testers. */
  roster: Person[];
  values: SignoffFormValues;
  timeZones: readonly string[];
  notice?: Notice;
}

/** The form that opens a UAT cycle: testers from the roster, the rule, what a rejection does, the due time and the test plan. */
export function renderSignoffForm(input: SignoffFormInput): Card {
  const { workload, roster } = input;
  const offered = [...roster].sort((a, b) => a.name.localeCompare(b.name)).slice(0, MAX_TESTERS);
  const zones = input.timeZones.includes(input.values.timeZone) ? input.timeZones : [input.values.timeZone, ...input.timeZones];
  return SIGNOFF_FORM.expand({
    $root: {
      ...noticeFields(input.notice),
      workloadId: workload.workloadId,
      name: workload.name,
      intro: `${names(workload.roles.businessOwner)} (business owner) gives the final sign-off once the testers meet the rule. The testers and the final approver are fixed when the cycle opens.`,
      roster: offered,
      rosterNote: roster.length > MAX_TESTERS ? `This conversation has ${roster.length} members; the first ${MAX_TESTERS} by name are offered.` : '',
      values: input.values,
      timeZones: zones,
    },
  }) as Card;
}

export { TIME_ZONES } from '../bot/shared/zonedTime';
