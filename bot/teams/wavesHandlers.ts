import type { Card, Notice } from '../../cards/render';
import { renderReview, renderWave, renderWavePlan } from '../../cards/waves';
import type { ConversationRepository } from '../conversations/model';
import type { Messenger } from '../conversations/messenger';
import type { Reminders } from '../conversations/reminders';
import type { Logger } from '../log';
import type { Viewer } from '../release/service';
import type { ReviewDelivery } from '../waves/sweeper';
import type { ReviewAnnouncement, WaveChangeInput, WaveService } from '../waves/service';
import { attention, good, VerbOutcome } from './router';
import type { Turn } from './turn';

/** The wave use cases as Teams sees them: the current wave, the plan form, planning, changing, closing, and the priorities review. */
export class WaveHandlers {
  constructor(private readonly waves: WaveService) {}

  /** `wave` shows the current wave; `wave plan` the form; `wave review` the priorities review of the wave that ended. */
  async command(turn: Turn, args: string): Promise<Card> {
    const word = args.trim().toLowerCase();
    if (word === 'plan') return this.form(turn);
    if (word === 'review') return (await this.reviewLatest(turn)).card;
    return this.show(turn);
  }

  async show(turn: Turn, notice?: Notice): Promise<Card> {
    return renderWave(await this.waves.current(turn, turn.timeZone), notice, this.zone(turn));
  }

  async form(turn: Turn, notice?: Notice): Promise<Card> {
    return renderWavePlan(await this.waves.teamWorkloads(turn), notice);
  }

  async plan(turn: Turn, data: { name: string; start: string; end: string; workloads: string[] }): Promise<VerbOutcome> {
    const outcome = await this.waves.plan(turn, { name: data.name, start: data.start, end: data.end, workloadIds: data.workloads }, turn.timeZone);
    if (outcome.kind === 'refused') return { card: await this.form(turn, attention(outcome.message)) };
    const view = await this.waves.show(turn, outcome.wave.waveId, turn.timeZone);
    return { card: renderWave(view, good(`${outcome.wave.name} is planned with ${outcome.wave.workloadIds.length} workload${outcome.wave.workloadIds.length === 1 ? '' : 's'}.`), this.zone(turn)) };
  }

  async close(turn: Turn, data: { waveId: string }): Promise<VerbOutcome> {
    const outcome = await this.waves.close(turn, data.waveId);
    if (!outcome) return { card: await this.show(turn, attention('That wave is not one of this team.')) };
    if (outcome.kind === 'refused') return { card: await this.show(turn, attention(outcome.message)) };
    const view = await this.waves.show(turn, data.waveId, turn.timeZone);
    const sentence = `${outcome.wave.name} is closed; its open action items carry forward to the next wave. Start its priorities review with the button below.`;
    return { card: renderWave(view, good(sentence), this.zone(turn)), shareWithEveryone: outcome.kind === 'changed' };
  }

  /**
   * A move in or out, or a reorder, of an open wave; from the review card, a decision of that review. From a
   * review card sent one to one (`via` names a workload of the reviewed wave), it acts in that wave's team.
   */
  async change(turn: Turn, data: WaveChangeInput & { via?: string }): Promise<VerbOutcome> {
    const { via, ...input } = data;
    const viewer = await this.reviewer(turn, via, input.reviewOf);
    if ('refused' in viewer) return { card: await this.show(turn, attention(viewer.refused)) };
    const outcome = await this.waves.change(viewer, input);
    const back = async (notice: Notice): Promise<Card> => (input.reviewOf ? this.reviewCard(turn, input.reviewOf, notice, viewer, via) : this.showWave(turn, input.waveId, notice));
    if (!outcome) return { card: await this.show(turn, attention('That wave is not one of this team.')) };
    if (outcome.kind === 'refused') return { card: await back(attention(outcome.message)) };
    const sentence = outcome.kind === 'changed' ? `${outcome.event.summary}.` : `${outcome.wave.name} already reads that way.`;
    return { card: await back(good(sentence)), shareWithEveryone: outcome.kind === 'changed' };
  }

