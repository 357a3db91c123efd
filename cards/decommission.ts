import costReviewTemplate from './templates/costReview.json';
import decommissionTemplate from './templates/decommission.json';
import { ASSET_STEPS, COST_REVIEW_GATE, DECOMMISSION_GATE, OPTIMIZATION_TITLES, STEP_TITLES } from '../bot/decommission/model';
import type { Asset, AssetStep, CostReview, DecommissionPlan } from '../bot/decommission/model';
import { assetRev, DEFAULT_CURRENCY, editable, formatMoney, optimizationSavings, removable, savingsOf, unreachedOwnersText } from '../bot/decommission/rules';
import type { Person, Workload } from '../bot/release/model';
import { formatWhen } from '../bot/shared/dates';
import { Card, expand, Notice, noticeFields } from './render';
import { personText } from './text';

const ICON: Record<AssetStep, string> = { listed: '⬜', monitored: '👀', outageTested: '🔌', poweredOff: '⏻', held: '⏳', disposed: '✅', kept: '📌' };

const BUTTON: Partial<Record<AssetStep, string>> = {
  monitored: 'Monitored: no traffic',
  outageTested: 'Outage test passed',
  poweredOff: 'Powered off',
  held: 'Hold',
  disposed: 'Disposed',
};

function gateText(workload: Workload, gateId: string): string {
  const gate = workload.gates.find((g) => g.id === gateId);
  if (!gate || gate.status === 'pending') return 'pending';
  return `${gate.status}${gate.decidedBy ? ` by ${gate.decidedBy.name}` : ''}${gate.decidedAt ? `, ${formatWhen(gate.decidedAt)}` : ''}`;
}

function assetDetail(asset: Asset, currency: string, timeZone?: string): string {
  const last = asset.steps[asset.steps.length - 1];
  const by = last ? ` (${last.by.name}, ${formatWhen(last.at, timeZone)})` : '';
  const state =
    asset.step === 'held'
      ? `Held until ${formatWhen(asset.holdEndsAt ?? '', timeZone)}, ${asset.holdDays ?? '?'} days; data retention: ${personText(asset.retention ?? '', 200)}${asset.remindedAt ? ' · the hold ended, owner reminded' : ''}`
      : asset.step === 'kept'
        ? `Kept: ${personText(asset.keptReason ?? '', 200)}`
        : `${STEP_TITLES[asset.step]}${last?.note ? `: ${personText(last.note, 200)}` : ''}`;
  return `${state}${by} · ${formatMoney(asset.monthlyCost, currency)}/month · owner ${asset.owner.name}${asset.ownerUnreachedAt ? ' (not reached one to one)' : ''}`;
}

/** The ids of an asset's edit inputs: unique on the card, read back by the edit verb. */
export const assetInputs = (assetId: string): Record<'name' | 'kind' | 'location' | 'cost' | 'owner', string> => ({
  name: `name-${assetId}`,
  kind: `kind-${assetId}`,
  location: `location-${assetId}`,
  cost: `cost-${assetId}`,
  owner: `owner-${assetId}`,
});

/** Teams refuses a card of more than about 28 KB: past this, the edit forms are left out but for the asset asked for. */
export const CARD_BUDGET = 26 * 1024;

/**
 * The decommission card: every retired asset with its CAF step, the savings realised, and the gate. Each asset
 * carries its Edit and Remove forms while the card stays within Teams' size; past that, an asset's "Edit or remove"
 * draws the card again with the forms of that asset alone (`focus`).
 */
export function renderDecommission(input: DecommissionCardInput): Card {
  if (input.focus) return drawDecommission(input, (id) => id === input.focus);
  const card = drawDecommission(input, () => true);
  return JSON.stringify(card).length <= CARD_BUDGET ? card : drawDecommission(input, () => false);
}

export interface DecommissionCardInput {
  workload: Workload;
  plan?: DecommissionPlan;
  people: Person[];
  holdDays: number;
  currency?: string;
  notice?: Notice;
  timeZone?: string;
  /** The asset whose edit forms are shown (the others have a button to ask for theirs). */
  focus?: string;
}

