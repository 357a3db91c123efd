import { renderCostReview, renderDecommission } from '../../cards/decommission';
import { renderMessage } from '../../cards/render';
import type { Card, ChecklistSection, Notice } from '../../cards/render';
import type { Reminders } from '../conversations/reminders';
import type { ConversationRepository } from '../conversations/model';
import type { Messenger } from '../conversations/messenger';
import type { Asset, DecommissionPlan } from '../decommission/model';
import { STEP_TITLES } from '../decommission/model';
import type { Stored } from '../decommission/repository';
import { decommissionOpen, formatMoney, unreachedOwnersText } from '../decommission/rules';
import type { AssetListInput, DecommissionService, Refused } from '../decommission/service';
import type { FollowUps } from '../decommission/sweeper';
import type { Logger } from '../log';
import { ROLES, type Person, type Workload } from '../release/model';
import { formatWhen } from '../shared/dates';
import { attention, good, missingWorkload, VerbOutcome } from './router';
import type { Turn } from './turn';

/** The people an owner is picked among: the conversation's members and the workload's role holders. */
async function peopleOf(turn: Turn, workload: Workload): Promise<Person[]> {
  const known = new Map<string, Person>();
  for (const p of [...(await turn.roster()), ...ROLES.flatMap((r) => workload.roles[r])]) known.set(p.aadObjectId, { aadObjectId: p.aadObjectId, name: p.name });
  return [...known.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Decommission and the cost review as Teams sees them: their cards, the checklist's savings, and the follow-ups. */
export class DecommissionHandlers implements FollowUps {
  constructor(
    private readonly service: DecommissionService,
    private readonly delivery: { reminders: Reminders; messenger: Messenger; conversations: ConversationRepository; log: Logger },
  ) {}

  async card(turn: Turn, workload: Workload, notice?: Notice, plan?: DecommissionPlan, focus?: string): Promise<Card> {
    const [stored, people] = await Promise.all([plan ? Promise.resolve(plan) : this.service.plan(workload.workloadId), peopleOf(turn, workload)]);
    return renderDecommission({
      workload,
      ...(stored ? { plan: stored } : {}),
      people,
      holdDays: this.service.holdDays,
      currency: this.service.currency,
      ...(notice ? { notice } : {}),
      ...(turn.timeZone ? { timeZone: turn.timeZone } : {}),
      ...(focus ? { focus } : {}),
    });
  }

  async list(turn: Turn, data: AssetListInput, workload: Workload): Promise<VerbOutcome> {
    const stored = await this.service.list(workload, turn.actor, data, await peopleOf(turn, workload));
    return this.answer(
      turn,
      workload,
      stored,
      (s) => {
        const count = (s.doc?.assets.length ?? 0) - (workload.summaries?.decommission?.assets ?? 0);
        return `Listed ${count > 0 ? count : 'the'} asset${count === 1 ? '' : 's'}. Move each through the steps below, in order.`;
      },
      () => 'Those assets are listed already; nothing was added.',
    );
  }

  async step(turn: Turn, data: { assetId: string; to: Asset['step']; note: string; holdDays: string }, workload: Workload): Promise<VerbOutcome> {
    const days = data.holdDays.trim() === '' ? undefined : Number(data.holdDays);
    const stored = await this.service.move(workload, { assetId: data.assetId, to: data.to, note: data.note, actor: turn.actor, ...(days !== undefined ? { holdDays: days } : {}) });
    return this.answer(
      turn,
      workload,
      stored,
      (s) => {
        const asset = s.doc?.assets.find((a) => a.id === data.assetId);
        const moved = `${turn.actor.name} marked "${asset?.name ?? data.assetId}" ${STEP_TITLES[data.to].toLowerCase()}${asset?.holdEndsAt && data.to === 'held' ? ` until ${formatWhen(asset.holdEndsAt, turn.timeZone)}` : ''}.`;
        return s.kind === 'changed' && s.gatePassed ? `${moved} ${this.gatePassed(s.workload)}` : moved;
      },
      (s) => `"${s.doc?.assets.find((a) => a.id === data.assetId)?.name ?? data.assetId}" is ${STEP_TITLES[data.to].toLowerCase()} already; nothing was changed.`,
    );
  }

  async edit(turn: Turn, data: { assetId: string; seenRev: number; fields: { name: string; kind: string; location: string; cost: string; owner: string } }, workload: Workload): Promise<VerbOutcome> {
    const stored = await this.service.edit(workload, { ...data, people: await peopleOf(turn, workload), actor: turn.actor });
    return this.answer(
      turn,
      workload,
      stored,
      (s) => {
        const asset = s.doc?.assets.find((a) => a.id === data.assetId);
        return `${turn.actor.name} edited "${asset?.name ?? data.assetId}"; the savings and the audit trail follow.`;
      },
      () => 'Nothing changed: the asset already says this.',
    );
  }

  async remove(turn: Turn, data: { assetId: string }, workload: Workload): Promise<VerbOutcome> {
    const stored = await this.service.remove(workload, { assetId: data.assetId, actor: turn.actor });
    const name = (s: { doc?: DecommissionPlan }): string => s.doc?.removed?.find((r) => r.id === data.assetId)?.name ?? data.assetId;
    return this.answer(
      turn,
      workload,
      stored,
      (s) => `${turn.actor.name} removed "${name(s)}" from the list.${s.kind === 'changed' && s.gatePassed ? ` ${this.gatePassed(s.workload)}` : ''}`,
      (s) => `"${name(s)}" was removed already; nothing was changed.`,
    );
  }

  private gatePassed(workload: Workload): string {
    return `Every asset is disposed or kept: the decommission gate is passed, ${formatMoney(workload.summaries?.decommission?.savingsMonthly ?? 0, this.service.currency)}/month saved.`;
  }

  async reviewCard(_turn: Turn, workload: Workload, notice?: Notice): Promise<Card> {
    const review = await this.service.review(workload.workloadId);
    return renderCostReview({ workload, ...(review ? { review } : {}), currency: this.service.currency, ...(notice ? { notice } : {}) });
  }

  async saveReview(turn: Turn, data: { planned: string; actual: string; optimizations: string; decision: string; pass: boolean }, workload: Workload): Promise<VerbOutcome> {
    const stored = await this.service.saveReview(workload, { ...data, actor: turn.actor });
    if (!stored) return { card: missingWorkload() };
    if (stored.kind === 'refused') return { card: await this.reviewCard(turn, stored.workload, attention(stored.message)) };
    const sentence = data.pass ? `${turn.actor.name} passed the cost review: "Cost reviewed" is passed.` : 'The cost review is saved; the workload architect passes it.';
    const card = renderCostReview({
      workload: stored.workload,
      ...(stored.doc ? { review: stored.doc } : {}),
      currency: this.service.currency,
      notice: stored.kind === 'changed' ? good(sentence) : attention('Nothing changed: the review already says this.'),
    });
    return { card, shareWithEveryone: stored.kind === 'changed' };
  }

  /** The checklist's decommission and cost review, and the savings of the release, from the workload's summaries alone. */
  readonly checklistSection = async (_turn: Turn | undefined, workload: Workload): Promise<ChecklistSection[]> => {
    if (!decommissionOpen(workload)) return [];
    const d = workload.summaries?.decommission;
    const c = workload.summaries?.costReview;
    const money = (amount: number): string => formatMoney(amount, this.service.currency);
    const lines = [
      d ? `Decommission: ${d.assets} asset${d.assets === 1 ? '' : 's'} listed, ${d.closed} disposed or kept.` : 'Decommission: no retired asset listed yet.',
      `Monthly savings realised by decommission: ${money(d?.savingsMonthly ?? 0)}.`,
      `Monthly savings of the optimizations (cost review): ${money(c?.savingsMonthly ?? 0)}${c?.state === 'passed' ? '' : c?.state === 'draft' ? ', review in draft' : ', review not filled in yet'}.`,
    ];
    if (c?.plannedMonthly !== undefined && c.actualMonthly !== undefined) lines.push(`Monthly cost: planned ${money(c.plannedMonthly)}, actual ${money(c.actualMonthly)}.`);
    return [
      {
        title: 'Decommission and cost review',
        lines,
        actions: [
          { title: 'Decommission', verb: 'decommission.show', data: { workloadId: workload.workloadId } },
          { title: 'Cost review', verb: 'costreview.show', data: { workloadId: workload.workloadId } },
        ],
      },
    ];
  };

  async holdEnded(claim: { workload: Workload; plan: DecommissionPlan; assets: Asset[] }): Promise<void> {
    const { workload, plan } = claim;
    const byOwner = new Map<string, { person: Person; assets: Asset[] }>();
    for (const asset of claim.assets) {
      const entry = byOwner.get(asset.owner.aadObjectId) ?? { person: asset.owner, assets: [] };
      entry.assets.push(asset);
      byOwner.set(asset.owner.aadObjectId, entry);
    }
    const owners = [...byOwner.values()].map((o) => ({ ...o.person, assets: o.assets }));
    const { reachable, noPersonalChat } = await this.delivery.reminders.reach(owners, workload.scope.tenantId);
    for (const p of noPersonalChat)
      this.delivery.log.warn({ event: 'decommission.owner_unreachable', workloadId: workload.workloadId, person: p.aadObjectId }, 'an asset owner has no personal chat with Liftoff');
    const refused = await this.delivery.reminders.send(
      reachable,
      (to) => {
        const names = to.person.assets.map((a) => `"${a.name}"`).join(', ');
        const notice = attention(`Reminder: the hold of ${names} of ${workload.name} has ended. Cloud operations disposes of it now, or keeps it with a reason, on this card.`);
        return renderDecommission({ workload, plan, people: [], holdDays: this.service.holdDays, currency: this.service.currency, notice });
      },
      `The hold of an asset of ${workload.name} has ended`,
      { workloadId: workload.workloadId, kind: 'decommission.hold_ended' },
    );
    const missed = new Set([...noPersonalChat, ...refused.map((u) => u.person)].map((p) => p.aadObjectId));
    if (missed.size === 0) return;
    // The durable marker first: the channel is told once, even when the sweep runs again.
    const marked = await this.service.ownersUnreached(
      workload.workloadId,
      claim.assets.filter((a) => missed.has(a.owner.aadObjectId)).map((a) => a.id),
    );
    if (marked.length) {
      await this.tellChannel(
        workload,
        `Liftoff could not remind ${unreachedOwnersText(marked)} one to one that the hold of ${workload.name} has ended: they have no personal chat with Liftoff, or Teams did not take it. Cloud operations, please tell them.`,
      );
    }
  }

  /** One line in the workload's conversation (the team's channel or the chat), through the outbound pipeline. */
  private tellChannel(workload: Workload, text: string): Promise<void> {
    return this.postInConversation(workload, renderMessage(text), text.slice(0, 120), 'followup.line');
  }

  /** Posts a card in the workload's conversation; a failure is logged, never thrown at the sweep. */
  private async postInConversation(workload: Workload, card: Card, summary: string, event: string): Promise<void> {
    const channel = await this.delivery.conversations.get(workload.scope.conversationId);
    if (!channel) {
      this.delivery.log.warn({ event: `${event}_no_conversation`, workloadId: workload.workloadId }, 'the workload conversation is not recorded; nothing was posted there');
      return;
    }
    try {
      await this.delivery.messenger.post(channel, card, summary);
    } catch (error) {
      this.delivery.log.warn({ event: `${event}_failed`, workloadId: workload.workloadId, err: error }, 'the card could not be posted in the workload conversation');
    }
  }

  async askCostReview(workload: Workload): Promise<void> {
    const owners = workload.roles.workloadArchitect.map((p) => p.name).join(', ') || 'nobody yet: assign a workload architect with Roles';
    const notice = attention(
      `${this.service.costReviewAfterDays} days since ${workload.name} was promoted: time for the cost review. Compare the planned and the actual monthly cost, note the optimizations taken, and record the decision. Owner: ${owners}.`,
    );
    await this.postInConversation(workload, await this.reviewCardFor(workload, notice), `Cost review of ${workload.name}`, 'costreview.ask');
  }

  async remindCostReview(workload: Workload): Promise<void> {
    const { reachable, noPersonalChat } = await this.delivery.reminders.reach(workload.roles.workloadArchitect, workload.scope.tenantId);
    const notice = attention(`Reminder: the cost review of ${workload.name} is due. You own it as the workload architect; pass it on this card.`);
    const card = await this.reviewCardFor(workload, notice);
    const refused = await this.delivery.reminders.send(reachable, () => card, `Cost review of ${workload.name} is due`, { workloadId: workload.workloadId, kind: 'costreview.reminder' });
    const missed = [...noPersonalChat, ...refused.map((u) => u.person)];
    if (missed.length && (await this.service.costReviewUnreached(workload.workloadId, missed))) {
      await this.tellChannel(
        workload,
        `Liftoff could not remind ${missed.map((p) => p.name).join(', ')} (workload architect) of the cost review of ${workload.name} one to one: no personal chat with Liftoff, or Teams did not take it. Please tell them.`,
      );
    }
  }

  private async reviewCardFor(workload: Workload, notice: Notice): Promise<Card> {
    const review = await this.service.review(workload.workloadId);
    return renderCostReview({ workload, ...(review ? { review } : {}), currency: this.service.currency, notice });
  }

  private async answer(
    turn: Turn,
    workload: Workload,
    stored: Stored<DecommissionPlan> | Refused | undefined,
    sentence: (s: Exclude<Stored<DecommissionPlan>, { kind: 'refused' }>) => string,
    already: (s: Exclude<Stored<DecommissionPlan>, { kind: 'refused' }>) => string,
  ): Promise<VerbOutcome> {
    if (!stored) return { card: missingWorkload() };
    if (stored.kind === 'refused') return { card: await this.card(turn, 'workload' in stored ? stored.workload : workload, attention(stored.message), 'doc' in stored ? stored.doc : undefined) };
    const notice = stored.kind === 'changed' ? good(sentence(stored)) : attention(already(stored));
    return { card: await this.card(turn, stored.workload, notice, stored.doc), shareWithEveryone: stored.kind === 'changed' };
  }
}
