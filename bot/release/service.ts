import type { AuditEvent, Person, Role, Workload, WorkloadScope } from './model';
import type { WorkloadRepository, WorkloadSummary } from './repository';
import { assignRoles, checkWorkloadName, decideGate, GateDecisionRequest, newWorkload, passGateOnBehalf, RuleResult, workloadIdOf } from './rules';

export type CreateOutcome =
  | { kind: 'created'; workload: Workload }
  | { kind: 'refused'; message: string; workload?: Workload };

/** The release use cases: plain typed calls from the Teams edge, rules applied, state in the repository. */
export class ReleaseService {
  constructor(
    private readonly workloads: WorkloadRepository,
    private readonly clock: () => Date = () => new Date(),
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
    if (existing && existing.createdBy.aadObjectId === input.actor.aadObjectId && existing.name === checked.name
      && existing.scope.scopeId === input.scope.scopeId && existing.rolesRev === 1 && existing.gates.every((g) => g.rev === 1)) {
      // The same person asking again before anything happened to it: a retried message, not a clash.
      return { kind: 'created', workload: existing };
    }
    return {
      kind: 'refused',
      message: `A workload named "${existing?.name ?? checked.name}" already exists. Pick another name, or type "status ${existing?.name ?? checked.name}".`,
      ...(existing ? { workload: existing } : {}),
    };
  }

  /** Finds a workload by the name a person typed, within their tenant (a point read). */
  async findByName(tenantId: string, name: string): Promise<Workload | undefined> {
    const checked = checkWorkloadName(name);
    if (!checked.ok) return undefined;
    return this.workloads.get(workloadIdOf(tenantId, checked.slug));
  }

  get(workloadId: string): Promise<Workload | undefined> {
    return this.workloads.get(workloadId);
  }

  list(tenantId: string, scopeId: string): Promise<WorkloadSummary[]> {
    return this.workloads.listByScope(tenantId, scopeId);
  }

  history(workloadId: string, limit = 15): Promise<AuditEvent[]> {
    return this.workloads.history(workloadId, limit);
  }

  decideGate(workloadId: string, request: Omit<GateDecisionRequest, 'now'>): Promise<RuleResult | undefined> {
    const now = this.now();
    return this.workloads.change(workloadId, (current) => decideGate(current, { ...request, now }));
  }

  assignRoles(workloadId: string, request: { roles: Partial<Record<Role, Person[]>>; rolesRev: number; actor: Person }): Promise<RuleResult | undefined> {
    const now = this.now();
    return this.workloads.change(workloadId, (current) => assignRoles(current, { ...request, now }));
  }

  /** Passes a gate because another capability's rule was met; idempotent. */
  passGateOnBehalf(workloadId: string, request: { gateId: string; actor: Person; evidence: string }): Promise<RuleResult | undefined> {
    const now = this.now();
    return this.workloads.change(workloadId, (current) => passGateOnBehalf(current, { ...request, now }));
  }
}