function drawDecommission(input: DecommissionCardInput, forms: (assetId: string) => boolean): Card {
  const { workload, plan } = input;
  const currency = input.currency ?? DEFAULT_CURRENCY;
  const assets = plan?.assets ?? [];
  const closed = assets.filter((a) => a.step === 'disposed' || a.step === 'kept');
  const disposed = assets.filter((a) => a.step === 'disposed').length;
  const unreached = assets.filter((a) => a.ownerUnreachedAt);
  return expand(decommissionTemplate, {
    ...noticeFields(input.notice),
    workloadId: workload.workloadId,
    name: workload.name,
    assetsText: assets.length ? `${assets.length} listed · ${disposed} disposed · ${closed.length - disposed} kept · ${assets.length - closed.length} on the way` : 'none listed',
    savingsText: `${formatMoney(plan ? savingsOf(plan) : 0, currency)}/month (the monthly cost of the disposed assets)`,
    unreachedText: unreached.length ? `Not reached one to one: ${unreachedOwnersText(unreached)}. Cloud operations tells them.` : '',
    currency,
    gateText: gateText(workload, DECOMMISSION_GATE),
    holdDays: input.holdDays,
    anyOpen: assets.length > closed.length,
    people: input.people.map((p) => ({ name: p.name, aadObjectId: p.aadObjectId })),
    assets: assets.map((a) => {
      const open = a.step !== 'disposed' && a.step !== 'kept';
      const next = open ? (ASSET_STEPS[ASSET_STEPS.indexOf(a.step as (typeof ASSET_STEPS)[number]) + 1] ?? '') : '';
      return {
        id: a.id,
        workloadId: workload.workloadId,
        icon: ICON[a.step],
        title: `${personText(a.name, 120)} · ${personText(a.kind, 60)} · ${personText(a.location, 120)}`,
        detail: assetDetail(a, currency, input.timeZone),
        open,
        editable: editable(a),
        forms: forms(a.id),
        removable: removable(a),
        rev: String(assetRev(a)),
        inputs: assetInputs(a.id),
        edit: { name: a.name, kind: a.kind, location: a.location, cost: String(a.monthlyCost), owner: a.owner.name },
        next,
        nextTitle: next ? (BUTTON[next] ?? next) : '',
      };
    }),
  });
}

/** The cost review card: planned against actual, the optimizations and their savings, the decision, and the form. */
export function renderCostReview(input: { workload: Workload; review?: CostReview; currency?: string; notice?: Notice }): Card {
  const { workload, review } = input;
  const m = (amount: number): string => `${formatMoney(amount, input.currency)}/month`;
  const summary = workload.summaries?.costReview;
  const passed = review?.state === 'passed';
  const stateText = passed
    ? `passed by ${review.updatedBy.name}, ${formatWhen(review.updatedAt)}`
    : review
      ? `draft, saved by ${review.updatedBy.name}, ${formatWhen(review.updatedAt)}`
      : summary?.askedAt
        ? `asked for by Liftoff ${formatWhen(summary.askedAt)}; not filled in yet`
        : 'not filled in yet';
  const optimizations = review?.optimizations ?? [];
  return expand(costReviewTemplate, {
    ...noticeFields(input.notice),
    workloadId: workload.workloadId,
    name: workload.name,
    stateText: `${stateText} · gate ${gateText(workload, COST_REVIEW_GATE)}${summary?.unreached?.length ? ` · not reached one to one: ${summary.unreached.join(', ')}` : ''}`,
    plannedText: review?.plannedMonthly !== undefined ? m(review.plannedMonthly) : '—',
    actualText: review?.actualMonthly !== undefined ? m(review.actualMonthly) : '—',
    savingsText: m(optimizationSavings(optimizations)),
    decisionText: review?.decision ? personText(review.decision, 500) : '—',
    optimizations: optimizations.map((o) => ({ line: `${OPTIMIZATION_TITLES[o.kind]}: ${personText(o.what, 200)} · ${m(o.monthlySaving)}` })),
    editable: !passed,
    planned: review?.plannedMonthly !== undefined ? String(review.plannedMonthly) : '',
    actual: review?.actualMonthly !== undefined ? String(review.actualMonthly) : '',
    optimizationLines: optimizations.map((o) => `${o.kind}; ${o.what}; ${o.monthlySaving}`).join('\n'),
    decision: review?.decision ?? '',
  });
}

/** The savings a `list` line shows, from the workload's summaries; empty while there are none. */
export function savingsLine(workload: Workload): string {
  const d = workload.summaries?.decommission?.savingsMonthly ?? 0;
  const c = workload.summaries?.costReview?.savingsMonthly ?? 0;
  // The amounts are in the currency they were recorded in, kept on the summaries.
  const currency = workload.summaries?.decommission?.currency ?? workload.summaries?.costReview?.currency;
  return d || c ? `Savings: ${formatMoney(d, currency)}/month realised by decommission, ${formatMoney(c, currency)}/month by optimizations` : '';
}
