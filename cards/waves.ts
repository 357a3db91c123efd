import waveTemplate from './templates/wave.json';
import wavePlanTemplate from './templates/wavePlan.json';
import { ROLE_TITLES, STAGE_TITLES, Workload } from '../bot/release/model';
import type { WaveEvent, WaveReview } from '../bot/waves/model';
import type { ReviewView, WaveView } from '../bot/waves/service';
import { formatWhen } from '../bot/shared/dates';
import { actionLine } from './retro';
import { Card, expand, Notice, noticeFields } from './render';
import { personText } from './text';

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** How many audit lines the wave card shows (the newest). */
const TRAIL_LINES = 8;

const eventLine = (e: WaveEvent, timeZone?: string): string => `${formatWhen(e.at, timeZone)}: ${personText(e.summary, 400)}`;

/** The reviewed wave's outcome, as the priorities review shows it above the next wave. */
function reviewFields(review: WaveReview | undefined, next: WaveView | undefined): object {
  if (!review) return { hasReview: false, reviewTitle: '', reviewSummary: '', reviewFacts: [], reviewOf: '' };
  const o = review.outcome;
  const list = (items: string[]): string => (items.length ? items.map((i) => personText(i, 200)).join('; ') : 'None');
  return {
    hasReview: true,
    reviewOf: next ? review.waveId : '',
    reviewTitle: `Business priorities review of ${personText(review.waveName, 60)}`,
    reviewSummary: `For ${review.stakeholders.map((p) => p.name).join(', ') || 'the business owners (none assigned)'}: ${
      next ? `record your decisions on ${personText(next.wave.name, 60)} below (move workloads in or out, reorder), each with a reason.` : 'plan the next wave to record decisions on it.'
    } Started by ${review.startedBy.name}.`,
    reviewFacts: [
      { title: 'Released', value: list(o.released) },
      { title: 'Not released', value: list(o.notReleased) },
      { title: 'Windows run', value: `${o.windowsFinished} finished, ${o.rolledBack.length} rolled back` },
      ...o.rolledBack.map((r) => ({ title: 'Rolled back', value: `${personText(r.workload, 80)}, window ${r.window}: ${personText(r.reason, 200)}` })),
      { title: 'Savings', value: o.savings.length ? o.savings.map((x) => `${personText(x.workload, 80)}: ${personText(x.text, 200)}`).join('; ') : 'None recorded' },
      { title: 'Open retro actions', value: list(o.openActions) },
    ],
  };
}

/** The team's current wave: each workload's stage, what blocks it, who owns the next step, and whether its dates are at risk. */
export function renderWave(view: WaveView | undefined, notice?: Notice, options: { review?: WaveReview; timeZone?: string; via?: string } = {}): Card {
  // On a review card sent one to one: the workload of the reviewed wave its buttons act through.
  const via = options.review ? (options.via ?? '') : '';
  const review = reviewFields(options.review, view);
  const empty = { rows: [], actions: [], trail: [], decisions: [], candidates: [], canChange: false, changeTitle: '', closeWaveId: '', reviewWaveId: '', reviewButton: '' };
  if (!view) {
    return expand(waveTemplate, {
      ...noticeFields(notice),
      ...empty,
      ...review,
      via,
      title: options.review ? 'No next wave yet' : 'No open wave',
      summary: 'This team has no open wave. Plan one: its days and the workloads it releases.',
      waveId: '',
    });
  }
  const { wave, rows, actions, today } = view;
  const atRisk = rows.filter((r) => r.risk.atRisk).length;
  const state = wave.status === 'closed' ? 'closed' : today < wave.start ? 'starts later' : today > wave.end ? 'past its last day' : 'running';
  const open = wave.status === 'open';
  const reviewOf = (review as { reviewOf: string }).reviewOf;
  // The review card changes the next wave; the wave card offers the review of its own wave once it is due.
  const reviewWaveId = options.review ? options.review.waveId : view.reviewDue || view.review ? wave.waveId : '';
  return expand(waveTemplate, {
    ...noticeFields(notice),
    ...empty,
    ...review,
    reviewOf,
    via,
    title: `${personText(wave.name, 60)}: ${wave.start} to ${wave.end}`,
    summary: `${plural(rows.length, 'workload')}, ${state}, ${plural(rows[0]?.risk.daysLeft ?? 0, 'day')} left${atRisk ? `; ${atRisk} at risk` : ''}. A workload is at risk when it has more open gates than days left (a gate takes at least a day).`,
    waveId: wave.waveId,
    closeWaveId: open && !options.review ? wave.waveId : '',
    reviewWaveId,
    reviewButton: options.review ? 'Refresh the review' : view.review ? 'Priorities review' : 'Start the priorities review',
    canChange: open,
    changeTitle: options.review ? `Decisions on ${personText(wave.name, 60)}` : `Change ${personText(wave.name, 60)}`,
    candidates: open ? view.candidates.map((w) => ({ name: w.name, workloadId: w.workloadId })) : [],
    rows: rows.map((r, i) => ({
      place: i + 1,
      waveId: wave.waveId,
      workloadId: r.workload.workloadId,
      reviewOf,
      via,
      canChange: open,
      icon: r.stage === 'released' ? '✅' : r.risk.atRisk ? '⚠️' : '▶️',
      name: r.workload.name,
      stage: r.stage === 'released' ? 'Released' : STAGE_TITLES[r.stage],
      blocker: r.next ? `${r.next.gate.title} (${r.next.status})` : 'Nothing',
      owner: r.next ? ownerText(r.workload, r.next.gate.ownerRole) : 'Nobody: every gate is closed',
      risk: r.risk.atRisk
        ? `At risk: ${plural(r.risk.remaining, 'open gate')}, ${plural(r.risk.daysLeft, 'day')} left`
        : r.risk.remaining
          ? `On track: ${plural(r.risk.remaining, 'open gate')}, ${plural(r.risk.daysLeft, 'day')} left`
          : 'Done',
    })),
    actions: actions.map(({ action, carriedFrom }) => ({ line: `${actionLine(action)}${carriedFrom ? `, carried from ${personText(carriedFrom, 60)}` : ''}` })),
    decisions: view.decisions.map((e) => ({ line: eventLine(e, options.timeZone) })),
    trail: view.trail.slice(-TRAIL_LINES).map((e) => ({ line: eventLine(e, options.timeZone) })),
  });
}

/** The business priorities review: the reviewed wave's outcome for its business stakeholders, and the next wave to decide on. */
export function renderReview(view: ReviewView, notice?: Notice, timeZone?: string, via?: string): Card {
  return renderWave(view.next, notice, { review: view.review, ...(timeZone ? { timeZone } : {}), ...(via ? { via } : {}) });
}

const ownerText = (workload: Workload, role: keyof typeof ROLE_TITLES): string => {
  const people = workload.roles[role].map((p) => p.name).join(', ');
  return `${ROLE_TITLES[role]}: ${people || 'nobody assigned'}`;
};

/** The form a project manager plans a wave with: a name, the first and last day, the workloads of this team. */
export function renderWavePlan(workloads: Workload[], notice?: Notice): Card {
  return expand(wavePlanTemplate, { ...noticeFields(notice), workloads: workloads.map((w) => ({ name: w.name, workloadId: w.workloadId })) });
}
