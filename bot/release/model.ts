import type { NoticeSummary } from '../broadcast/model';
import type { PlanSummaryLine } from '../broadcast/plan';
import type { RetroSummary } from '../retro/model';
import type { CycleSummary } from '../signoff/model';
import type { CostReviewSummary, DecommissionSummary } from '../decommission/model';

/** The release of one migrated workload, in the words of the Cloud Adoption Framework's release phase. */

export const ROLES = ['projectManager', 'changeManager', 'businessOwner', 'uatTester', 'workloadArchitect', 'migrationEngineer', 'cloudOperations', 'ciso'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_TITLES: Record<Role, string> = {
  projectManager: 'Project manager',
  changeManager: 'Change manager',
  businessOwner: 'Business owner',
  uatTester: 'UAT tester',
  workloadArchitect: 'Workload architect',
  migrationEngineer: 'Migration engineer',
  cloudOperations: 'Cloud operations',
  ciso: 'CISO',
};

export const STAGES = ['staged', 'changePlan', 'communication', 'businessTesting', 'benchmark', 'ready', 'promoted', 'decommissioned', 'optimized', 'retrospective'] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_TITLES: Record<Stage, string> = {
  staged: 'Staged',
  changePlan: 'Change plan',
  communication: 'Communication',
  businessTesting: 'Business testing',
  benchmark: 'Benchmark',
  ready: 'Ready for production',
  promoted: 'Promoted',
  decommissioned: 'Decommissioned',
  optimized: 'Cost review',
  retrospective: 'Retrospective',
};

/** A gate of the catalogue: what must be true, who says so, and whether every earlier gate must be closed first. */
export interface GateDefinition {
  id: string;
  stage: Stage;
  title: string;
  ownerRole: Role;
  /** Promotion and everything after it wait for every earlier gate to be passed or waived. */
  requiresEarlierGates: boolean;
}

function gate(stage: Stage, id: string, title: string, ownerRole: Role, requiresEarlierGates = false): GateDefinition {
  return { id, stage, title, ownerRole, requiresEarlierGates };
}

/** The release checklist, in order. Ids are stable: cards and audit events name gates by them. */
export const GATE_CATALOGUE: readonly GateDefinition[] = [
  gate('staged', 'assets-staged', 'Assets replicated and staged', 'migrationEngineer'),
  gate('changePlan', 'change-plan-shared', 'Business change plan shared: adoption plan, process changes, training, timelines', 'changeManager'),
  gate('communication', 'change-notice-sent', 'Change notice sent to business and IT teams', 'changeManager'),
  gate('businessTesting', 'uat-approved', 'UAT cycle approved by the testers and the business owner', 'businessOwner'),
  gate('benchmark', 'performance-benchmarked', 'Performance measured, sizing decided', 'workloadArchitect'),
  gate('ready', 'domain-alignment', 'Domain alignment', 'workloadArchitect'),
  gate('ready', 'user-routing', 'User routing', 'migrationEngineer'),
  gate('ready', 'identity-alignment', 'Identity alignment', 'workloadArchitect'),
  gate('ready', 'performance-validated', 'Performance validated', 'workloadArchitect'),
  gate('ready', 'bcdr-validated', 'Business continuity and disaster recovery validated', 'cloudOperations'),
  gate('ready', 'data-classification', 'Data classification', 'businessOwner'),
  gate('ready', 'ciso-verification', 'CISO verification', 'ciso'),
  gate('promoted', 'traffic-rerouted', 'Traffic rerouted: DNS or IP change recorded, cutover window', 'migrationEngineer', true),
  gate('decommissioned', 'assets-retired', 'Retired assets listed and switched off, savings noted', 'cloudOperations', true),
  gate('optimized', 'cost-reviewed', 'Cost reviewed after migration: planned against actual, optimizations taken', 'workloadArchitect', true),
  gate('retrospective', 'retro-held', 'Retrospective held, action items recorded', 'projectManager', true),
];

export type GateStatus = 'pending' | 'passed' | 'failed' | 'waived';
export type Decision = 'pass' | 'fail' | 'waive';

/** A person as Liftoff knows them: the AAD object id is the identity, the name is for display. */
export interface Person {
  aadObjectId: string;
  name: string;
}

export interface Gate {
  id: string;
  status: GateStatus;
  /** Increases with every decision; a card names the revision it was drawn from. */
  rev: number;
  /** The free-text note given with a pass (a link or a sentence). */
  evidence?: string;
  /** The typed evidence of a gate with an evidence form (bot/release/evidence.ts), kept with its date. */
  typedEvidence?: GateEvidence;
  /** A waiver asked for by someone who may not waive alone, waiting for a second approver. */
  pendingWaiver?: PendingWaiver;
  /** Who asked for the waiver a second approver confirmed. */
  waiverRequestedBy?: Person;
  reason?: string;
  decidedBy?: Person;
  decidedAt?: string;
  /** The request that made the last decision, so a retry of it is told apart from a press on an older card. */
  requestId?: string;
}

export type WaiverPolicy = 'cisoOnly' | 'secondApprover';

/** A waiver waiting for its second approver. */
export interface PendingWaiver {
  by: Person;
  reason: string;
  at: string;
}

/** The classifications of the Microsoft data classification framework, lowest to highest. */
export const CLASSIFICATIONS = ['public', 'general', 'confidential', 'highlyConfidential'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];
export const CLASSIFICATION_TITLES: Record<Classification, string> = {
  public: 'Public',
  general: 'General',
  confidential: 'Confidential',
  highlyConfidential: 'Highly confidential',
};

/** One asset's size before and after the benchmark's optimization. */
export interface Sizing {
  asset: string;
  before: string;
  after: string;
}

/** A risk the CISO reviewed and how it is treated. */
export interface ReviewedRisk {
  risk: string;
  treatment: 'accepted' | 'mitigated';
  note: string;
}

/** What every typed evidence carries: when it was recorded, and when it was last confirmed as still true. */
interface EvidenceDates {
  recordedAt: string;
  confirmedAt?: string;
  confirmedBy?: Person;
}

/** Load figures: p95 latency in milliseconds, throughput in requests per second. */
export interface LoadFigures {
  p95Ms: number;
  throughputRps: number;
  targetP95Ms: number;
  targetRps: number;
}

/** The typed evidence of a gate, by the kind of its evidence form. */
export type GateEvidence = EvidenceDates &
  (
    | ({ kind: 'benchmark'; sizing: Sizing[]; costBefore: number; costAfter: number } & LoadFigures)
    | ({ kind: 'validation'; benchmarkP95Ms?: number; benchmarkRps?: number } & LoadFigures)
    | { kind: 'bcdr'; restoreTestOn: string; rpoMinutes: number; rtoMinutes: number; targetRpoMinutes: number; targetRtoMinutes: number }
    | { kind: 'classification'; classification: Classification; protections: string }
    | { kind: 'check'; checked: string; how: string; link: string }
    | { kind: 'ciso'; risks: ReviewedRisk[] }
  );
export type EvidenceKind = GateEvidence['kind'];

/** Where a workload was created: its team, or the chat when there is no team. */
export interface WorkloadScope {
  tenantId: string;
  /** The team id in a team; the conversation id in a group or personal chat. */
  scopeId: string;
  conversationId: string;
}

export interface Workload {
  id: string;
  workloadId: string;
  type: 'workload';
  name: string;
  scope: WorkloadScope;
  createdBy: Person;
  createdAt: string;
  roles: Record<Role, Person[]>;
  rolesRev: number;
  gates: Gate[];
  /**
   * Who may waive a gate the CISO owns: the CISO only (the default), or also two role holders, one asking
   * and another confirming. Only the CISO changes it.
   */
  waiverPolicy?: WaiverPolicy;
  /** What the checklist shows of the other capabilities; absent until the first of them changes. */
  summaries?: WorkloadSummaries;
  _etag?: string;
}

/**
 * What a checklist shows of business testing, change communication and the retrospective, kept on the
 * workload document in the same transactional batch as the change that alters it: the checklist reads it
 * with the workload, in one point read, however long the workload's history grows.
 */
export interface WorkloadSummaries {
  /** Every UAT cycle, by number. */
  signoff?: CycleSummary[];
  /** The latest notices sent (never drafts), newest first. */
  notices?: NoticeSummary[];
  /** The latest retrospective. */
  retro?: RetroSummary;
  /** The retired assets: how many, how many closed, the monthly savings realised. */
  decommission?: DecommissionSummary;
  /** The cost review after migration: planned against actual, the optimization savings, when it was asked for. */
  costReview?: CostReviewSummary;
  /** The communication plan: how many notices are planned and sent, and the next one. */
  plan?: PlanSummaryLine;
  /**
   * Set when the summaries were built from every document of the workload: at its creation, or once by the
   * migration of a workload stored before summaries existed (bot/store/summaries.ts withSummaries).
   */
  complete?: boolean;
}

/** One line of the append-only audit trail of a workload. */
export interface AuditEvent {
  id: string;
  workloadId: string;
  type: 'event';
  at: string;
  actor: Person;
  action:
    | 'workload.created'
    | 'roles.assigned'
    | 'gate.passed'
    | 'gate.failed'
    | 'gate.waived'
    | 'gate.waiverRequested'
    | 'gate.evidenceConfirmed'
    | 'waiver.policySet'
    | 'cycle.opened'
    | 'vote.approved'
    | 'vote.rejected'
    | 'cycle.testersApproved'
    | 'cycle.passed'
    | 'cycle.failed'
    | 'cycle.expired'
    | 'cycle.cancelled'
    | 'window.planned'
    | 'window.answered'
    | 'window.step'
    | 'window.finished'
    | 'window.rolledBack'
    | 'window.runbookEdited'
    | 'assets.listed'
    | 'asset.step'
    | 'asset.reminded'
    | 'asset.edited'
    | 'asset.removed'
    | 'asset.owner_unreached'
    | 'costReview.saved'
    | 'costReview.asked'
    | 'costReview.owner_unreached'
    | 'plan.changed';
  gateId?: string;
  /** For business-testing events: the UAT cycle they belong to. */
  cycleId?: string;
  /** For release window events: the window they belong to. */
  windowId?: string;
  summary: string;
}
