import type { ConversationTarget } from '../conversations/messenger';
import type { Person } from '../release/model';

/** Business testing: UAT sign-off cycles of a workload, the testers' decisions and the business owner's final sign-off. */

/** How many testers must approve: every one, at least N of them, or any one. */
export const RULE_KINDS = ['all', 'atLeast', 'any'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export interface TesterRule {
  kind: RuleKind;
  /** Approvals needed to meet the rule (M for all, N for at least N, 1 for any). */
  needed: number;
}

/** What a rejection does: fails the cycle at once, or only counts against the rule. */
export const REJECTION_EFFECTS = ['failsCycle', 'countsAgainst'] as const;
export type RejectionEffect = (typeof REJECTION_EFFECTS)[number];

/**
 * open → awaitingFinal (the testers' rule is met) → passed (final sign-off) or failed (final refusal);
 * open → failed (a rejection that fails the cycle, or the rule can no longer be met);
 * open or awaitingFinal → expired (the due time passed);
 * open or awaitingFinal → cancelled (the business owner or the project manager called it off, with a reason).
 */
export type CycleState = 'open' | 'awaitingFinal' | 'passed' | 'failed' | 'expired' | 'cancelled';

export const isActive = (state: CycleState): boolean => state === 'open' || state === 'awaitingFinal';

/** A tester or final approver, frozen when the cycle opens, with the Teams user id that `refresh.userIds` needs. */
export interface Approver extends Person {
  /** The Teams user id (`29:...`); empty when Liftoff never saw it. */
  teamsUserId: string;
}

/** When the cycle is due: the instant, and the wall-clock time and zone the person chose. */
export interface CycleDue {
  /** UTC, ISO 8601. */
  at: string;
  /** YYYY-MM-DD in `timeZone`. */
  date: string;
  /** HH:mm in `timeZone`. */
  time: string;
  /** An IANA time zone name. */
  timeZone: string;
}

/** Why the testers' part of a cycle closed. */
export type TestersClosedReason = 'ruleMet' | 'rejected' | 'ruleUnreachable' | 'expired';

/** Why a tester's place was sealed: the testers' part closed, or the cycle was cancelled. */
export type SealReason = TestersClosedReason | 'cancelled';

export interface SignoffCycle {
  /** `uat-<number>`; unique within the workload's partition, so two people opening at once cannot both succeed. */
  id: string;
  workloadId: string;
  type: 'cycle';
  tenantId: string;
  /** The workload's name when the cycle opened, for cards. */
  workloadName: string;
  number: number;
  state: CycleState;
  testers: Approver[];
  finalApprovers: Approver[];
  rule: TesterRule;
  rejection: RejectionEffect;
  due: CycleDue;
  testPlanUrl: string;
  scopeNotes: string;
  openedBy: Person;
  openedAt: string;
  /** The shared sign-off card, updated in place after every decision. */
  card?: { target: ConversationTarget; activityId: string; checklist?: { target: ConversationTarget; activityId: string } };
  /** Set when no more tester decisions are taken: the tally the outcome was decided on. */
  testersClosed?: { at: string; reason: TestersClosedReason; approved: number; rejected: number };
  /** The business owner's final decision. */
  final?: { by: Person; at: string; decision: Decision; comment?: string };
  /** Who cancelled the cycle, when, and why. */
  cancelled?: { by: Person; at: string; reason: string };
  /** Set when the cycle reached passed, failed, expired or cancelled. */
  closedAt?: string;
  _etag?: string;
}

/** A cycle as the workload's checklist shows it (bot/release/model.ts WorkloadSummaries): without the testers and the card. */
export type CycleSummary = Omit<SignoffCycle, 'testers' | 'card' | '_etag'> & { testerCount: number };

export const cycleSummaryOf = ({ testers, card, _etag, ...rest }: SignoffCycle): CycleSummary => ({ ...rest, testerCount: testers.length });

export type Decision = 'approve' | 'reject';

/** A tester's decision. Its id is `<cycleId>:<voter's AAD object id>`: one per tester, ever. */
export interface Vote {
  id: string;
  workloadId: string;
  type: 'vote';
  cycleId: string;
  voter: Person;
  decision: Decision;
  comment: string;
  evidence?: string;
  at: string;
}

/**
 * Written in the place of a vote that can no longer be cast (the testers' part closed, the cycle
 * expired, or it was cancelled). It takes the vote's id, so a decision arriving afterwards is refused by the store itself.
 */
export interface VoteSeal {
  id: string;
  workloadId: string;
  type: 'voteSeal';
  cycleId: string;
  aadObjectId: string;
  at: string;
  reason: SealReason;
}

/** The natural id of a tester's decision (and of the seal that replaces a missing one). */
export const voteId = (cycleId: string, aadObjectId: string): string => `${cycleId}:${aadObjectId}`;

export const cycleIdOf = (number: number): string => `uat-${number}`;

/** The gate that a cycle's final sign-off passes. */
export const BUSINESS_TESTING_GATE = 'uat-approved';

/** Most testers one cycle can have. */
export const MAX_TESTERS = 200;
