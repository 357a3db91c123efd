import type { Person, Workload, WorkloadScope } from '../release/model';
import { holdsRole, isClosed, slugOf, teamPartitionOf } from '../release/rules';
import { MAX_WAVE_WORKLOADS, Wave, WaveClaim, WaveEvent, WaveOutcomeSummary, WaveReview } from './model';

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
      conversationId: input.scope.conversationId,
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

/** An audit event of a wave, without its id (the repository gives it one). */
export type WaveEventDraft = Omit<WaveEvent, 'id'>;

export const MAX_REASON = 500;

/** A change of an open wave's workloads: one moved in, one moved out, or one moved to a place (1 is first). */
export type WaveChange = { op: 'in'; workload: Workload } | { op: 'out'; workloadId: string } | { op: 'place'; workloadId: string; place: number };

export interface WaveChangeRequest {
  change: WaveChange;
  reason: string;
  actor: Person;
  now: string;
  /** The wave's workloads as they are now (the one moved in excluded). */
  workloads: Workload[];
  /** Set for a decision of the priorities review of an earlier wave: that wave and its workloads. */
  review?: { wave: Wave; workloads: Workload[] };
}

export type WaveChangeDecision =
  { kind: 'changed'; wave: Wave; event: WaveEventDraft; claim?: { add: string } | { remove: string } } | { kind: 'unchanged'; wave: Wave } | { kind: 'refused'; message: string };

const nameOf = (workloads: Workload[], id: string): string => workloads.find((w) => w.workloadId === id)?.name ?? 'That workload';

/**
 * Who may change an open wave: its project managers (of a workload in it, or of the one moved in); in a
 * priorities review, also the business owners of the reviewed wave's workloads (its business stakeholders).
 */
export function mayChangeWave(request: Pick<WaveChangeRequest, 'change' | 'actor' | 'workloads' | 'review'>): boolean {
  const id = request.actor.aadObjectId;
  const managed = [...request.workloads, ...(request.change.op === 'in' ? [request.change.workload] : [])];
  if (managed.some((w) => holdsRole(w, 'projectManager', id))) return true;
  return !!request.review && takesPartInReview(request.review.workloads, request.actor);
}

/** Who takes part in a wave's priorities review: a business owner or a project manager of one of its workloads. */
export function takesPartInReview(workloads: Workload[], actor: Person): boolean {
  return workloads.some((w) => holdsRole(w, 'businessOwner', actor.aadObjectId) || holdsRole(w, 'projectManager', actor.aadObjectId));
}

/** Liftoff, as the author of what its sweeps do. */
export const LIFTOFF_ACTOR: Person = { aadObjectId: 'liftoff', name: 'Liftoff' };

/** Moves a workload in or out of an open wave, or to another place in it, with a reason; a retry changes nothing. */
export function changeWave(wave: Wave, request: WaveChangeRequest): WaveChangeDecision {
  const refuse = (message: string): WaveChangeDecision => ({ kind: 'refused', message });
  if (wave.status !== 'open') return refuse(`${wave.name} is closed; change the next wave instead.`);
  const { change } = request;
  const ids = wave.workloadIds;
  const targetId = change.op === 'in' ? change.workload.workloadId : change.workloadId;
  // A retried press finds its change made: answered as done, before any check that its own change would now fail.
  if (change.op === 'in' && ids.includes(targetId)) return { kind: 'unchanged', wave };
  if (change.op === 'out' && !ids.includes(targetId)) return { kind: 'unchanged', wave };
  if (change.op === 'place' && ids.indexOf(targetId) === change.place - 1) return { kind: 'unchanged', wave };
  if (!mayChangeWave(request)) {
    return refuse(
      request.review
        ? `Only a business owner or the project manager of a workload of ${request.review.wave.name} can record the review's decisions.`
        : `Only the project manager of a workload in ${wave.name} can change it.`,
    );
  }
  const reason = request.reason.normalize('NFKC').trim().replace(/\s+/g, ' ');
  if (!reason) return refuse('Say why: a change of a wave needs a reason.');
  if ([...reason].length > MAX_REASON) return refuse(`Keep the reason under ${MAX_REASON} characters.`);
  let workloadIds: string[];
  let action: WaveEvent['action'];
  let what: string;
  let claim: { add: string } | { remove: string } | undefined;
  if (change.op === 'in') {
    if (ids.length >= MAX_WAVE_WORKLOADS) return refuse(`A wave holds at most ${MAX_WAVE_WORKLOADS} workloads.`);
    workloadIds = [...ids, targetId];
    action = 'wave.movedIn';
    what = `moved ${change.workload.name} into ${wave.name}`;
    claim = { add: targetId };
  } else if (change.op === 'out') {
    if (ids.length === 1) return refuse(`${nameOf(request.workloads, targetId)} is the last workload of ${wave.name}; close the wave instead.`);
    workloadIds = ids.filter((id) => id !== targetId);
    action = 'wave.movedOut';
    what = `moved ${nameOf(request.workloads, targetId)} out of ${wave.name}`;
    claim = { remove: targetId };
  } else {
    if (!ids.includes(targetId)) return refuse(`That workload is not in ${wave.name}.`);
    if (!Number.isInteger(change.place) || change.place < 1 || change.place > ids.length) return refuse(`Pick a place from 1 to ${ids.length}.`);
    const rest = ids.filter((id) => id !== targetId);
    workloadIds = [...rest.slice(0, change.place - 1), targetId, ...rest.slice(change.place - 1)];
    action = 'wave.reordered';
    what = `moved ${nameOf(request.workloads, targetId)} to place ${change.place} of ${wave.name}`;
  }
  const review = request.review ? { reviewOf: request.review.wave.waveId, reviewOfName: request.review.wave.name } : {};
  return {
    kind: 'changed',
    wave: { ...wave, workloadIds },
    ...(claim ? { claim } : {}),
    event: {
      workloadId: wave.workloadId,
      type: 'waveEvent',
      waveId: wave.waveId,
      at: request.now,
      actor: request.actor,
      action,
      summary: `${request.actor.name} ${what}${request.review ? ` (priorities review of ${request.review.wave.name})` : ''}: ${reason}`,
      reason,
      ...review,
    },
  };
}

