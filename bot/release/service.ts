import { DEFAULT_EVIDENCE_MAX_AGE_DAYS, EvidenceFields, parseEvidence, staleEvidence, StaleEvidence, staleRefusal } from './evidence';
import type { AuditEvent, Person, Role, WaiverPolicy, Workload, WorkloadScope } from './model';
import type { WorkloadRepository, WorkloadSummary } from './repository';
import {
  assignRoles,
  checkWorkloadName,
  confirmEvidence,
  confirmWaiver,
  decideGate,
  GateDecisionRequest,
  newWorkload,
  passGateOnBehalf,
  RuleResult,
  setWaiverPolicy,
  standingOf,
  workloadIdOf,
} from './rules';

/** The release's settings: how old readiness evidence may be when promotion is attempted. */
export interface ReleaseOptions {
  evidenceMaxAgeDays: number;
}

/** A decision as the Teams edge hands it over: the evidence form's fields, when it came from one. */
export type DecisionInput = Omit<GateDecisionRequest, 'now' | 'typedEvidence' | 'evidenceRequired' | 'evidenceMaxAgeDays'> & { fields?: EvidenceFields };

/** Events on one page of a workload's history. */
export const HISTORY_PAGE = 15;
/** Pages a history card can be turned through: the oldest events beyond them are in the store, not on a card. */
export const HISTORY_PAGES = 100;

/** Who is asking, and where from; membership elsewhere is answered by Teams, never by the request. */
export interface Viewer {
  actor: Person;
  tenantId: string;
  scope: WorkloadScope;
  /** Whether Teams lists the person as a member of that team or chat. */
  isMemberOf(scope: WorkloadScope): Promise<boolean>;
}

export type CreateOutcome = { kind: 'created'; workload: Workload } | { kind: 'refused'; message: string; workload?: Workload };

/** The release use cases: plain typed calls from the Teams edge, rules applied, state in the repository. */
export class ReleaseService {
  constructor(
    private readonly workloads: WorkloadRepository,
    private readonly clock: () => Date = () => new Date(),
    readonly options: ReleaseOptions = { evidenceMaxAgeDays: DEFAULT_EVIDENCE_MAX_AGE_DAYS },
  ) {}

  private now(): string {
    return this.clock().toISOString();
  }

  /** Creates a workload; a retry of the same request by the same person answers with the workload it created. */
  async create(input: { name: string; scope: WorkloadScope; actor: Person }): Promise<CreateOutcome> {
    const checked = checkWorkloadName(input.name);
    if (!checked.ok) return { kind: 'refused', message: checked.message };
    const { workload, event } = newWorkload({ name: checked.name, slug: checked.slug, scope: input.scope, creator: input.actor, now: this.now() });
    if ((await this.workloads.create(workload, event)) === 'created') {
      return { kind: 'created', workload: (await this.workloads.get(workload.workloadId)) ?? workload };
    }
    const existing = await this.workloads.get(workload.workloadId);
    if (
      existing &&
      existing.createdBy.aadObjectId === input.actor.aadObjectId &&
      existing.name === checked.name &&
      existing.scope.scopeId === input.scope.scopeId &&
      existing.rolesRev === 1 &&
      existing.gates.every((g) => g.rev === 1)
    ) {
      // The same person asking again before anything happened to it: a retried message, not a clash.
      return { kind: 'created', workload: existing };
    }
    return {
      kind: 'refused',
      message: `A workload named "${existing?.name ?? checked.name}" already exists. Pick another name, or type "status ${existing?.name ?? checked.name}".`,
      ...(existing ? { workload: existing } : {}),
    };
  }

  /**
   * The scope-checked load every read path goes through: the workload, when this person may see it
   * (see standingOf); otherwise undefined, exactly as if it did not exist.
   */
  async open(workloadId: string, viewer: Viewer): Promise<Workload | undefined> {
    const workload = await this.workloads.get(workloadId);
    return workload && (await this.mayOpen(workload, viewer)) ? workload : undefined;
  }

  private async mayOpen(workload: Workload, viewer: Viewer): Promise<boolean> {
    switch (standingOf(workload, { tenantId: viewer.tenantId, scopeId: viewer.scope.scopeId, aadObjectId: viewer.actor.aadObjectId })) {
      case 'member':
      case 'roleHolder':
        return true;
      case 'askTeams':
        return viewer.isMemberOf(workload.scope);
      case 'stranger':
        return false;
    }
  }

