import cutoverTemplate from './templates/cutover.json';
import { ROLE_TITLES, ROLES } from '../bot/release/model';
import type { CutoverWindow, RunbookStep } from '../bot/cutover/model';
import { lateSteps, modelText, periodText, plannedEnds, runbookEditable } from '../bot/cutover/rules';
import type { WindowView } from '../bot/cutover/service';
import { formatWhen } from '../bot/shared/dates';
import { dateIn, TIME_ZONES, wallClockMs } from '../bot/shared/zonedTime';
import { Card, expand, Notice, noticeFields } from './render';
import { personText } from './text';

const STEP_ICON: Record<RunbookStep['status'], string> = { pending: '⬜', done: '✅', failed: '❌' };

const clockIn = (iso: string, timeZone: string): string => new Date(wallClockMs(Date.parse(iso), timeZone)).toISOString().slice(11, 16);

function stateText(view: WindowView, window: CutoverWindow, timeZone: string): string {
  if (window.state === 'finished') return `Finished ${window.finishedAt ? formatWhen(window.finishedAt, timeZone) : ''}: traffic rerouted`;
  if (window.state === 'rolledBack') return `Rolled back by ${window.rolledBackBy?.name ?? 'someone'}: ${personText(window.rollbackReason ?? '', 200)}`;
  const state = view.state;
  if (state?.kind === 'held') return `Held: No-go from ${state.by.map((a) => a.voter.name).join(', ')}. Plan a new window when the reason is dealt with.`;
  if (state?.kind === 'awaiting') return `Waiting for go/no-go from ${state.waitingFor.map((s) => s.name).join(', ')}`;
  return window.steps.some((s) => s.status !== 'pending') ? 'Running' : 'Go: every stakeholder said Go; the runbook is open';
}

/** The release window card shared in the channel: plan, go/no-go, the live runbook, finish or rollback, and the team's blackouts. */
export function renderCutover(view: WindowView, notice?: Notice, timeZone = 'UTC'): Card {
  const { workload, window } = view;
  const blackouts = view.blackouts.filter((b) => b.end.at > view.now).map((b) => ({ line: `${personText(b.name, 80)}: ${periodText(b)}, set by ${b.setBy.name}` }));
  const zone = TIME_ZONES.includes(timeZone as (typeof TIME_ZONES)[number]) ? timeZone : 'UTC';
  const base = {
    ...noticeFields(notice),
    workloadId: workload.workloadId,
    blackouts,
    timeZone: zone,
    timeZones: TIME_ZONES.map((name) => ({ name })),
    canEdit: false,
    canVerify: false,
    rev: 0,
    editChoices: [],
    roleChoices: [],
    ...verifyFields(view, zone),
  };
  const replannable = !window || window.state === 'rolledBack' || view.state?.kind === 'held';
  if (!window) {
    return expand(cutoverTemplate, {
      ...base,
      title: `Release window for ${workload.name}`,
      hasWindow: false,
      canAnswer: false,
      canRun: false,
      canRollBack: false,
      canPlan: true,
      windowId: '',
      stakeholders: [],
      steps: [],
    });
  }
  const running = window.state === 'planned' && view.state?.kind === 'go';
  const rollingBack = window.state === 'rolledBack';
  const late = new Set(lateSteps(window, view.now));
  const ends = plannedEnds(window);
  const answers = new Map(view.answers.map((a) => [a.voter.aadObjectId, a]));
  const canEdit = !!view.state && runbookEditable(window, view.state, view.now);
  return expand(cutoverTemplate, {
    ...base,
    title: `Release window ${window.number} for ${workload.name}`,
    windowId: window.windowId,
    hasWindow: true,
    stateText: stateText(view, window, zone),
    when: periodText(window),
    modelText: modelText(window.model),
    records: `${personText(window.records.oldRecord, 200)} → ${personText(window.records.newRecord, 200)}, TTL ${window.records.ttlSeconds} s`,
    stakeholders: window.stakeholders.map((s) => {
      const a = answers.get(s.aadObjectId);
      const said = a ? `${a.answer === 'go' ? '✅ Go' : '⛔ No-go'}${a.comment ? `: ${personText(a.comment, 200)}` : ''}` : '⏳ waiting';
      return { line: `${s.name} (${s.roles.map((r) => ROLE_TITLES[r]).join(', ')}): ${said}` };
    }),
    canAnswer: window.state === 'planned' && view.state?.kind === 'awaiting' && view.now < window.start.at,
    canRun: running || rollingBack,
    canRollBack: window.state === 'planned' && view.state?.kind === 'go',
    canPlan: replannable,
    canEdit,
    rev: window.rev,
    editChoices: canEdit ? window.steps.map((s) => ({ id: s.id, title: personText(s.title, 100) })) : [],
    roleChoices: canEdit ? ROLES.map((role) => ({ role, title: ROLE_TITLES[role] })) : [],
    steps: window.steps
      .filter((s) => s.phase === 'forward' || rollingBack || canEdit)
      .map((s) => ({
        id: s.id,
        workloadId: workload.workloadId,
        windowId: window.windowId,
        icon: late.has(s.id) ? '⏰' : STEP_ICON[s.status],
        // Routing and rollback step titles quote the DNS records typed by the planner.
        title: personText(s.title, 300),
        // A rollback step has a time only once the window is rolled back (its steps are planned from then).
        detail: `${ROLE_TITLES[s.ownerRole]} · ${s.plannedMinutes} min, ${s.phase === 'rollback' && !rollingBack ? 'runs only on a rollback' : `planned by ${clockIn(ends.get(s.id) ?? window.start.at, window.start.timeZone)} ${window.start.timeZone}`}${late.has(s.id) ? ' · running late' : ''}${s.by ? ` · ${s.status} by ${s.by.name}` : ''}${s.note ? `: ${personText(s.note, 200)}` : ''}`,
        canTick: s.status === 'pending' && (s.phase === 'forward' ? running : rollingBack),
      })),
  });
}

/** Once the window finished: the button that opens the post-cutover verification, a short UAT cycle with the last cycle's testers. */
function verifyFields(view: WindowView, zone: string): object {
  const window = view.window;
  const testers = view.verifyTesters ?? [];
  if (window?.state !== 'finished') return { verifyText: '', verifyTesterIds: '', verifyDueDate: '', verifyZone: zone, verifyNotes: '', verifyPlanUrl: '' };
  return {
    canVerify: true,
    verifyText: testers.length
      ? `Traffic is rerouted. Ask the business to verify it in production: a short UAT cycle with the testers of the last cycle (${testers.map((t) => t.name).join(', ')}), due tomorrow 17:00.`
      : 'Traffic is rerouted. Ask the business to verify it in production with a short UAT cycle; pick its testers.',
    verifyTesterIds: testers.map((t) => t.aadObjectId).join(','),
    verifyDueDate: dateIn(zone, view.now, 1),
    verifyZone: zone,
    verifyPlanUrl: view.verifyPlanUrl ?? '',
    verifyNotes: `Post-cutover business verification of release window ${window.number}: check the workload in production after the switch.`,
  };
}
