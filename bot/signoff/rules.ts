import { canonicalTimeZone, parseLocal, readInZone } from '../shared/zonedTime';
import type { AuditEvent, Person, Workload } from '../release/model';
import { holdsRole, isClosed } from '../release/rules';
import {
  Approver,
  BUSINESS_TESTING_GATE,
  CycleDue,
  cycleIdOf,
  Decision,
  isActive,
  MAX_TESTERS,
  RejectionEffect,
  RuleKind,
  SealReason,
  SignoffCycle,
  TestersClosedReason,
  Vote,
  voteId,
  VoteSeal,
} from './model';

/** Pure sign-off rules: no I/O, no clock, no randomness. Callers pass time and ids in. */

export const MAX_COMMENT_LENGTH = 500;
export const MAX_LINK_LENGTH = 500;
export const MAX_SCOPE_NOTES_LENGTH = 1000;
/** Teams limits `refresh.userIds` to 60 people. */
export const MAX_REFRESH_USERS = 60;
/** Furthest ahead a cycle may be due. */
export const MAX_DUE_DAYS = 366;

type Event = Omit<AuditEvent, 'id'>;

/** What a rule decided about a cycle: a change to store (with its audit event), nothing to do, or a refusal to show. */
export type CycleChange = { kind: 'changed'; cycle: SignoffCycle; event?: Event } | { kind: 'unchanged'; cycle: SignoffCycle } | { kind: 'refused'; message: string; cycle: SignoffCycle };

// ---- time ----

const HOUR_MS = 3_600_000;

export type ZonedInstant = { ok: true; at: string; timeZone: string } | { ok: false; message: string };

/**
 * The instant at which a wall-clock date and time happen in a time zone. A time skipped by a
 * daylight-saving change does not exist and is refused; a time that happens twice (clocks going
 * back) means its first occurrence.
 */
export function zonedInstant(date: string, time: string, timeZone: string): ZonedInstant {
  const local = parseLocal(date, time);
  if (!local.ok) {
    if (local.problem === 'date') return { ok: false, message: 'Pick the due date.' };
    if (local.problem === 'time') return { ok: false, message: 'Pick the due time.' };
    return { ok: false, message: `${date.trim()} ${time.trim()} is not a real date and time.` };
  }
  const zone = canonicalTimeZone(timeZone);
  if (!zone) return { ok: false, message: 'Pick the time zone of the due time from the list.' };
  const reading = readInZone(local.wall, zone);
  if (reading.kind === 'skipped') {
    return { ok: false, message: `${time.trim()} does not exist on ${date.trim()} in ${zone}: the clocks skip it. Pick another time.` };
  }
  return { ok: true, at: new Date(reading.at).toISOString(), timeZone: zone };
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The due time as the person who opened the cycle chose it: "Wed 25 Nov 2026, 17:00 Europe/Paris". */
export function dueLabel(due: Pick<CycleDue, 'date' | 'time' | 'timeZone'>): string {
  const [year, month, day] = due.date.split('-').map(Number) as [number, number, number];
  const weekday = WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()];
  return `${weekday} ${day} ${MONTHS[month - 1]} ${year}, ${due.time} ${due.timeZone}`;
}

export const isPastDue = (cycle: SignoffCycle, now: string): boolean => Date.parse(now) >= Date.parse(cycle.due.at);

// ---- opening a cycle ----

const OPENER_ROLES = ['projectManager', 'businessOwner'] as const;

/** Says why this person cannot open a cycle of this workload now, or undefined when they can. */
export function cannotOpen(workload: Workload, cycles: SignoffCycle[], actor: Person, now: string): string | undefined {
  if (!OPENER_ROLES.some((role) => holdsRole(workload, role, actor.aadObjectId))) {
    return `Only the project manager or the business owner of ${workload.name} can open a UAT cycle.`;
  }
  if (workload.roles.businessOwner.length === 0) {
    return `${workload.name} has no business owner yet, and the business owner gives the final sign-off. The project manager can assign one with "roles ${workload.name}".`;
  }
  const gate = workload.gates.find((g) => g.id === BUSINESS_TESTING_GATE);
  // Once traffic is rerouted, a short cycle verifies the workload in production: the post-cutover business verification.
  const promoted = isClosed(workload.gates.find((g) => g.id === 'traffic-rerouted')?.status ?? 'pending');
  if (gate && isClosed(gate.status) && !promoted) {
    return `Business testing of ${workload.name} is already ${gate.status}; no new UAT cycle is needed.`;
  }
  const active = cycles.find((c) => isActive(c.state) && !isPastDue(c, now));
  if (active) {
    return `UAT cycle ${active.number} of ${workload.name} is still ${active.state === 'open' ? 'open for testers' : 'waiting for the final sign-off'} until ${dueLabel(active.due)}. A new cycle can follow once it has passed, failed, expired or been cancelled.`;
  }
  return undefined;
}

