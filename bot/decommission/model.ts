import type { Person } from '../release/model';

/** Decommission, asset by asset, and the cost review after migration: the documents of a workload's partition. */

export const DECOMMISSION_GATE = 'assets-retired';
export const COST_REVIEW_GATE = 'cost-reviewed';

/** The CAF decommission steps an asset moves through, in order; or it is kept, with a reason. */
export const ASSET_STEPS = ['listed', 'monitored', 'outageTested', 'poweredOff', 'held', 'disposed'] as const;
export type AssetStep = (typeof ASSET_STEPS)[number] | 'kept';

export const STEP_TITLES: Record<AssetStep, string> = {
  listed: 'Listed',
  monitored: 'Monitored: no traffic since cutover',
  outageTested: 'Outage test: switched off in a window, nothing broke',
  poweredOff: 'Powered off',
  held: 'Held',
  disposed: 'Disposed',
  kept: 'Kept',
};

/** One step an asset took: who, when, and what they noted. */
export interface StepRecord {
  step: AssetStep;
  by: Person;
  at: string;
  note?: string;
}

/** A retired asset: what it is, where, what it costs a month, who owns it, and where it is on the way out. */
export interface Asset {
  /** Stable within the workload: `asset-<number>`; cards name assets by it. */
  id: string;
  number: number;
  name: string;
  kind: string;
  location: string;
  /** What the asset costs a month, in the currency the team works in. */
  monthlyCost: number;
  owner: Person;
  step: AssetStep;
  steps: StepRecord[];
  /** Set when held: for how long, until when, and how its data is retained. */
  holdDays?: number;
  holdEndsAt?: string;
  retention?: string;
  keptReason?: string;
  /** When the owner was reminded that the hold ended (once). */
  remindedAt?: string;
  /** When Liftoff found it could not remind the owner one to one (no personal chat, or Teams refused) and told the channel (once). */
  ownerUnreachedAt?: string;
  /** Increases with every edit of its name, kind, location, cost or owner (1 until edited): a card names the one it shows. */
  rev?: number;
  /** The last edit: who, when. */
  edited?: { by: Person; at: string };
}

/** An asset listed by mistake and removed before it was powered off: kept so a retried removal changes nothing. */
export interface RemovedAsset {
  id: string;
  number: number;
  name: string;
  by: Person;
  at: string;
}

/** Every retired asset of a workload, in one document of its partition (id `decommission`). */
export interface DecommissionPlan {
  id: 'decommission';
  workloadId: string;
  type: 'decommission';
  workloadName: string;
  assets: Asset[];
  removed?: RemovedAsset[];
  /** The ISO 4217 code of the amounts, as configured (LIFTOFF_CURRENCY) when last changed. */
  currency?: string;
  /** Increases with every change. */
  rev: number;
  /** The earliest hold end not yet reminded: what the reminder sweep looks for. */
  nextReminderAt?: string;
  _etag?: string;
}

/** What the checklist and `list` show of the decommission, kept on the workload (WorkloadSummaries). */
export interface DecommissionSummary {
  assets: number;
  /** Disposed or kept with a reason. */
  closed: number;
  /** The monthly cost of the assets disposed. */
  savingsMonthly: number;
  /** The ISO 4217 code of the amounts (LIFTOFF_CURRENCY when last changed). */
  currency?: string;
}

export const OPTIMIZATION_KINDS = ['rightsizing', 'reservation', 'savingsPlan', 'advisor', 'other'] as const;
export type OptimizationKind = (typeof OPTIMIZATION_KINDS)[number];

export const OPTIMIZATION_TITLES: Record<OptimizationKind, string> = {
  rightsizing: 'Rightsizing',
  reservation: 'Reservation',
  savingsPlan: 'Savings plan',
  advisor: 'Advisor recommendation',
  other: 'Other',
};

/** An optimization taken after the migration, with its monthly saving. */
export interface Optimization {
  kind: OptimizationKind;
  what: string;
  monthlySaving: number;
}

/** The cost review after migration (id `cost-review`): planned against actual, the optimizations taken, the decision. */
export interface CostReview {
  id: 'cost-review';
  workloadId: string;
  type: 'costReview';
  workloadName: string;
  plannedMonthly?: number;
  actualMonthly?: number;
  optimizations: Optimization[];
  decision: string;
  state: 'draft' | 'passed';
  rev: number;
  updatedBy: Person;
  updatedAt: string;
  _etag?: string;
}

/** What the checklist and `list` show of the cost review, and the durable markers of Liftoff asking for it. */
export interface CostReviewSummary {
  state?: 'draft' | 'passed';
  plannedMonthly?: number;
  actualMonthly?: number;
  /** The monthly savings of the optimizations taken. */
  savingsMonthly?: number;
  /** When Liftoff asked for the review in the team's channel (once). */
  askedAt?: string;
  /** When Liftoff reminded the owner one to one (once). */
  remindedAt?: string;
  /** The owners Liftoff could not remind one to one, told to the channel (once). */
  unreached?: string[];
  /** The ISO 4217 code of the amounts (LIFTOFF_CURRENCY when last changed). */
  currency?: string;
}
