import type { Person, Workload } from '../release/model';
import type { CostReview, DecommissionPlan } from './model';
import type { AssetRepository, CostReviewRepository, Stored } from './repository';
import {
  AssetEdit,
  AssetMove,
  checkAsset,
  CostReviewInput,
  DEFAULT_CURRENCY,
  editAsset,
  holdsEnded,
  listAssets,
  markCostReviewAsked,
  markCostReviewUnreached,
  markOwnersUnreached,
  markReminded,
  moveAsset,
  parseAssetLines,
  removeAsset,
  reviewCosts,
} from './rules';
import type { Asset } from './model';

const DAY_MS = 86_400_000;

/** The assets as typed on the card: pasted lines, or the one-asset form. */
export interface AssetListInput {
  lines: string;
  name: string;
  kind: string;
  location: string;
  cost: string;
  owner: string;
}

export type Refused = { kind: 'refused'; message: string };

/** Decommission, asset by asset, and the cost review after migration: the use cases, rules applied, state in Cosmos. */
export class DecommissionService {
  constructor(
    private readonly assets: AssetRepository,
    private readonly reviews: CostReviewRepository,
    private readonly settings: { holdDays: number; costReviewAfterDays: number; currency?: string },
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private now(): string {
    return this.clock().toISOString();
  }

  get holdDays(): number {
    return this.settings.holdDays;
  }

  get costReviewAfterDays(): number {
    return this.settings.costReviewAfterDays;
  }

  /** The ISO 4217 code amounts are typed and shown in (LIFTOFF_CURRENCY). */
  get currency(): string {
    return this.settings.currency ?? DEFAULT_CURRENCY;
  }

  plan(workloadId: string): Promise<DecommissionPlan | undefined> {
    return this.assets.get(workloadId);
  }

  review(workloadId: string): Promise<CostReview | undefined> {
    return this.reviews.get(workloadId);
  }

  /** Lists assets from pasted lines (each problem named by its line) or from the one-asset form, among these people. */
  async list(workload: Workload, actor: Person, input: AssetListInput, people: Person[]): Promise<Stored<DecommissionPlan> | Refused | undefined> {
    let parsed;
    if (input.lines.trim()) {
      const read = parseAssetLines(input.lines, people);
      if (!read.ok) return { kind: 'refused', message: `Nothing was listed. ${read.errors.slice(0, 5).join(' ')}${read.errors.length > 5 ? ` And ${read.errors.length - 5} more lines.` : ''}` };
      parsed = read.assets;
    } else {
      const one = checkAsset(input, people);
      if (typeof one === 'string') return { kind: 'refused', message: `Nothing was listed: ${one}.` };
      parsed = [one];
    }
    const now = this.now();
    return this.assets.change(workload.workloadId, (plan, current) => listAssets(plan, current, { assets: parsed, actor, now, currency: this.currency }), workload);
  }

  move(workload: Workload, move: Omit<AssetMove, 'now' | 'holdDays'> & { holdDays?: number }): Promise<Stored<DecommissionPlan> | undefined> {
    const now = this.now();
    return this.assets.change(workload.workloadId, (plan, current) => moveAsset(plan, current, { ...move, holdDays: move.holdDays ?? this.settings.holdDays, now, currency: this.currency }), workload);
  }

  /** Corrects an asset's fields (a typo, a wrong cost or owner), among these people. */
  edit(workload: Workload, edit: Omit<AssetEdit, 'now' | 'currency'>): Promise<Stored<DecommissionPlan> | undefined> {
    const now = this.now();
    return this.assets.change(workload.workloadId, (plan, current) => editAsset(plan, current, { ...edit, now, currency: this.currency }), workload);
  }

  /** Removes an asset listed by mistake. */
  remove(workload: Workload, request: { assetId: string; actor: Person }): Promise<Stored<DecommissionPlan> | undefined> {
    const now = this.now();
    return this.assets.change(workload.workloadId, (plan, current) => removeAsset(plan, current, { ...request, now, currency: this.currency }), workload);
  }

  /** Marks the owners of these assets not reached; answers the assets this call marked (the channel is told of those, once). */
  async ownersUnreached(workloadId: string, assetIds: string[]): Promise<Asset[]> {
    const now = this.now();
    const stored = await this.assets.change(workloadId, (plan, workload) => markOwnersUnreached(plan, workload, { assetIds, now }));
    return stored?.kind === 'changed' ? (stored.doc?.assets ?? []).filter((a) => assetIds.includes(a.id) && a.ownerUnreachedAt === now) : [];
  }

  /** Marks the cost review's owners not reached; answers whether this call marked them (the channel is told, once). */
  async costReviewUnreached(workloadId: string, people: Person[]): Promise<boolean> {
    const now = this.now();
    const stored = await this.reviews.change(workloadId, (_review, workload) => markCostReviewUnreached(workload, people, now));
    return stored?.kind === 'changed';
  }

  saveReview(workload: Workload, input: Omit<CostReviewInput, 'now'>): Promise<Stored<CostReview> | undefined> {
    const now = this.now();
    return this.reviews.change(workload.workloadId, (review, current) => reviewCosts(review, current, { ...input, now, currency: this.currency }), workload);
  }

  /**
   * Marks the holds that ended as reminded, workload by workload, and answers each with the assets whose owner
   * is to be reminded now. The marker is stored first: a crash after it loses a reminder, never sends one twice.
   */
  async claimEndedHolds(limit = 50): Promise<Array<{ workload: Workload; plan: DecommissionPlan; assets: Asset[] }>> {
    const now = this.now();
    const claimed: Array<{ workload: Workload; plan: DecommissionPlan; assets: Asset[] }> = [];
    for (const workloadId of await this.assets.holdsEnded(now, limit)) {
      let due: Asset[] = [];
      const stored = await this.assets.change(workloadId, (plan, workload) => {
        due = plan ? holdsEnded(plan, now) : [];
        return markReminded(plan, workload, now);
      });
      if (stored?.kind === 'changed' && stored.doc && due.length) claimed.push({ workload: stored.workload, plan: stored.doc, assets: due });
    }
    return claimed;
  }

  /** Sets the durable marker of asking for the cost review (or of reminding its owner); answers the workloads this call marked. */
  async claimCostReviews(marker: 'askedAt' | 'remindedAt', workloadIds?: string[], limit = 50): Promise<Workload[]> {
    const now = this.now();
    const after = this.settings.costReviewAfterDays;
    const ids = workloadIds ?? (await this.reviews.reviewsDue(new Date(Date.parse(now) - after * DAY_MS).toISOString(), limit));
    const marked: Workload[] = [];
    for (const workloadId of ids) {
      const stored = await this.reviews.change(workloadId, (_review, workload) => markCostReviewAsked(workload, marker, now, after));
      if (stored?.kind === 'changed') marked.push(stored.workload);
    }
    return marked;
  }
}
