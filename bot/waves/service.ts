import type { Workload } from '../release/model';
import { currentStage, nextStep } from '../release/rules';
import type { Viewer, ReleaseService } from '../release/service';
import type { RetroAction } from '../retro/model';
import { dateIn } from '../shared/zonedTime';
import type { Wave } from './model';
import type { WaveRepository } from './repository';
import { WaveDecision, atRisk, carriedFrom, checkWavePlan, closeWave, currentWave, newWave, targetsWave, waveIdOf } from './rules';
import { teamPartitionOf } from '../release/rules';

/** One workload as the wave card shows it: where it is, what blocks it, who moves it next, and whether its dates are at risk. */
export interface WaveRow {
  workload: Workload;
  stage: ReturnType<typeof currentStage>;
  next: ReturnType<typeof nextStep>;
  risk: ReturnType<typeof atRisk>;
}

export interface WaveView {
  wave: Wave;
  today: string;
  rows: WaveRow[];
  /** Open retro action items aimed at this wave, and those carried from the team's earlier closed waves. */
  actions: Array<{ action: RetroAction; carriedFrom?: string }>;
}

/** Where retro action items come from; the retro capability answers. */
export interface OpenActionSource {
  openActions(tenantId: string, scopeId: string): Promise<RetroAction[]>;
}

export type WaveOutcome = WaveDecision;

/** How another capability finds a team's wave by what a person typed. */
export interface WaveLookup {
  findInTeam(team: { tenantId: string; scopeId: string }, name: string): Promise<Wave | undefined>;
}

/** The wave use cases: a team plans waves, looks at the current one, and closes it. */
export class WaveService implements WaveLookup {
  constructor(
    private readonly waves: WaveRepository,
    private readonly release: ReleaseService,
    private readonly retro: OpenActionSource,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Today in the person's time zone (the wave's days are calendar days where the team works). */
  today(timeZone: string | undefined): string {
    return dateIn(timeZone ?? 'UTC', this.clock().toISOString());
  }

  all(viewer: Viewer): Promise<Wave[]> {
    return this.waves.waves(teamPartitionOf(viewer.scope));
  }

  /** The team's current wave, drawn; undefined when it has none open. */
  async current(viewer: Viewer, timeZone?: string): Promise<WaveView | undefined> {
    const waves = await this.all(viewer);
    const today = this.today(timeZone);
    const wave = currentWave(waves, today);
    return wave ? this.view(viewer, waves, wave, today) : undefined;
  }

  /** The workloads of this team a wave may hold. */
  async teamWorkloads(viewer: Viewer): Promise<Workload[]> {
    const summaries = await this.release.list(viewer.tenantId, viewer.scope.scopeId);
    return (await Promise.all(summaries.map((s) => this.release.open(s.workloadId, viewer)))).filter((w): w is Workload => !!w);
  }

  async plan(viewer: Viewer, input: { name: string; start: string; end: string; workloadIds: string[] }, timeZone?: string): Promise<WaveOutcome> {
    const workloads: Workload[] = [];
    for (const id of input.workloadIds) {
      const workload = await this.release.open(id, viewer);
      // A wave is a team's: only the workloads created in this very team or chat join it.
      if (!workload || workload.scope.scopeId !== viewer.scope.scopeId || workload.scope.tenantId !== viewer.tenantId) {
        return { kind: 'refused', message: 'Pick workloads of this team; one of those picked is not here.' };
      }
      workloads.push(workload);
    }
    const checked = checkWavePlan({ ...input, workloads, actor: viewer.actor, today: this.today(timeZone) });
    if (!checked.ok) return { kind: 'refused', message: checked.message };
    const { wave, claims } = newWave({ ...input, waveId: checked.waveId, name: checked.name, scope: viewer.scope, workloads, actor: viewer.actor, now: this.clock().toISOString() });
    const result = await this.waves.plan(wave, claims);
    if (result.kind === 'created') return { kind: 'changed', wave: result.wave };
    if (result.kind === 'exists') {
      const same = result.wave && result.wave.createdBy.aadObjectId === viewer.actor.aadObjectId && result.wave.start === wave.start && result.wave.end === wave.end;
      // The same person's retried plan: already done.
      if (same && result.wave) return { kind: 'unchanged', wave: result.wave };
      return { kind: 'refused', message: `This team already has a wave named "${result.wave?.name ?? checked.name}"; pick another name.` };
    }
    const taken = workloads.find((w) => w.workloadId === result.workloadId);
    const other = await this.waves.wave(wave.workloadId, result.waveId);
    return {
      kind: 'refused',
      message: `${taken?.name ?? 'A workload'} is already in the open wave ${other?.name ?? result.waveId}; a workload is in one open wave at a time. Close that wave or leave it out.`,
    };
  }

  async close(viewer: Viewer, waveId: string): Promise<WaveOutcome | undefined> {
    const partition = teamPartitionOf(viewer.scope);
    const wave = await this.waves.wave(partition, waveId);
    if (!wave) return undefined;
    // A wave's workloads are fixed when it is planned: who may close it is read once.
    const workloads = await this.workloadsOf(viewer, wave);
    const now = this.clock().toISOString();
    return this.waves.close(partition, waveId, (current) => closeWave(current, workloads, viewer.actor, now));
  }

  async show(viewer: Viewer, waveId: string, timeZone?: string): Promise<WaveView | undefined> {
    const waves = await this.all(viewer);
    const wave = waves.find((w) => w.waveId === waveId);
    return wave ? this.view(viewer, waves, wave, this.today(timeZone)) : undefined;
  }

  /** A wave of a team by its name or id, for retro action items that target a wave: one single-partition query. */
  async findInTeam(team: { tenantId: string; scopeId: string }, name: string): Promise<Wave | undefined> {
    const wanted = name.trim();
    return (await this.waves.waves(teamPartitionOf(team))).find((w) => w.waveId === wanted || w.waveId === waveIdOf(wanted));
  }

  private async workloadsOf(viewer: Viewer, wave: Wave): Promise<Workload[]> {
    return (await Promise.all(wave.workloadIds.map((id) => this.release.open(id, viewer)))).filter((w): w is Workload => !!w);
  }

  private async view(viewer: Viewer, waves: Wave[], wave: Wave, today: string): Promise<WaveView> {
    const [workloads, open] = await Promise.all([this.workloadsOf(viewer, wave), this.retro.openActions(viewer.tenantId, viewer.scope.scopeId)]);
    const earlier = carriedFrom(waves, wave);
    const actions: WaveView['actions'] = [];
    for (const action of open) {
      if (targetsWave(action.target, wave)) actions.push({ action });
      else {
        const from = earlier.find((w) => targetsWave(action.target, w));
        if (from) actions.push({ action, carriedFrom: from.name });
      }
    }
    return {
      wave,
      today,
      rows: workloads.map((workload) => ({ workload, stage: currentStage(workload), next: nextStep(workload), risk: atRisk(workload, today, wave.end) })),
      actions,
    };
  }
}
