import type { Card, Notice } from '../../cards/render';
import { renderWave, renderWavePlan } from '../../cards/waves';
import type { WaveService } from '../waves/service';
import { attention, good, VerbOutcome } from './router';
import type { Turn } from './turn';

/** The wave use cases as Teams sees them: the current wave, the plan form, planning and closing. */
export class WaveHandlers {
  constructor(private readonly waves: WaveService) {}

  /** `wave` shows the current wave; `wave plan` the form. */
  async command(turn: Turn, args: string): Promise<Card> {
    return args.trim().toLowerCase() === 'plan' ? this.form(turn) : this.show(turn);
  }

  async show(turn: Turn, notice?: Notice): Promise<Card> {
    return renderWave(await this.waves.current(turn, turn.timeZone), notice);
  }

  async form(turn: Turn, notice?: Notice): Promise<Card> {
    return renderWavePlan(await this.waves.teamWorkloads(turn), notice);
  }

  async plan(turn: Turn, data: { name: string; start: string; end: string; workloads: string[] }): Promise<VerbOutcome> {
    const outcome = await this.waves.plan(turn, { name: data.name, start: data.start, end: data.end, workloadIds: data.workloads }, turn.timeZone);
    if (outcome.kind === 'refused') return { card: await this.form(turn, attention(outcome.message)) };
    const view = await this.waves.show(turn, outcome.wave.waveId, turn.timeZone);
    return { card: renderWave(view, good(`${outcome.wave.name} is planned with ${outcome.wave.workloadIds.length} workload${outcome.wave.workloadIds.length === 1 ? '' : 's'}.`)) };
  }

  async close(turn: Turn, data: { waveId: string }): Promise<VerbOutcome> {
    const outcome = await this.waves.close(turn, data.waveId);
    if (!outcome) return { card: await this.show(turn, attention('That wave is not one of this team.')) };
    if (outcome.kind === 'refused') return { card: await this.show(turn, attention(outcome.message)) };
    return { card: await this.show(turn, good(`${outcome.wave.name} is closed; its open action items carry forward to the next wave.`)), shareWithEveryone: outcome.kind === 'changed' };
  }
}