  /**
   * Finds a workload by the name a person typed: first in their own team or chat (a point read), then
   * among the workloads of that name elsewhere in the tenant that they may open.
   */
  async findByName(viewer: Viewer, name: string): Promise<Workload | undefined> {
    const checked = checkWorkloadName(name);
    if (!checked.ok) return undefined;
    const here = await this.open(workloadIdOf(viewer.scope, checked.slug), viewer);
    if (here) return here;
    for (const candidate of await this.workloads.findBySlug(viewer.tenantId, checked.slug)) {
      if (candidate.scope.scopeId !== viewer.scope.scopeId && (await this.mayOpen(candidate, viewer))) return candidate;
    }
    return undefined;
  }

  /** Reads a workload without a person's scope check: for background work and use cases that already hold access. */
  get(workloadId: string): Promise<Workload | undefined> {
    return this.workloads.get(workloadId);
  }

  list(tenantId: string, scopeId: string): Promise<WorkloadSummary[]> {
    return this.workloads.listByScope(tenantId, scopeId);
  }

  /** A page of the audit trail, newest first: `page` 0 is the latest HISTORY_PAGE events. */
  async history(workloadId: string, requested = 0): Promise<{ events: AuditEvent[]; total: number }> {
    const page = Math.min(Math.max(0, requested), HISTORY_PAGES - 1);
    const [events, total] = await Promise.all([this.workloads.history(workloadId, HISTORY_PAGE, page * HISTORY_PAGE), this.workloads.historyCount(workloadId)]);
    return { events, total };
  }

  /**
   * Decides a gate of the workload this turn read (the first try applies the rule to it, a lost race reads
   * again); with the fields of the gate's evidence form, they are read into typed evidence dated now.
   */
  decideGate(workload: Workload, input: DecisionInput): Promise<RuleResult | undefined> {
    const now = this.now();
    const { fields, ...request } = input;
    return this.workloads.change(
      workload.workloadId,
      (current) => {
        const parsed = fields ? parseEvidence(current, request.gateId, fields, now) : undefined;
        if (parsed && !parsed.ok) return { kind: 'refused', message: parsed.message, workload: current };
        return decideGate(current, {
          ...request,
          now,
          evidenceRequired: true,
          evidenceMaxAgeDays: this.options.evidenceMaxAgeDays,
          ...(parsed?.ok ? { typedEvidence: parsed.evidence } : {}),
        });
      },
      workload,
    );
  }

  /** The passed readiness gates whose evidence is too old to promote on, now. */
  staleEvidence(workload: Workload): StaleEvidence[] {
    return staleEvidence(workload, this.now(), this.options.evidenceMaxAgeDays);
  }

  /** The sentence that stops promotion (a release window planned) while readiness evidence is too old. */
  promotionRefusal(workload: Workload): string | undefined {
    return staleRefusal(this.staleEvidence(workload), this.options.evidenceMaxAgeDays);
  }

  confirmEvidence(workload: Workload, request: { gateId: string; rev: number; actor: Person }): Promise<RuleResult | undefined> {
    const now = this.now();
    return this.workloads.change(workload.workloadId, (current) => confirmEvidence(current, { ...request, now }), workload);
  }

  confirmWaiver(workload: Workload, request: { gateId: string; rev: number; actor: Person }): Promise<RuleResult | undefined> {
    const now = this.now();
    return this.workloads.change(workload.workloadId, (current) => confirmWaiver(current, { ...request, now }), workload);
  }

  setWaiverPolicy(workload: Workload, request: { policy: WaiverPolicy; actor: Person }): Promise<RuleResult | undefined> {
    const now = this.now();
    return this.workloads.change(workload.workloadId, (current) => setWaiverPolicy(current, { ...request, now }), workload);
  }

  assignRoles(workload: Workload, request: { roles: Partial<Record<Role, Person[]>>; rolesRev: number; actor: Person }): Promise<RuleResult | undefined> {
    const now = this.now();
    return this.workloads.change(workload.workloadId, (current) => assignRoles(current, { ...request, now }), workload);
  }

  /** Passes a gate because another capability's rule was met; idempotent. */
  passGateOnBehalf(workloadId: string, request: { gateId: string; actor: Person; evidence: string }): Promise<RuleResult | undefined> {
    const now = this.now();
    return this.workloads.change(workloadId, (current) => passGateOnBehalf(current, { ...request, now }));
  }
}