/** The audit event of a wave planned or closed. */
export function waveEvent(wave: Wave, action: 'wave.planned' | 'wave.closed', actor: Person, now: string): WaveEventDraft {
  const summary =
    action === 'wave.planned'
      ? `${actor.name} planned ${wave.name} (${wave.start} to ${wave.end}) with ${wave.workloadIds.length} workload${wave.workloadIds.length === 1 ? '' : 's'}.`
      : `${actor.name} closed ${wave.name}.`;
  return { workloadId: wave.workloadId, type: 'waveEvent', waveId: wave.waveId, at: now, actor, action, summary };
}

/** A wave is due for its priorities review once its last day is over, or once it is closed. */
export const reviewDue = (wave: Wave, today: string): boolean => wave.status === 'closed' || today > wave.end;

/** The wave the review's decisions change: the team's next open wave starting after the reviewed one begins. */
export function nextWaveOf(waves: Wave[], wave: Wave): Wave | undefined {
  return waves.filter((w) => w.waveId !== wave.waveId && w.status === 'open' && w.start >= wave.start).sort((a, b) => a.start.localeCompare(b.start))[0];
}

/** The business stakeholders of a wave: the business owners of its workloads, once each. */
export function businessStakeholders(workloads: Workload[]): Person[] {
  const byId = new Map<string, Person>();
  for (const w of workloads) for (const p of w.roles.businessOwner) byId.set(p.aadObjectId, { aadObjectId: p.aadObjectId, name: p.name });
  return [...byId.values()];
}

/**
 * Starts the priorities review of a wave, once: due (its days over, or closed), by a business owner or a
 * project manager of one of its workloads, its outcome frozen as it stands.
 */
export function startReview(input: {
  wave: Wave;
  workloads: Workload[];
  next?: Wave;
  outcome: WaveOutcomeSummary;
  actor: Person;
  today: string;
  now: string;
  /** Liftoff opens it by itself once the wave's last day is over (the review sweep): no role is asked for, and it is to be announced. */
  automatic?: boolean;
}): { kind: 'started'; review: WaveReview; event: WaveEventDraft } | { kind: 'refused'; message: string } {
  const { wave, actor } = input;
  if (!reviewDue(wave, input.today)) return { kind: 'refused', message: `${wave.name} runs until ${wave.end}; its priorities review comes once it ends (or is closed).` };
  if (!input.automatic && !takesPartInReview(input.workloads, actor)) {
    return { kind: 'refused', message: `Only a business owner or the project manager of a workload of ${wave.name} can start its priorities review.` };
  }
  const review: WaveReview = {
    id: reviewIdOf(wave.waveId),
    workloadId: wave.workloadId,
    type: 'waveReview',
    waveId: wave.waveId,
    waveName: wave.name,
    ...(input.next ? { nextWaveId: input.next.waveId } : {}),
    stakeholders: businessStakeholders(input.workloads),
    outcome: input.outcome,
    startedBy: actor,
    startedAt: input.now,
    ...(input.automatic ? { announce: 'due' as const } : {}),
  };
  const { released, rolledBack } = input.outcome;
  return {
    kind: 'started',
    review,
    event: {
      workloadId: wave.workloadId,
      type: 'waveEvent',
      waveId: wave.waveId,
      at: input.now,
      actor,
      action: 'wave.reviewed',
      summary: `${input.automatic ? `${actor.name} opened the priorities review of ${wave.name} when its last day (${wave.end}) was over` : `${actor.name} started the priorities review of ${wave.name}`}: ${released.length} released, ${rolledBack.length} rolled back.`,
    },
  };
}

export const reviewIdOf = (waveId: string): string => `review:${waveId}`;

/** The decisions a priorities review recorded on a wave, from its audit trail. */
export const reviewDecisions = (events: WaveEvent[]): WaveEvent[] => events.filter((e) => e.reviewOf !== undefined);

/** The wave a review's decisions change: the one named when it started while it is open, else the team's next open wave. */
export function decidesOn(review: WaveReview, waves: Wave[], reviewed: Wave): Wave | undefined {
  const named = review.nextWaveId ? waves.find((w) => w.waveId === review.nextWaveId && w.status === 'open') : undefined;
  return named ?? nextWaveOf(waves, reviewed);
}
