import type { Card, Notice } from '../../cards/render';
import { renderReview, renderWave, renderWavePlan } from '../../cards/waves';
import type { WaveChangeInput, WaveService } from '../waves/service';
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

  /** A move in or out, or a reorder, of an open wave; from the review card, a decision of that review. */
  async change(turn: Turn, data: WaveChangeInput): Promise<VerbOutcome> {
    const outcome = await this.waves.change(turn, data);
    const back = async (notice: Notice): Promise<Card> => (data.reviewOf ? this.reviewCard(turn, data.reviewOf, notice) : this.showWave(turn, data.waveId, notice));
    if (!outcome) return { card: await this.show(turn, attention('That wave is not one of this team.')) };
    if (outcome.kind === 'refused') return { card: await back(attention(outcome.message)) };
    const sentence = outcome.kind === 'changed' ? `${outcome.event.summary}.` : `${outcome.wave.name} already reads that way.`;
    return { card: await back(good(sentence)), shareWithEveryone: outcome.kind === 'changed' };
  }

  /** Starts (once) and shows the priorities review of a wave. */
  async review(turn: Turn, data: { waveId: string }): Promise<VerbOutcome> {
    const outcome = await this.waves.startReview(turn, data.waveId, turn.timeZone);
    if (!outcome) return { card: await this.show(turn, attention('That wave is not one of this team.')) };
    if (outcome.kind === 'refused') return { card: await this.showWave(turn, data.waveId, attention(outcome.message)) };
    const notice =
      outcome.kind === 'changed'
        ? good(`The priorities review of ${outcome.review.waveName} is open for ${outcome.review.stakeholders.map((p) => p.name).join(', ') || 'its business owners'}.`)
        : undefined;
    return { card: await this.reviewCard(turn, data.waveId, notice), shareWithEveryone: outcome.kind === 'changed' };
  }

  /** `wave review`: the review of the team's latest wave that is due (ended or closed). */
  private async reviewLatest(turn: Turn): Promise<VerbOutcome> {
    const due = await this.waves.dueForReview(turn, turn.timeZone);
    if (!due) return { card: await this.show(turn, attention('No wave of this team has ended yet; its priorities review comes once it ends or is closed.')) };
    return this.review(turn, { waveId: due.waveId });
  }

  private async reviewCard(turn: Turn, waveId: string, notice?: Notice): Promise<Card> {
    const view = await this.waves.reviewView(turn, waveId, turn.timeZone);
    return view ? renderReview(view, notice, turn.timeZone) : this.showWave(turn, waveId, notice);
  }

  private async showWave(turn: Turn, waveId: string, notice?: Notice): Promise<Card> {
    const view = await this.waves.show(turn, waveId, turn.timeZone);
    return view ? renderWave(view, notice, this.zone(turn)) : this.show(turn, notice);
  }

  private zone(turn: Turn): { timeZone?: string } {
    return turn.timeZone ? { timeZone: turn.timeZone } : {};
  }
}
