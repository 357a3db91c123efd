import { createHash } from 'node:crypto';
import { formatWhen } from '../shared/dates';
import { evidenceRefusal, evidenceSummary, formNeeded, staleEvidence, staleRefusal } from './evidence';
import { AuditEvent, Decision, GATE_CATALOGUE, Gate, GateDefinition, GateEvidence, GateStatus, Person, ROLES, ROLE_TITLES, Role, STAGES, Stage, WaiverPolicy, Workload, WorkloadScope } from './model';

/** Pure release rules: no I/O, no clock, no randomness. Callers pass time and ids in. */

export const MAX_NOTE_LENGTH = 1000;
export const MAX_PEOPLE_PER_ROLE = 100;

/** What a rule decided: a change to store, an action already applied (a retry), or a refusal to show. */
export type RuleResult = { kind: 'changed'; workload: Workload; event: Omit<AuditEvent, 'id'> } | { kind: 'unchanged'; workload: Workload } | { kind: 'refused'; message: string; workload: Workload };

export type NameCheck = { ok: true; name: string; slug: string } | { ok: false; message: string };

export const MAX_NAME_LENGTH = 60;
/** A slug's budget in the workload id (UTF-16 units, as Cosmos DB's 255 counts them); the rest of the id is the tenant and scope. */
export const MAX_SLUG_LENGTH = 100;

/**
 * Checks a workload name typed by a person and derives its slug. Lengths are counted after compatibility
 * normalization (NFKC), the form the slug is built from: one character such as U+FDFA spells out to eighteen.
 */
export function checkWorkloadName(raw: string): NameCheck {
  const name = raw.normalize('NFKC').trim().replace(/\s+/g, ' ');
  if (!name) return { ok: false, message: 'Give the workload a name, for example: new Payroll API.' };
  if ([...name].length > MAX_NAME_LENGTH) return { ok: false, message: `A workload name can be at most ${MAX_NAME_LENGTH} characters long.` };
  if (!/^[\p{L}\p{N}][\p{L}\p{M}\p{N} ._-]*$/u.test(name)) {
    return {
      ok: false,
      message: 'A workload name starts with a letter or digit and may hold letters, digits, spaces, dots, dashes and underscores.',
    };
  }
  const slug = slugOf(name);
  if (slug.length < 2) return { ok: false, message: 'A workload name needs at least two letters or digits.' };
  // Letters such as Hangul syllables spell out to several in the slug.
  if (slug.length > MAX_SLUG_LENGTH) return { ok: false, message: 'This name spells out too long for a workload id; use a shorter one.' };
  return { ok: true, name, slug };
}

