import waveTemplate from './templates/wave.json';
import wavePlanTemplate from './templates/wavePlan.json';
import { ROLE_TITLES, STAGE_TITLES, Workload } from '../bot/release/model';
import type { WaveView } from '../bot/waves/service';
import { actionLine } from './retro';
import { Card, expand, Notice, noticeFields } from './render';
import { personText } from './text';

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The team's current wave: each workload's stage, what blocks it, who owns the next step, and whether its dates are at risk. */
export function renderWave(view: WaveView | undefined, notice?: Notice): Card {
  if (!view) {
    return expand(waveTemplate, {
      ...noticeFields(notice),
      title: 'No open wave',
      summary: 'This team has no open wave. Plan one: its days and the workloads it releases.',
      rows: [],
      actions: [],
      waveId: '',
    });
  }
  const { wave, rows, actions, today } = view;
  const atRisk = rows.filter((r) => r.risk.atRisk).length;
  const state = wave.status === 'closed' ? 'closed' : today < wave.start ? 'starts later' : today > wave.end ? 'past its last day' : 'running';
  return expand(waveTemplate, {
    ...noticeFields(notice),
    title: `${personText(wave.name, 60)}: ${wave.start} to ${wave.end}`,
    summary: `${plural(rows.length, 'workload')}, ${state}, ${plural(rows[0]?.risk.daysLeft ?? 0, 'day')} left${atRisk ? `; ${atRisk} at risk` : ''}. A workload is at risk when it has more open gates than days left (a gate takes at least a day).`,
    waveId: wave.status === 'open' ? wave.waveId : '',
    rows: rows.map((r) => ({
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
  });
}

const ownerText = (workload: Workload, role: keyof typeof ROLE_TITLES): string => {
  const people = workload.roles[role].map((p) => p.name).join(', ');
  return `${ROLE_TITLES[role]}: ${people || 'nobody assigned'}`;
};

/** The form a project manager plans a wave with: a name, the first and last day, the workloads of this team. */
export function renderWavePlan(workloads: Workload[], notice?: Notice): Card {
  return expand(wavePlanTemplate, { ...noticeFields(notice), workloads: workloads.map((w) => ({ name: w.name, workloadId: w.workloadId })) });
}