  /** Starts (once) and shows the priorities review of a wave. */
  async review(turn: Turn, data: { waveId: string; via?: string }): Promise<VerbOutcome> {
    const viewer = await this.reviewer(turn, data.via, data.via ? data.waveId : undefined);
    if ('refused' in viewer) return { card: await this.show(turn, attention(viewer.refused)) };
    const outcome = await this.waves.startReview(viewer, data.waveId, turn.timeZone);
    if (!outcome) return { card: await this.show(turn, attention('That wave is not one of this team.')) };
    if (outcome.kind === 'refused') return { card: await this.showWave(turn, data.waveId, attention(outcome.message)) };
    const notice =
      outcome.kind === 'changed'
        ? good(`The priorities review of ${outcome.review.waveName} is open for ${outcome.review.stakeholders.map((p) => p.name).join(', ') || 'its business owners'}.`)
        : undefined;
    return { card: await this.reviewCard(turn, data.waveId, notice, viewer, data.via), shareWithEveryone: outcome.kind === 'changed' };
  }

  /** Who acts: the turn itself, or, from a review card sent one to one, the person in the reviewed wave's team. */
  private async reviewer(turn: Turn, via: string | undefined, reviewOf: string | undefined): Promise<Viewer | { refused: string }> {
    if (!via) return turn;
    if (!reviewOf) return { refused: 'That button belongs to a priorities review; open the review again.' };
    return this.waves.asReviewer(turn, via, reviewOf);
  }

  /** `wave review`: the review of the team's latest wave that is due (ended or closed). */
  private async reviewLatest(turn: Turn): Promise<VerbOutcome> {
    const due = await this.waves.dueForReview(turn, turn.timeZone);
    if (!due) return { card: await this.show(turn, attention('No wave of this team has ended yet; its priorities review comes once it ends or is closed.')) };
    return this.review(turn, { waveId: due.waveId });
  }

  private async reviewCard(turn: Turn, waveId: string, notice?: Notice, viewer: Viewer = turn, via?: string): Promise<Card> {
    const view = await this.waves.reviewView(viewer, waveId, turn.timeZone);
    return view ? renderReview(view, notice, turn.timeZone, via) : this.showWave(turn, waveId, notice);
  }

  private async showWave(turn: Turn, waveId: string, notice?: Notice): Promise<Card> {
    const view = await this.waves.show(turn, waveId, turn.timeZone);
    return view ? renderWave(view, notice, this.zone(turn)) : this.show(turn, notice);
  }

  private zone(turn: Turn): { timeZone?: string } {
    return turn.timeZone ? { timeZone: turn.timeZone } : {};
  }
}

/** How a priorities review Liftoff opened reaches people: its card in the team's conversation, and one to one to each business stakeholder. */
export class WaveReviewAnnouncer implements ReviewDelivery {
  constructor(private readonly delivery: { reminders: Reminders; messenger: Messenger; conversations: ConversationRepository; log: Logger }) {}

  async announce({ review, view, conversationId, tenantId, viaOf }: ReviewAnnouncement): Promise<void> {
    const { reminders, messenger, conversations, log } = this.delivery;
    const fields = { waveId: review.waveId, kind: 'wave.review_opened' };
    const { reachable, noPersonalChat } = await reminders.reach(review.stakeholders, tenantId);
    for (const p of noPersonalChat) log.warn({ event: 'wave.stakeholder_unreachable', ...fields, person: p.aadObjectId }, 'a business stakeholder has no personal chat with Liftoff');
    const names = (people: Array<{ name: string }>): string => people.map((p) => p.name).join(', ');
    const opened = `Liftoff opened the priorities review of ${review.waveName}: its last day, ${view.wave.end}, is over.`;
    const sent = reachable.length ? ` Sent one to one to ${names(reachable.map((r) => r.person))}.` : '';
    const missed = noPersonalChat.length ? ` Not reachable one to one (no personal chat with Liftoff): ${names(noPersonalChat)}.` : '';
    const nobody = review.stakeholders.length ? '' : ' The wave has no business owner: assign one with Roles.';
    const channel = conversationId ? await conversations.get(conversationId) : undefined;
    if (!channel) log.warn({ event: 'wave.review_no_conversation', ...fields }, "the wave's team conversation is not recorded; the review was not posted there");
    else {
      try {
        await messenger.post(channel, renderReview(view, good(`${opened}${sent}${missed}${nobody}`)), `Priorities review of ${review.waveName}`);
      } catch (error) {
        log.warn({ event: 'wave.review_post_failed', ...fields, err: error }, 'the priorities review could not be posted in the channel');
      }
    }
    // The card one to one names a workload of the reviewed wave the person owns: its buttons act in that wave's team.
    const notice = attention(`${opened} You are a business stakeholder: record your decisions on the next wave below, each with a reason.`);
    await reminders.send(reachable, (to) => renderReview(view, notice, undefined, viaOf[to.person.aadObjectId]), `Priorities review of ${review.waveName}`, fields);
  }
}