/** A name as an id part: lower case, accents dropped, every run of other characters one dash. */
export function slugOf(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The workload id: names are unique within the team or chat a workload was created in, so the id carries
 * the tenant, a short digest of that team or chat (ids stay short and free of characters Cosmos refuses),
 * and the slug, last.
 */
export function workloadIdOf(scope: Pick<WorkloadScope, 'tenantId' | 'scopeId'>, slug: string): string {
  return `${scope.tenantId}:${scopeKeyOf(scope.scopeId)}:${slug}`;
}

/** The slug part of a workload id. */
export function slugOfWorkloadId(workloadId: string): string {
  return workloadId.slice(workloadId.lastIndexOf(':') + 1);
}

/**
 * The partition of what belongs to a team (or chat) rather than to one workload: its waves and blackout
 * periods, in the `workloads` container. Workload ids start with the tenant id, so this key never names one.
 */
export function teamPartitionOf(scope: Pick<WorkloadScope, 'tenantId' | 'scopeId'>): string {
  return `team:${scope.tenantId}:${scopeKeyOf(scope.scopeId)}`;
}

function scopeKeyOf(scopeId: string): string {
  return createHash('sha256').update(scopeId).digest('hex').slice(0, 12);
}

/** How a person stands to a workload, before Teams is asked about membership. */
export type Standing = 'member' | 'roleHolder' | 'askTeams' | 'stranger';

/**
 * Who may read or act on a workload: the members of the team or chat it was created in, and the holders
 * of its roles (a business owner deciding from a personal chat). A person writing from that team or chat
 * is a member (Teams delivered their activity from it); anyone else of the tenant is a member only if
 * Teams says so; another tenant never is.
 */
export function standingOf(workload: Workload, viewer: { tenantId: string; scopeId: string; aadObjectId: string }): Standing {
  if (workload.scope.tenantId !== viewer.tenantId) return 'stranger';
  if (workload.scope.scopeId === viewer.scopeId) return 'member';
  if (rolesOf(workload, viewer.aadObjectId).length > 0) return 'roleHolder';
  return 'askTeams';
}

const emptyRoles = (): Record<Role, Person[]> => Object.fromEntries(ROLES.map((r) => [r, [] as Person[]])) as unknown as Record<Role, Person[]>;

/** A new workload at the start of its release; its creator becomes its project manager. */
/**
 * A stored workload with every gate of today's catalogue, in catalogue order: a workload stored before a gate
 * was added to the catalogue (the cost review, say) gets it pending, so its checklist, the decision form and
 * the rules of later gates see it; the next write stores it. Gates the catalogue no longer has stay, last.
 */
export function withEveryGate(workload: Workload): Workload {
  const byId = new Map(workload.gates.map((g) => [g.id, g]));
  if (GATE_CATALOGUE.every((def, i) => workload.gates[i]?.id === def.id)) return workload;
  const known = new Set(GATE_CATALOGUE.map((def) => def.id));
  const gates: Gate[] = [...GATE_CATALOGUE.map((def): Gate => byId.get(def.id) ?? { id: def.id, status: 'pending', rev: 1 }), ...workload.gates.filter((g) => !known.has(g.id))];
  return { ...workload, gates };
}

export function newWorkload(input: { name: string; slug: string; scope: WorkloadScope; creator: Person; now: string }): {
  workload: Workload;
  event: Omit<AuditEvent, 'id'>;
} {
  const workloadId = workloadIdOf(input.scope, input.slug);
  const roles = emptyRoles();
  roles.projectManager = [input.creator];
  const workload: Workload = {
    id: workloadId,
    workloadId,
    type: 'workload',
    name: input.name,
    scope: input.scope,
    createdBy: input.creator,
    createdAt: input.now,
    roles,
    rolesRev: 1,
    gates: GATE_CATALOGUE.map((g) => ({ id: g.id, status: 'pending', rev: 1 })),
  };
  return {
    workload,
    event: {
      workloadId,
      type: 'event',
      at: input.now,
      actor: input.creator,
      action: 'workload.created',
      summary: `${input.creator.name} created ${input.name} and became its project manager.`,
    },
  };
}

export function gateDefinition(gateId: string): GateDefinition | undefined {
  return GATE_CATALOGUE.find((g) => g.id === gateId);
}

export const isClosed = (status: GateStatus): boolean => status === 'passed' || status === 'waived';

export function holdsRole(workload: Workload, role: Role, aadObjectId: string): boolean {
  return workload.roles[role].some((p) => p.aadObjectId === aadObjectId);
}

export function rolesOf(workload: Workload, aadObjectId: string): Role[] {
  return ROLES.filter((r) => holdsRole(workload, r, aadObjectId));
}

const STATUS_OF: Record<Decision, GateStatus> = { pass: 'passed', fail: 'failed', waive: 'waived' };
const PAST_TENSE: Record<Decision, string> = { pass: 'passed', fail: 'failed', waive: 'waived' };
const WAIVER_ROLES: readonly Role[] = ['projectManager', 'businessOwner'];

/** The gates before this one, in catalogue order, that are neither passed nor waived. */
export function openEarlierGates(workload: Workload, gateId: string): GateDefinition[] {
  const index = GATE_CATALOGUE.findIndex((g) => g.id === gateId);
  return GATE_CATALOGUE.slice(0, Math.max(index, 0)).filter((def) => {
    const state = workload.gates.find((g) => g.id === def.id);
    return !state || !isClosed(state.status);
  });
}

export interface GateDecisionRequest {
  gateId: string;
  decision: Decision;
  /** The gate revision the person saw on their card. */
  rev: number;
  note?: string;
  actor: Person;
  now: string;
  /** The id of the request that carried the decision (the Teams activity): a client's retry carries the same one. */
  requestId?: string;
  /** The gate's evidence form, read (bot/release/evidence.ts parseEvidence). */
  typedEvidence?: GateEvidence;
  /** A pass of a gate that has an evidence form needs it (what the bot asks; older callers may pass on a note). */
  evidenceRequired?: boolean;
  /** Who recorded the cutover (planned a release window): they promote, so they never waive promotion. */
  promoters?: Person[];
  /** How old readiness evidence may be when promotion is decided, in days. */
  evidenceMaxAgeDays?: number;
}

/** Applies a pass, fail or waiver to a gate, or says why it cannot. */
export function decideGate(workload: Workload, request: GateDecisionRequest): RuleResult {
  const refuse = (message: string): RuleResult => ({ kind: 'refused', message, workload });
  const def = gateDefinition(request.gateId);
  const gate = workload.gates.find((g) => g.id === request.gateId);
  if (!def || !gate) return refuse('That gate is not part of this release checklist.');

  const wanted = STATUS_OF[request.decision];
  const sameActor = gate.decidedBy?.aadObjectId === request.actor.aadObjectId;
  const sameNote = (gate.evidence ?? gate.reason ?? '') === (request.note?.trim() ?? '');
  // Only the very same request again (a client retry) is "already done"; a press on an older card, or another note, is not.
  const sameRequest = gate.requestId && request.requestId ? gate.requestId === request.requestId : sameNote;
  if (request.rev === gate.rev - 1 && gate.status === wanted && sameActor && sameRequest) {
    return { kind: 'unchanged', workload };
  }
  const asked = gate.pendingWaiver;
  if (request.decision === 'waive' && asked?.by.aadObjectId === request.actor.aadObjectId && request.rev === gate.rev - 1 && (!request.requestId || gate.requestId === request.requestId)) {
    return { kind: 'unchanged', workload };
  }
  if (request.rev !== gate.rev || isClosed(gate.status)) {
    return refuse(`${gateTruth(def, gate)}; yours was not recorded. Here is the current checklist.`);
  }

  let waiver: Waiver = 'alone';
  if (request.decision === 'waive') {
    const verdict = waiverVerdict(workload, def, request.actor.aadObjectId, request.promoters ?? []);
    if (verdict.kind === 'refused') return refuse(verdict.message);
    waiver = verdict.kind;
    if (waiver === 'ask' && gate.pendingWaiver) {
      return refuse(`${gate.pendingWaiver.by.name} already asked to waive "${def.title}"; it waits for a second approver to confirm it.`);
    }
  } else if (!holdsRole(workload, def.ownerRole, request.actor.aadObjectId)) {
    const owners = workload.roles[def.ownerRole].map((p) => p.name);
    const ownerText = owners.length ? owners.join(', ') : `nobody yet; the project manager can assign one with "roles ${workload.name}"`;
    return refuse(`Only someone holding the ${ROLE_TITLES[def.ownerRole]} role can ${request.decision} "${def.title}" (${ownerText}).`);
  }

  const note = request.note?.trim() ?? '';
  if (note.length > MAX_NOTE_LENGTH) return refuse(`Keep the evidence or reason under ${MAX_NOTE_LENGTH} characters.`);
  if (request.decision !== 'pass' && !note) {
    return refuse(`Say why: a ${request.decision === 'waive' ? 'waiver' : 'failed gate'} needs a reason.`);
  }
  const typed = request.typedEvidence;
  const evidenceProblem = typed ? evidenceRefusal(def.title, typed, request.decision, note) : request.evidenceRequired ? formNeeded(def, request.decision) : undefined;
  if (evidenceProblem) return refuse(evidenceProblem);
  if (def.id === PROMOTION_GATE && request.decision === 'pass' && request.evidenceMaxAgeDays !== undefined) {
    const stale = staleRefusal(staleEvidence(workload, request.now, request.evidenceMaxAgeDays), request.evidenceMaxAgeDays);
    if (stale) return refuse(stale);
  }
  if (waiver === 'ask') return askWaiver(workload, def, gate, { actor: request.actor, reason: note, now: request.now, requestId: request.requestId });
  if (request.decision !== 'fail' && def.requiresEarlierGates) {
    const open = openEarlierGates(workload, def.id);
    if (open.length) {
      const list = open
        .slice(0, 3)
        .map((g) => `"${g.title}"`)
        .join(', ');
      const more = open.length > 3 ? ` and ${open.length - 3} more` : '';
      return refuse(`"${def.title}" can't be ${PAST_TENSE[request.decision]} while earlier gates are open: ${list}${more}.`);
    }
  }

  const decided: Gate = {
    id: gate.id,
    status: wanted,
    rev: gate.rev + 1,
    decidedBy: request.actor,
    decidedAt: request.now,
    ...(request.requestId ? { requestId: request.requestId } : {}),
    ...(request.decision === 'pass' && note ? { evidence: note } : {}),
    ...(request.decision !== 'pass' ? { reason: note } : {}),
    ...(typed ? { typedEvidence: typed } : {}),
  };
  const updated: Workload = { ...workload, gates: workload.gates.map((g) => (g.id === gate.id ? decided : g)) };
  const detail = typed ? `: ${evidenceSummary(typed)}${note ? `. Note: ${note}` : ''}` : note ? `: ${note}` : '';
  return {
    kind: 'changed',
    workload: updated,
    event: {
      workloadId: workload.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: `gate.${PAST_TENSE[request.decision]}` as AuditEvent['action'],
      gateId: gate.id,
      summary: `${request.actor.name} ${PAST_TENSE[request.decision]} "${def.title}"${detail}`,
    },
  };
}

/** The gate whose waiver the person who promotes may never give. */
const PROMOTION_GATE = 'traffic-rerouted';
/** Who may confirm a waiver someone else asked for on a gate the CISO owns (with the second-approver policy). */
const SECOND_APPROVER_ROLES: readonly Role[] = ['projectManager', 'businessOwner', 'ciso'];

/** A waiver given alone, one asked for that waits for a second approver, or a refusal. */
type Waiver = 'alone' | 'ask';
type WaiverVerdict = { kind: Waiver } | { kind: 'refused'; message: string };

const isAmong = (people: Person[], aadObjectId: string): boolean => people.some((p) => p.aadObjectId === aadObjectId);

/**
 * Separation of duties for waivers: a gate the CISO owns is waived by the CISO, or (when the workload's CISO
 * chose the second-approver policy) asked for by the project manager or the business owner and confirmed by
 * another role holder; promotion is never waived by the one who promotes (its owner role, or whoever recorded
 * the cutover); every other gate by the project manager or the business owner.
 */
function waiverVerdict(workload: Workload, def: GateDefinition, aadObjectId: string, promoters: Person[]): WaiverVerdict {
  if (def.ownerRole === 'ciso') {
    if (holdsRole(workload, 'ciso', aadObjectId)) return { kind: 'alone' };
    if (workload.waiverPolicy === 'secondApprover' && WAIVER_ROLES.some((r) => holdsRole(workload, r, aadObjectId))) return { kind: 'ask' };
    const how = workload.waiverPolicy === 'secondApprover' ? 'the CISO, or the project manager or the business owner with a second approver' : 'the CISO';
    return { kind: 'refused', message: `Only ${how} can waive "${def.title}": a security gate is not waived by one person alone.` };
  }
  if (!WAIVER_ROLES.some((r) => holdsRole(workload, r, aadObjectId))) return { kind: 'refused', message: 'Only the project manager or the business owner can waive a gate.' };
  if (def.id === PROMOTION_GATE && (holdsRole(workload, def.ownerRole, aadObjectId) || isAmong(promoters, aadObjectId))) {
    return {
      kind: 'refused',
      message: `"${def.title}" is not waived by the one who promotes (the ${ROLE_TITLES[def.ownerRole]}, or whoever recorded the cutover): another project manager or the business owner can.`,
    };
  }
  return { kind: 'alone' };
}

/** A waiver asked for, waiting for its second approver: the gate stays pending, its revision moves. */
function askWaiver(workload: Workload, def: GateDefinition, gate: Gate, request: { actor: Person; reason: string; now: string; requestId?: string | undefined }): RuleResult {
  const asked: Gate = { ...gate, rev: gate.rev + 1, pendingWaiver: { by: request.actor, reason: request.reason, at: request.now }, ...(request.requestId ? { requestId: request.requestId } : {}) };
  return {
    kind: 'changed',
    workload: { ...workload, gates: workload.gates.map((g) => (g.id === gate.id ? asked : g)) },
    event: {
      workloadId: workload.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: 'gate.waiverRequested',
      gateId: gate.id,
      summary: `${request.actor.name} asked to waive "${def.title}": ${request.reason}. It waits for a second approver.`,
    },
  };
}

/** A second approver confirms a waiver someone else asked for: the gate is waived, both names kept. */
export function confirmWaiver(workload: Workload, request: { gateId: string; rev: number; actor: Person; now: string }): RuleResult {
  const refuse = (message: string): RuleResult => ({ kind: 'refused', message, workload });
  const def = gateDefinition(request.gateId);
  const gate = workload.gates.find((g) => g.id === request.gateId);
  if (!def || !gate) return refuse('That gate is not part of this release checklist.');
  if (gate.status === 'waived' && gate.waiverRequestedBy && gate.decidedBy?.aadObjectId === request.actor.aadObjectId && request.rev === gate.rev - 1) return { kind: 'unchanged', workload };
  const pending = gate.pendingWaiver;
  if (!pending || request.rev !== gate.rev) {
    const truth = isClosed(gate.status) || gate.status === 'failed' ? gateTruth(def, gate) : `"${def.title}" has no waiver waiting for a second approver`;
    return refuse(`${truth}; yours was not recorded. Here is the current checklist.`);
  }
  if (pending.by.aadObjectId === request.actor.aadObjectId) return refuse(`You asked for this waiver; a second approver, not you, confirms it.`);
  if (!SECOND_APPROVER_ROLES.some((r) => holdsRole(workload, r, request.actor.aadObjectId))) {
    return refuse('Only a project manager, the business owner or the CISO can confirm a waiver as its second approver.');
  }
  const { pendingWaiver: _asked, ...rest } = gate;
  const waived: Gate = { ...rest, status: 'waived', rev: gate.rev + 1, reason: pending.reason, decidedBy: request.actor, decidedAt: request.now, waiverRequestedBy: pending.by };
  return {
    kind: 'changed',
    workload: { ...workload, gates: workload.gates.map((g) => (g.id === gate.id ? waived : g)) },
    event: {
      workloadId: workload.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: 'gate.waived',
      gateId: gate.id,
      summary: `${request.actor.name} confirmed, as second approver, the waiver of "${def.title}" ${pending.by.name} asked for: ${pending.reason}`,
    },
  };
}

const POLICY_WORDS: Record<WaiverPolicy, string> = {
  cisoOnly: 'only the CISO waives the CISO verification',
  secondApprover: 'the CISO verification may also be waived by the project manager or the business owner with a second approver',
};

/** The CISO chooses who may waive the gates the CISO owns on this workload. */
export function setWaiverPolicy(workload: Workload, request: { policy: WaiverPolicy; actor: Person; now: string }): RuleResult {
  if ((workload.waiverPolicy ?? 'cisoOnly') === request.policy) return { kind: 'unchanged', workload };
  if (!holdsRole(workload, 'ciso', request.actor.aadObjectId)) return { kind: 'refused', message: 'Only the CISO of this workload can change who may waive the CISO verification.', workload };
  return {
    kind: 'changed',
    workload: { ...workload, waiverPolicy: request.policy },
    event: {
      workloadId: workload.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: 'waiver.policySet',
      summary: `${request.actor.name} set the waiver rule: ${POLICY_WORDS[request.policy]}.`,
    },
  };
}

/** The gate's owner says its evidence is still true: it is dated again, for promotion to go on. */
export function confirmEvidence(workload: Workload, request: { gateId: string; rev: number; actor: Person; now: string }): RuleResult {
  const refuse = (message: string): RuleResult => ({ kind: 'refused', message, workload });
  const def = gateDefinition(request.gateId);
  const gate = workload.gates.find((g) => g.id === request.gateId);
  if (!def || !gate) return refuse('That gate is not part of this release checklist.');
  const typed = gate.typedEvidence;
  if (typed?.confirmedBy?.aadObjectId === request.actor.aadObjectId && request.rev === gate.rev - 1) return { kind: 'unchanged', workload };
  if (gate.status !== 'passed' || !typed) return refuse(`"${def.title}" has no evidence to confirm: it is ${gate.status}.`);
  if (request.rev !== gate.rev) return refuse(`"${def.title}" changed since this card was shown; yours was not recorded. Here is the current checklist.`);
  if (!holdsRole(workload, def.ownerRole, request.actor.aadObjectId)) {
    return refuse(`Only someone holding the ${ROLE_TITLES[def.ownerRole]} role can confirm the evidence of "${def.title}".`);
  }
  const confirmed: Gate = { ...gate, rev: gate.rev + 1, typedEvidence: { ...typed, confirmedAt: request.now, confirmedBy: request.actor } };
  return {
    kind: 'changed',
    workload: { ...workload, gates: workload.gates.map((g) => (g.id === gate.id ? confirmed : g)) },
    event: {
      workloadId: workload.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: 'gate.evidenceConfirmed',
      gateId: gate.id,
      summary: `${request.actor.name} confirmed the evidence of "${def.title}" again (recorded ${formatWhen(typed.recordedAt)}): ${evidenceSummary(confirmed.typedEvidence!)}`,
    },
  };
}

/** Who may waive a gate, in words for the card, where it differs from "the project manager or the business owner". */
export function waiverRule(def: GateDefinition, policy: WaiverPolicy = 'cisoOnly'): string {
  if (def.ownerRole === 'ciso') {
    return policy === 'secondApprover' ? 'Waived by the CISO, or by the project manager or the business owner with a second approver.' : 'Only the CISO can waive it.';
  }
  if (def.id === PROMOTION_GATE) return `Not waived by the ${ROLE_TITLES[def.ownerRole]} who promotes, nor by whoever recorded the cutover.`;
  return '';
}

/** What is true of a gate now, in a sentence: `"Title" is already waived by Alex Wilber on Tue 1 Dec 2026, 20:56 UTC: reason`. */
export function gateTruth(def: GateDefinition, gate: Gate): string {
  if (gate.pendingWaiver) return `"${def.title}" changed since this card was shown: ${gate.pendingWaiver.by.name} asked to waive it (${gate.pendingWaiver.reason}), waiting for a second approver`;
  if (gate.status === 'pending' || !gate.decidedBy) return `"${def.title}" changed since this card was shown: it is now ${gate.status}`;
  const when = gate.decidedAt ? ` on ${formatWhen(gate.decidedAt)}` : '';
  const why = gate.evidence ?? gate.reason;
  return `"${def.title}" is already ${gate.status} by ${gate.decidedBy.name}${when}${why ? `: ${why}` : ''}`;
}

export interface RoleAssignmentRequest {
  /** Who should hold each role named here; roles not named keep their holders. */
  roles: Partial<Record<Role, Person[]>>;
  /** The roles revision the person saw on their card. */
  rolesRev: number;
  actor: Person;
  now: string;
}

const sameMembers = (a: Person[], b: Person[]): boolean => {
  const ids = new Set(a.map((p) => p.aadObjectId));
  return a.length === b.length && b.every((p) => ids.has(p.aadObjectId));
};

/** Sets who holds the named roles; only a project manager may, and a workload always keeps one. */
export function assignRoles(workload: Workload, request: RoleAssignmentRequest): RuleResult {
  const refuse = (message: string): RuleResult => ({ kind: 'refused', message, workload });
  const requested = Object.fromEntries(Object.entries(request.roles).map(([role, people]) => [role, [...new Map(people.map((p) => [p.aadObjectId, p])).values()]])) as Partial<Record<Role, Person[]>>;
  const roles: Record<Role, Person[]> = { ...workload.roles, ...requested };
  const changed = ROLES.filter((r) => !sameMembers(workload.roles[r], roles[r]));
  if (changed.length === 0 && request.rolesRev >= workload.rolesRev - 1) return { kind: 'unchanged', workload };
  if (request.rolesRev !== workload.rolesRev) {
    return refuse('The roles changed since this card was shown. Here are the current roles; make your change again.');
  }
  if (!holdsRole(workload, 'projectManager', request.actor.aadObjectId)) {
    return refuse('Only the project manager of this workload can assign roles.');
  }
  if (roles.projectManager.length === 0) {
    return refuse('A workload needs at least one project manager.');
  }
  const crowded = ROLES.find((r) => roles[r].length > MAX_PEOPLE_PER_ROLE);
  if (crowded) return refuse(`A role can hold at most ${MAX_PEOPLE_PER_ROLE} people; ${ROLE_TITLES[crowded]} has more.`);

  const changes = changed.map((r) => `${ROLE_TITLES[r]}: ${roles[r].map((p) => p.name).join(', ') || 'nobody'}`);
  return {
    kind: 'changed',
    workload: { ...workload, roles, rolesRev: workload.rolesRev + 1 },
    event: {
      workloadId: workload.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: 'roles.assigned',
      summary: `${request.actor.name} assigned roles. ${changes.join('; ')}.`,
    },
  };
}

/** The stage the workload is in: the first stage with a gate neither passed nor waived. */
export function currentStage(workload: Workload): Stage | 'released' {
  for (const stage of STAGES) {
    const gates = GATE_CATALOGUE.filter((g) => g.stage === stage);
    const open = gates.some((def) => !isClosed(workload.gates.find((g) => g.id === def.id)?.status ?? 'pending'));
    if (open) return stage;
  }
  return 'released';
}

export interface NextStep {
  gate: GateDefinition;
  status: GateStatus;
  owners: Person[];
}

/** The first open gate, in checklist order, with who owns it; undefined once every gate is closed. */
export function nextStep(workload: Workload): NextStep | undefined {
  for (const def of GATE_CATALOGUE) {
    const state = workload.gates.find((g) => g.id === def.id);
    const status = state?.status ?? 'pending';
    if (!isClosed(status)) return { gate: def, status, owners: workload.roles[def.ownerRole] };
  }
  return undefined;
}

/**
 * Passes a gate because another capability's own rule was met (the business owner's final sign-off,
 * a change notice sent, a retrospective closed). That capability has already checked who may do it;
 * only the release's order applies here. A gate already passed or waived stays as it is.
 */
export function passGateOnBehalf(workload: Workload, request: { gateId: string; actor: Person; evidence: string; now: string }): RuleResult {
  const def = gateDefinition(request.gateId);
  const gate = workload.gates.find((g) => g.id === request.gateId);
  if (!def || !gate) return { kind: 'refused', message: 'That gate is not part of this release checklist.', workload };
  if (isClosed(gate.status)) return { kind: 'unchanged', workload };
  const open = def.requiresEarlierGates ? openEarlierGates(workload, def.id) : [];
  if (open.length) {
    const list = open
      .slice(0, 3)
      .map((g) => `"${g.title}"`)
      .join(', ');
    return { kind: 'refused', message: `"${def.title}" can't be passed while earlier gates are open: ${list}.`, workload };
  }
  const decided: Gate = {
    id: gate.id,
    status: 'passed',
    rev: gate.rev + 1,
    decidedBy: request.actor,
    decidedAt: request.now,
    ...(request.evidence ? { evidence: request.evidence } : {}),
  };
  return {
    kind: 'changed',
    workload: { ...workload, gates: workload.gates.map((g) => (g.id === gate.id ? decided : g)) },
    event: {
      workloadId: workload.workloadId,
      type: 'event',
      at: request.now,
      actor: request.actor,
      action: 'gate.passed',
      gateId: gate.id,
      summary: `"${def.title}" passed for ${request.actor.name}: ${request.evidence}`,
    },
  };
}

/** A stage while it is under way, in the present: what the checklist says is happening now. */
const STAGE_NOW: Record<Stage, string> = {
  staged: 'Staging',
  changePlan: 'Change plan',
  communication: 'Change communication',
  businessTesting: 'Business testing',
  benchmark: 'Benchmark',
  ready: 'Readiness for production',
  promoted: 'Promotion',
  decommissioned: 'Decommission',
  optimized: 'Cost review',
  retrospective: 'Retrospective',
};

/** A stage once its gates are closed, in the past: "promoted". */
const STAGE_DONE: Record<Stage, string> = {
  staged: 'staged',
  changePlan: 'change plan shared',
  communication: 'notice sent',
  businessTesting: 'business testing passed',
  benchmark: 'benchmarked',
  ready: 'ready for production',
  promoted: 'promoted',
  decommissioned: 'decommissioned',
  optimized: 'cost reviewed',
  retrospective: 'retrospective held',
};

/** A stage's name as work to do or under way: "Promotion", "Decommission". */
export const stageTitle = (stage: Stage): string => STAGE_NOW[stage];

export interface StageNow {
  stage: Stage | 'released';
  /** The stage in progress in the present tense ("Decommission"), or "Released". */
  title: string;
  /** The last stage closed and when its last gate closed: "promoted Tue 1 Dec 2026"; empty at the start. */
  since: string;
}

/** The stage in progress, named as work under way, and the last stage that was finished (with its day). */
export function stageNow(workload: Workload, formatDay: (iso: string) => string): StageNow {
  const stage = currentStage(workload);
  const index = stage === 'released' ? STAGES.length : STAGES.indexOf(stage);
  const previous = index > 0 ? STAGES[index - 1] : undefined;
  let since = '';
  if (previous) {
    const closedAt = GATE_CATALOGUE.filter((g) => g.stage === previous)
      .map((def) => workload.gates.find((g) => g.id === def.id)?.decidedAt ?? '')
      .sort()
      .pop();
    since = `${STAGE_DONE[previous]}${closedAt ? ` ${formatDay(closedAt)}` : ''}`;
  }
  return { stage, title: stage === 'released' ? 'Released' : STAGE_NOW[stage], since };
}

/** Whether every gate of a stage is passed or waived. */
export function stageClosed(workload: Workload, stage: Stage): boolean {
  return GATE_CATALOGUE.filter((g) => g.stage === stage).every((def) => isClosed(workload.gates.find((g) => g.id === def.id)?.status ?? 'pending'));
}

/**
 * The gates a decision can be recorded on now, in checklist order: open, and not waiting for earlier
 * gates (promotion and what follows wait for every earlier gate). The first is the next step.
 */
export function decidableGates(workload: Workload): GateDefinition[] {
  return GATE_CATALOGUE.filter((def) => {
    const status = workload.gates.find((g) => g.id === def.id)?.status ?? 'pending';
    return !isClosed(status) && (!def.requiresEarlierGates || openEarlierGates(workload, def.id).length === 0);
  });
}

/** Gates another flow passes on its own, and the checklist button that starts that flow. */
export const GATE_FLOWS: Readonly<Record<string, string>> = {
  'change-notice-sent': 'Compose a notice',
  'uat-approved': 'Open a UAT cycle',
  'retro-held': 'Start the retrospective',
  'assets-retired': 'Decommission',
  'cost-reviewed': 'Cost review',
};

/** What the decision did; a failure names its reason. */
export function decisionSentence(workload: Workload, gateId: string): string {
  const gate = workload.gates.find((g) => g.id === gateId);
  const def = gateDefinition(gateId);
  if (!gate || !def) return 'Here is the current checklist.';
  if (gate.pendingWaiver) return `${gate.pendingWaiver.by.name} asked to waive "${def.title}": ${gate.pendingWaiver.reason}. A second approver confirms it with Confirm a waiver.`;
  const reason = gate.status === 'failed' && gate.reason ? `: ${gate.reason}` : '';
  const seconded = gate.waiverRequestedBy ? `, as second approver to ${gate.waiverRequestedBy.name}` : '';
  return `${gate.decidedBy?.name ?? 'Someone'} ${gate.status} "${def.title}"${seconded}${reason}.`;
}
