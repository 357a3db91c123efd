import type { Person, Workload, WorkloadScope } from '../release/model';
import { holdsRole, isClosed, slugOf, teamPartitionOf } from '../release/rules';
import { MAX_WAVE_WORKLOADS, Wave, WaveClaim } from './model';

/** Pure wave rules: no I/O, no clock. Callers pass today's date in. */

export const MAX_WAVE_NAME = 60;
const DAY_MS = 86_400_000;

export type WavePlanCheck = { ok: true; name: string; waveId: string } | { ok: false; message: string };

const isDate = (value: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);

/** The wave id a name gives: retries of the same plan land on the same document. */
export function waveIdOf(name: string): string {
  return `wave-${slugOf(name)}`;
}

export const claimIdOf = (workloadId: string): string => `claim:${workloadId}`;

/** Checks a wave plan a person typed: a name, dates in order not in the past, and some workloads of this team. */
export function checkWavePlan(input: { name: string; start: string; end: string; workloads: Workload[]; actor: Person; today: string }): WavePlanCheck {
  const name = input.name.normalize('NFKC').trim().replace(/\s+/g, ' ');
  if (!name) return { ok: false, message: 'Give the wave a name, for example: Wave 3.' };
  if ([...name].length > MAX_WAVE_NAME) return { ok: false, message: `A wave name can be at most ${MAX_WAVE_NAME} characters long.` };
  const waveId = waveIdOf(name);
  if (waveId === 'wave-') return { ok: false, message: 'A wave name needs a letter or a digit.' };
  if (!isDate(input.start) || !isDate(input.end)) return { ok: false, message: 'Pick the first and the last day of the wave.' };
  if (input.end < input.start) return { ok: false, message: 'The wave must end on or after the day it starts.' };
  if (input.end < input.today) return { ok: false, message: 'That wave would already be over; pick days from today on.' };
  if (input.workloads.length === 0) return { ok: false, message: 'Pick the workloads of this team that the wave releases.' };
  if (input.workloads.length > MAX_WAVE_WORKLOADS) return { ok: false, message: `A wave holds at most ${MAX_WAVE_WORKLOADS} workloads.` };
  if (!input.workloads.some((w) => holdsRole(w, 'projectManager', input.actor.aadObjectId))) {
    return { ok: false, message: 'Only the project manager of one of these workloads can plan the wave.' };
  }
  return { ok: true, name, waveId };
}

/** The new wave and one claim per workload, all in the team's partition. */
export function newWave(input: { waveId: string; name: string; start: string; end: string; scope: WorkloadScope; workloads: Workload[]; actor: Person; now: string }): {
  wave: Wave;
  claims: WaveClaim[];
} {
  const partition = teamPartitionOf(input.scope);
  return {
    wave: {
      id: input.waveId,
      waveId: input.waveId,
      workloadId: partition,
      type: 'wave',
      tenantId: input.scope.tenantId,
      scopeId: input.scope.scopeId,
      name: input.name,
      start: input.start,
      end: input.end,
      workloadIds: input.workloads.map((w) => w.workloadId),
      status: 'open',
      createdBy: input.actor,
      createdAt: input.now,
    },
    claims: input.workloads.map((w) => ({ id: claimIdOf(w.workloadId), workloadId: partition, type: 'waveClaim', waveId: input.waveId, claimedWorkloadId: w.workloadId })),
  };
}

/** Closes a wave: its workloads are free for the next one. Only a project manager of one of its workloads may. */
export type WaveDecision = { kind: 'changed' | 'unchanged'; wave: Wave } | { kind: 'refused'; message: string };

export function closeWave(wave: Wave, workloads: Workload[], actor: Person, now: string): WaveDecision {
  if (wave.status === 'closed') return { kind: 'unchanged', wave };
  if (!workloads.some((w) => holdsRole(w, 'projectManager', actor.aadObjectId))) {
    return { kind: 'refused', message: `Only the project manager of a workload in ${wave.name} can close it.` };
  }
  return { kind: 'changed', wave: { ...wave, status: 'closed', closedBy: actor, closedAt: now } };
}

/**
 * The team's current wave: the open wave whose days include today; else the next open one to start;
 * else the open one that ended last (it is late and still open).
 */
export function currentWave(waves: Wave[], today: string): Wave | undefined {
  const open = waves.filter((w) => w.status === 'open');
  const running = open.filter((w) => w.start <= today && today <= w.end).sort((a, b) => a.start.localeCompare(b.start));
  if (running[0]) return running[0];
  const upcoming = open.filter((w) => w.start > today).sort((a, b) => a.start.localeCompare(b.start));
  if (upcoming[0]) return upcoming[0];
  return open.sort((a, b) => b.end.localeCompare(a.end))[0];
}

/** The days left in a wave from today, today and the last day included; 0 once it is over. */
export function daysLeft(today: string, end: string): number {
  const days = Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS) + 1;
  return Math.max(0, days);
}

/** Gates of a workload neither passed nor waived. */
export const remainingGates = (workload: Workload): number => workload.gates.filter((g) => !isClosed(g.status)).length;

/**
 * The date-at-risk rule, kept simple on purpose: every remaining gate takes at least one day, so a
 * workload is at risk when it has more remaining gates than days left in the wave. A failed gate
 * counts like any open one.
 */
export function atRisk(workload: Workload, today: string, end: string): { atRisk: boolean; remaining: number; daysLeft: number } {
  const remaining = remainingGates(workload);
  const left = daysLeft(today, end);
  return { atRisk: remaining > 0 && remaining > left, remaining, daysLeft: left };
}

/** A retro action item's wave, as stored then (a name) or now (the wave's id): whether it targets this wave. */
export function targetsWave(target: { kind: string; waveId?: string; name: string }, wave: Pick<Wave, 'waveId' | 'name'>): boolean {
  if (target.kind !== 'wave') return false;
  if (target.waveId) return target.waveId === wave.waveId;
  return waveIdOf(target.name) === wave.waveId;
}

/** The waves whose open action items a wave carries forward: the team's closed waves that started before it. */
export function carriedFrom(waves: Wave[], wave: Wave): Wave[] {
  return waves.filter((w) => w.waveId !== wave.waveId && w.status === 'closed' && w.start < wave.start);
}