export interface OpenCycleRequest {
  workload: Workload;
  /** Every cycle of the workload so far. */
  cycles: SignoffCycle[];
  testers: Approver[];
  /** The business owners, with their Teams ids where known. */
  finalApprovers: Approver[];
  rule: RuleKind;
  /** N, for "at least N". */
  atLeast?: number;
  rejection: RejectionEffect;
  dueDate: string;
  dueTime: string;
  timeZone: string;
  testPlanUrl: string;
  scopeNotes: string;
  actor: Person;
  now: string;
}

export type OpenResult = { kind: 'opened'; cycle: SignoffCycle; event: Event } | { kind: 'refused'; message: string };

/** True for an absolute http or https address. */
export function isWebLink(text: string): boolean {
  if (!/^https?:\/\/\S+$/i.test(text)) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

const names = (people: Person[]): string => people.map((p) => p.name).join(', ');

export function ruleText(rule: { kind: RuleKind; needed: number }, testers: number): string {
  switch (rule.kind) {
    case 'all':
      return `Every tester approves (${testers} of ${testers})`;
    case 'atLeast':
      return `At least ${rule.needed} of ${testers} testers approve`;
    case 'any':
      return `Any one of ${testers} testers approves`;
  }
}

export const REJECTION_TEXT: Record<RejectionEffect, string> = {
  failsCycle: 'fails the cycle at once',
  countsAgainst: 'counts against the rule: the cycle fails only when the rule can no longer be met',
};

/** Opens the next cycle of a workload with its testers, rule, due time and test plan, or says why not. */
export function openCycle(request: OpenCycleRequest): OpenResult {
  const refuse = (message: string): OpenResult => ({ kind: 'refused', message });
  const { workload, actor, now } = request;
  const blocked = cannotOpen(workload, request.cycles, actor, now);
  if (blocked) return refuse(blocked);

  const testers = [...new Map(request.testers.map((t) => [t.aadObjectId, t])).values()];
  if (testers.length === 0) return refuse('Pick at least one tester.');
  if (testers.length > MAX_TESTERS) return refuse(`A cycle can have at most ${MAX_TESTERS} testers; you picked ${testers.length}.`);
  let needed: number;
  if (request.rule === 'all') needed = testers.length;
  else if (request.rule === 'any') needed = 1;
  else {
    const n = request.atLeast;
    if (n === undefined || !Number.isInteger(n) || n < 1 || n > testers.length) {
      return refuse(`For "at least N testers approve", N must be a whole number from 1 to ${testers.length} (the number of testers).`);
    }
    needed = n;
  }

  const due = zonedInstant(request.dueDate, request.dueTime, request.timeZone);
  if (!due.ok) return refuse(due.message);
  const dueMs = Date.parse(due.at);
  if (dueMs <= Date.parse(now)) return refuse('The due time has already passed. Pick a time in the future.');
  if (dueMs > Date.parse(now) + MAX_DUE_DAYS * 24 * HOUR_MS) return refuse(`Pick a due time within the next ${MAX_DUE_DAYS} days.`);

  const testPlanUrl = request.testPlanUrl.trim();
  if (!isWebLink(testPlanUrl) || testPlanUrl.length > 2000) {
    return refuse('The test plan link must be a web address starting with https:// or http://.');
  }
  const scopeNotes = request.scopeNotes.trim();
  if (scopeNotes.length > MAX_SCOPE_NOTES_LENGTH) return refuse(`Keep the scope notes under ${MAX_SCOPE_NOTES_LENGTH} characters.`);
  if (request.finalApprovers.length === 0) return refuse(`${workload.name} has no business owner to give the final sign-off.`);

  const number = request.cycles.reduce((max, c) => Math.max(max, c.number), 0) + 1;
  const id = cycleIdOf(number);
  const rule = { kind: request.rule, needed };
  const dueFields: CycleDue = { at: due.at, date: request.dueDate.trim(), time: request.dueTime.trim().slice(0, 5), timeZone: due.timeZone };
  const cycle: SignoffCycle = {
    id,
    workloadId: workload.workloadId,
    type: 'cycle',
    tenantId: workload.scope.tenantId,
    workloadName: workload.name,
    number,
    state: 'open',
    testers,
    finalApprovers: request.finalApprovers,
    rule,
    rejection: request.rejection,
    due: dueFields,
    testPlanUrl,
    scopeNotes,
    openedBy: actor,
    openedAt: now,
  };
  return {
    kind: 'opened',
    cycle,
    event: {
      workloadId: workload.workloadId,
      type: 'event',
      at: now,
      actor,
      action: 'cycle.opened',
      cycleId: id,
      summary: `${actor.name} opened UAT cycle ${number}: testers ${names(testers)}; ${ruleText(rule, testers.length).toLowerCase()}; a rejection ${REJECTION_TEXT[request.rejection].split(':')[0]}; due ${dueLabel(dueFields)}; final sign-off by ${names(request.finalApprovers)}.`,
    },
  };
}

// ---- the testers' tally ----

export interface Tally {
  approved: Vote[];
  rejected: Vote[];
  /** Testers with no decision recorded. */
  pending: Approver[];
  needed: number;
  /** What the decisions so far say: still open, the rule met, failed by a rejection, or the rule out of reach. */
  outcome: 'open' | 'met' | 'rejected' | 'unreachable';
}

/** Decisions in the order they were recorded (ISO times compare as strings), then by id. */
const byTime = (a: Vote, b: Vote): number => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Counts the testers' decisions against the cycle's rule. Decisions from anyone else are ignored. */
export function tally(cycle: SignoffCycle, votes: Vote[]): Tally {
  const testerIds = new Set(cycle.testers.map((t) => t.aadObjectId));
  const byVoter = new Map<string, Vote>();
  for (const v of votes) if (v.cycleId === cycle.id && testerIds.has(v.voter.aadObjectId)) byVoter.set(v.voter.aadObjectId, v);
  const decided = [...byVoter.values()].sort(byTime);
  const approved = decided.filter((v) => v.decision === 'approve');
  const rejected = decided.filter((v) => v.decision === 'reject');
  const pending = cycle.testers.filter((t) => !byVoter.has(t.aadObjectId));
  const needed = cycle.rule.needed;
  let outcome: Tally['outcome'] = 'open';
  if (cycle.rejection === 'failsCycle' && rejected.length > 0) outcome = 'rejected';
  else if (approved.length >= needed) outcome = 'met';
  else if (approved.length + pending.length < needed) outcome = 'unreachable';
  return { approved, rejected, pending, needed, outcome };
}

export function tallyText(t: Tally): string {
  return `Approved ${t.approved.length} · Rejected ${t.rejected.length} · Waiting for ${t.pending.length} · ${t.needed} approval${t.needed === 1 ? '' : 's'} needed`;
}

// ---- a tester's decision ----

export interface VoteRequest {
  actor: Person;
  decision: Decision;
  comment: string;
  evidence: string;
  now: string;
}

export type VoteCheck = { ok: true; vote: Vote; event: Event } | { ok: false; message: string; pastDue: boolean };

const STATE_WORDS: Record<SignoffCycle['state'], string> = {
  open: 'open',
  awaitingFinal: 'waiting for the final sign-off',
  passed: 'passed',
  failed: 'failed',
  expired: 'expired',
  cancelled: 'been cancelled',
};

/** Checks a tester's approval or rejection before it is stored; the store then makes it happen at most once. */
export function checkVote(cycle: SignoffCycle, request: VoteRequest): VoteCheck {
  const refuse = (message: string, pastDue = false): VoteCheck => ({ ok: false, message, pastDue });
  if (!cycle.testers.some((t) => t.aadObjectId === request.actor.aadObjectId)) {
    return refuse(`Only the testers named when UAT cycle ${cycle.number} opened can approve or reject it, and you are not one of them. Nothing was recorded.`);
  }
  if (cycle.state === 'awaitingFinal') {
    return refuse(`The testers' part of UAT cycle ${cycle.number} is complete: the rule is met and the cycle waits for the final sign-off. Nothing was recorded.`);
  }
  if (cycle.state !== 'open') return refuse(`UAT cycle ${cycle.number} has already ${STATE_WORDS[cycle.state]}. Nothing was recorded.`);
  if (isPastDue(cycle, request.now)) {
    return refuse(`UAT cycle ${cycle.number} was due ${dueLabel(cycle.due)} and has expired. Nothing was recorded.`, true);
  }
  const comment = request.comment.trim();
  const evidence = request.evidence.trim();
  if (request.decision === 'reject' && !comment) return refuse('Say why: a rejection needs a comment. Nothing was recorded yet.');
  if (comment.length > MAX_COMMENT_LENGTH) return refuse(`Keep the comment under ${MAX_COMMENT_LENGTH} characters. Nothing was recorded yet.`);
  if (evidence && (!isWebLink(evidence) || evidence.length > MAX_LINK_LENGTH)) {
    return refuse('The evidence link must be a web address starting with https:// or http://. Nothing was recorded yet.');
  }
  const vote: Vote = {
    id: voteId(cycle.id, request.actor.aadObjectId),
    workloadId: cycle.workloadId,
    type: 'vote',
    cycleId: cycle.id,
    voter: request.actor,
    decision: request.decision,
    comment,
    ...(evidence ? { evidence } : {}),
    at: request.now,
  };
  const verb = request.decision === 'approve' ? 'approved' : 'rejected';
  return {
    ok: true,
    vote,
    event: {
      workloadId: cycle.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: request.decision === 'approve' ? 'vote.approved' : 'vote.rejected',
      cycleId: cycle.id,
      summary: `${request.actor.name} ${verb} UAT cycle ${cycle.number}${comment ? `: ${comment}` : ''}${evidence ? ` (evidence: ${evidence})` : ''}`,
    },
  };
}

/** The seal written in the place of a tester's missing decision when the testers' part closes. */
export function sealFor(cycle: SignoffCycle, tester: Person, reason: SealReason, now: string): VoteSeal {
  return { id: voteId(cycle.id, tester.aadObjectId), workloadId: cycle.workloadId, type: 'voteSeal', cycleId: cycle.id, aadObjectId: tester.aadObjectId, at: now, reason };
}

/** Whether the decisions so far, or the clock, end the testers' part of an open cycle. */
export function testersShouldClose(cycle: SignoffCycle, t: Tally, now: string): TestersClosedReason | undefined {
  if (cycle.state !== 'open') return undefined;
  if (isPastDue(cycle, now)) return 'expired';
  if (t.outcome === 'open') return undefined;
  return t.outcome === 'met' ? 'ruleMet' : t.outcome === 'rejected' ? 'rejected' : 'ruleUnreachable';
}

/**
 * Closes the testers' part of a cycle on the complete set of decisions: every tester's place holds
 * a decision or a seal, so nothing can change it any more. A missing decision counts as not approved.
 * Past the due time the cycle expires; else, with "a rejection fails the cycle", any rejection fails it;
 * else the rule is met (the cycle waits for the final sign-off) or it is not (the cycle fails).
 */
export function closeTesters(cycle: SignoffCycle, completeVotes: Vote[], now: string): CycleChange {
  if (cycle.state !== 'open') return { kind: 'unchanged', cycle };
  const t = tally(cycle, completeVotes);
  const counts = { approved: t.approved.length, rejected: t.rejected.length };
  const event = (action: AuditEvent['action'], summary: string): Event => ({
    workloadId: cycle.workloadId,
    type: 'event',
    at: now,
    actor: { aadObjectId: 'liftoff', name: 'Liftoff' },
    action,
    cycleId: cycle.id,
    summary,
  });
  const of = `${counts.approved} of ${cycle.testers.length} approved`;
  if (isPastDue(cycle, now)) {
    return {
      kind: 'changed',
      cycle: { ...cycle, state: 'expired', testersClosed: { at: now, reason: 'expired', ...counts }, closedAt: now },
      event: event('cycle.expired', `UAT cycle ${cycle.number} expired: it was due ${dueLabel(cycle.due)} (${of}, ${t.needed} needed).`),
    };
  }
  if (cycle.rejection === 'failsCycle' && t.rejected.length > 0) {
    const first = t.rejected[0]!;
    return {
      kind: 'changed',
      cycle: { ...cycle, state: 'failed', testersClosed: { at: now, reason: 'rejected', ...counts }, closedAt: now },
      event: event('cycle.failed', `UAT cycle ${cycle.number} failed: ${first.voter.name} rejected it: ${first.comment}`),
    };
  }
  if (t.approved.length >= t.needed) {
    return {
      kind: 'changed',
      cycle: { ...cycle, state: 'awaitingFinal', testersClosed: { at: now, reason: 'ruleMet', ...counts } },
      event: event('cycle.testersApproved', `The testers approved UAT cycle ${cycle.number} (${of}); it waits for the final sign-off by ${names(cycle.finalApprovers)}.`),
    };
  }
  return {
    kind: 'changed',
    cycle: { ...cycle, state: 'failed', testersClosed: { at: now, reason: 'ruleUnreachable', ...counts }, closedAt: now },
    event: event('cycle.failed', `UAT cycle ${cycle.number} failed: the rule can no longer be met (${of}, ${t.needed} needed).`),
  };
}

/** Expires a cycle that waits for its final sign-off past its due time. An open cycle expires through closeTesters. */
export function expireAwaitingFinal(cycle: SignoffCycle, now: string): CycleChange {
  if (cycle.state !== 'awaitingFinal' || !isPastDue(cycle, now)) return { kind: 'unchanged', cycle };
  return {
    kind: 'changed',
    cycle: { ...cycle, state: 'expired', closedAt: now },
    event: {
      workloadId: cycle.workloadId,
      type: 'event',
      at: now,
      actor: { aadObjectId: 'liftoff', name: 'Liftoff' },
      action: 'cycle.expired',
      cycleId: cycle.id,
      summary: `UAT cycle ${cycle.number} expired waiting for the final sign-off: it was due ${dueLabel(cycle.due)}.`,
    },
  };
}

// ---- the final sign-off ----

export interface FinalRequest {
  actor: Person;
  decision: Decision;
  comment: string;
  now: string;
}

/** The business owner's final decision on a cycle whose testers' rule is met. */
export function decideFinal(cycle: SignoffCycle, request: FinalRequest): CycleChange {
  const refuse = (message: string): CycleChange => ({ kind: 'refused', message, cycle });
  if (!cycle.finalApprovers.some((p) => p.aadObjectId === request.actor.aadObjectId)) {
    return refuse(`Only the business owner named when UAT cycle ${cycle.number} opened (${names(cycle.finalApprovers)}) can give its final sign-off.`);
  }
  if (cycle.final && cycle.final.by.aadObjectId === request.actor.aadObjectId && cycle.final.decision === request.decision) {
    return { kind: 'unchanged', cycle };
  }
  if (cycle.state === 'open') return refuse(`The final sign-off of UAT cycle ${cycle.number} comes after the testers meet the rule; they have not yet.`);
  if (cycle.state !== 'awaitingFinal') return refuse(`UAT cycle ${cycle.number} has already ${STATE_WORDS[cycle.state]}; nothing was changed.`);
  if (isPastDue(cycle, request.now)) return refuse(`UAT cycle ${cycle.number} was due ${dueLabel(cycle.due)} and has expired; nothing was changed.`);
  const comment = request.comment.trim();
  if (request.decision === 'reject' && !comment) return refuse('Say why: refusing the final sign-off needs a comment.');
  if (comment.length > MAX_COMMENT_LENGTH) return refuse(`Keep the comment under ${MAX_COMMENT_LENGTH} characters.`);
  const approve = request.decision === 'approve';
  return {
    kind: 'changed',
    cycle: {
      ...cycle,
      state: approve ? 'passed' : 'failed',
      final: { by: request.actor, at: request.now, decision: request.decision, ...(comment ? { comment } : {}) },
      closedAt: request.now,
    },
    event: {
      workloadId: cycle.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: approve ? 'cycle.passed' : 'cycle.failed',
      cycleId: cycle.id,
      summary: approve
        ? `${request.actor.name} gave the final business sign-off of UAT cycle ${cycle.number}${comment ? `: ${comment}` : ''}`
        : `${request.actor.name} refused the final business sign-off of UAT cycle ${cycle.number}: ${comment}`,
    },
  };
}

/** The evidence recorded on the business-testing gate when a cycle passes. */
export function gateEvidence(cycle: SignoffCycle): string {
  const counts = cycle.testersClosed ? `${cycle.testersClosed.approved} of ${cycle.testers.length} testers approved` : 'the testers approved';
  return `UAT cycle ${cycle.number}: ${counts}; final sign-off by ${cycle.final?.by.name ?? 'the business owner'}. Test plan: ${cycle.testPlanUrl}`;
}

// ---- cancelling a cycle ----

/** The business owner(s) and project manager(s) of the workload, as it is now, may cancel its cycles. */
export function mayCancel(workload: Workload, actor: Person): boolean {
  return OPENER_ROLES.some((role) => holdsRole(workload, role, actor.aadObjectId));
}

/** Why this person cannot remind the testers of a cycle, or undefined: the project manager, the business owner, or whoever opened it. */
export function cannotRemind(workload: Workload, cycle: SignoffCycle, actor: Person): string | undefined {
  const may = holdsRole(workload, 'projectManager', actor.aadObjectId) || holdsRole(workload, 'businessOwner', actor.aadObjectId) || cycle.openedBy.aadObjectId === actor.aadObjectId;
  return may ? undefined : `Only the project manager or the business owner of ${workload.name} can remind the testers.`;
}

export interface CancelRequest {
  actor: Person;
  reason: string;
  now: string;
}

/**
 * Cancels a cycle that is open or waiting for its final sign-off. The caller seals every tester's empty
 * place first (see SignoffService.cancel), so that no decision can be stored after the cycle is cancelled.
 * The same person cancelling again (a retry, a double click) changes nothing.
 */
export function cancelCycle(cycle: SignoffCycle, workload: Workload, request: CancelRequest): CycleChange {
  const refuse = (message: string): CycleChange => ({ kind: 'refused', message, cycle });
  if (!mayCancel(workload, request.actor)) {
    return refuse(`Only the business owner or the project manager of ${workload.name} can cancel a UAT cycle. Nothing was changed.`);
  }
  if (cycle.state === 'cancelled') {
    if (cycle.cancelled?.by.aadObjectId === request.actor.aadObjectId) return { kind: 'unchanged', cycle };
    return refuse(`UAT cycle ${cycle.number} has already been cancelled${cycle.cancelled ? ` by ${cycle.cancelled.by.name}` : ''}; nothing was changed.`);
  }
  if (!isActive(cycle.state)) return refuse(`UAT cycle ${cycle.number} has already ${STATE_WORDS[cycle.state]}; nothing was changed.`);
  if (isPastDue(cycle, request.now)) return refuse(`UAT cycle ${cycle.number} was due ${dueLabel(cycle.due)} and has expired; nothing was changed.`);
  const reason = request.reason.trim();
  if (!reason) return refuse('Say why: cancelling a UAT cycle needs a reason. Nothing was changed yet.');
  if (reason.length > MAX_COMMENT_LENGTH) return refuse(`Keep the reason under ${MAX_COMMENT_LENGTH} characters. Nothing was changed yet.`);
  return {
    kind: 'changed',
    cycle: { ...cycle, state: 'cancelled', cancelled: { by: request.actor, at: request.now, reason }, closedAt: request.now },
    event: {
      workloadId: cycle.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: 'cycle.cancelled',
      cycleId: cycle.id,
      summary: `${request.actor.name} cancelled UAT cycle ${cycle.number}: ${reason}`,
    },
  };
}

// ---- who sees what ----

/** What a person may do on a cycle's card: decide as a tester, sign off as the business owner, or only look. */
export type Viewer = 'tester' | 'finalApprover' | 'observer';

export function viewerOf(cycle: SignoffCycle, t: Tally, aadObjectId: string, now: string): Viewer {
  if (isPastDue(cycle, now)) return 'observer';
  if (cycle.state === 'open' && t.pending.some((p) => p.aadObjectId === aadObjectId)) return 'tester';
  if (cycle.state === 'awaitingFinal' && cycle.finalApprovers.some((p) => p.aadObjectId === aadObjectId)) return 'finalApprover';
  return 'observer';
}

/**
 * Who needs their own view of the shared card: the pending testers while it is open, the final
 * approvers while it waits for them; nobody once it is closed. `userIds` is set only when Teams can
 * take the list (at most 60 people, every Teams id known); otherwise everyone refreshes by hand.
 */
export function refreshPlan(cycle: SignoffCycle, t: Tally, now: string): { userIds?: string[] } | undefined {
  if (!isActive(cycle.state) || isPastDue(cycle, now)) return undefined;
  const who = cycle.state === 'open' ? t.pending : cycle.finalApprovers;
  if (who.length === 0) return undefined;
  if (who.length > MAX_REFRESH_USERS || who.some((p) => !p.teamsUserId)) return {};
  return { userIds: who.map((p) => p.teamsUserId) };
}
