import type { Workload } from '../release/model';
import { currentStage, nextStep } from '../release/rules';
import type { Viewer, ReleaseService } from '../release/service';
import type { RetroAction } from '../retro/model';
import { dateIn } from '../shared/zonedTime';
import type { CutoverWindow } from '../cutover/model';
import { PROMOTION_GATE } from '../cutover/rules';
import type { Wave, WaveEvent, WaveOutcomeSummary, WaveReview } from './model';
import type { WaveRepository } from './repository';
import {
  WaveChange,
  WaveChangeDecision,
  WaveDecision,
  atRisk,
  carriedFrom,
  changeWave,
  checkWavePlan,
  closeWave,
  currentWave,
  newWave,
  decidesOn,
  nextWaveOf,
  reviewDecisions,
  reviewDue,
  startReview,
  takesPartInReview,
  LIFTOFF_ACTOR,
  targetsWave,
  waveEvent,
  waveIdOf,
} from './rules';
import { isClosed, teamPartitionOf } from '../release/rules';

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
  /** The wave's audit trail, oldest first. */
  trail: WaveEvent[];
  /** The priorities review decisions recorded on this wave (moves and reorders, with their reasons). */
  decisions: WaveEvent[];
  /** Whether its priorities review is due, and the review once started. */
  reviewDue: boolean;
  review?: WaveReview;
  /** For an open wave, the team's workloads in no open wave: what may be moved in. */
  candidates: Workload[];
}

/** The priorities review card: the reviewed wave's outcome, and the next wave its decisions change. */
export interface ReviewView {
  review: WaveReview;
  wave: Wave;
  next?: WaveView;
}

/** A wave change as a person asked for it on a card. */
export interface WaveChangeInput {
  waveId: string;
  op: 'in' | 'out' | 'place';
  workloadId: string;
  place?: number;
  reason: string;
  /** The wave whose priorities review this decision belongs to. */
  reviewOf?: string;
}

/** A review Liftoff opened by itself, claimed for announcing: the card, and the team conversation to post it in. */
export interface ReviewAnnouncement {
  review: WaveReview;
  view: ReviewView;
  /** The team conversation the wave was planned in. */
  conversationId: string;
  tenantId: string;
  /** For each business stakeholder, a workload of the reviewed wave they own: their card one to one acts through it. */
  viaOf: Record<string, string>;
}

/** How many ended waves one review sweep opens at most; the next sweep takes the rest. */
const REVIEW_SWEEP_LIMIT = 50;

export type ReviewOutcome = { kind: 'changed' | 'unchanged'; review: WaveReview } | { kind: 'refused'; message: string };

/** Where retro action items come from; the retro capability answers. */
export interface OpenActionSource {
  openActions(tenantId: string, scopeId: string): Promise<RetroAction[]>;
}

/** Where a workload's release windows come from; the cutover capability's repository answers (one partition). */
export interface WindowSource {
  record(workloadId: string): Promise<{ windows: CutoverWindow[] }>;
}

export type WaveOutcome = WaveDecision;
export type WaveOutcomeOf = WaveChangeDecision;

/** The gate whose evidence notes the savings of switching the source off. */
const SAVINGS_GATE = 'assets-retired';

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
    private readonly windows: WindowSource = { record: () => Promise.resolve({ windows: [] }) },
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

  /** The wave whose priorities review is due: the latest to have ended or been closed. */
  async dueForReview(viewer: Viewer, timeZone?: string): Promise<Wave | undefined> {
    const today = this.today(timeZone);
    return (await this.all(viewer)).filter((w) => reviewDue(w, today)).sort((a, b) => b.end.localeCompare(a.end))[0];
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
    const result = await this.waves.plan(wave, claims, waveEvent(wave, 'wave.planned', viewer.actor, wave.createdAt));
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
    return this.waves.close(
      partition,
      waveId,
      (current) => closeWave(current, workloads, viewer.actor, now),
      (closed) => waveEvent(closed, 'wave.closed', viewer.actor, now),
    );
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

  /**
   * Moves a workload in or out of an open wave, or to another place, with a reason; audited with the change.
   * With reviewOf, it is a decision of that wave's priorities review on the wave after it.
   */
  async change(viewer: Viewer, input: WaveChangeInput): Promise<WaveOutcomeOf | undefined> {
    const partition = teamPartitionOf(viewer.scope);
    const wave = await this.waves.wave(partition, input.waveId);
    if (!wave) return undefined;
    if (!input.workloadId) return { kind: 'refused', message: input.op === 'in' ? 'Pick the workload to move in.' : 'Pick the workload to move.' };
    const workloads = await this.workloadsOf(viewer, wave);
    let change: WaveChange;
    if (input.op === 'in') {
      const workload = await this.release.open(input.workloadId, viewer);
      if (!workload || workload.scope.scopeId !== viewer.scope.scopeId || workload.scope.tenantId !== viewer.tenantId) {
        return { kind: 'refused', message: 'Pick a workload of this team; that one is not here.' };
      }
      const claim = await this.waves.claimOf(partition, workload.workloadId);
      if (claim && claim.waveId !== wave.waveId) return this.claimedRefusal(partition, workload.name, claim.waveId);
      change = { op: 'in', workload };
    } else if (input.op === 'out') change = { op: 'out', workloadId: input.workloadId };
    else change = { op: 'place', workloadId: input.workloadId, place: input.place ?? Number.NaN };
    let review: { wave: Wave; workloads: Workload[] } | undefined;
    if (input.reviewOf) {
      const started = await this.waves.review(partition, input.reviewOf);
      const reviewed = started ? await this.waves.wave(partition, input.reviewOf) : undefined;
      if (!started || !reviewed) return { kind: 'refused', message: 'That priorities review has not been started; type "wave review" first.' };
      const decided = decidesOn(started, await this.all(viewer), reviewed);
      if (decided?.waveId !== wave.waveId) return { kind: 'refused', message: `The priorities review of ${reviewed.name} decides on ${decided?.name ?? 'the next wave'}, not ${wave.name}.` };
      review = { wave: reviewed, workloads: await this.workloadsOf(viewer, reviewed) };
    }
    const now = this.clock().toISOString();
    const result = await this.waves.change(partition, wave.waveId, (current) =>
      changeWave(current, { change, reason: input.reason, actor: viewer.actor, now, workloads, ...(review ? { review } : {}) }),
    );
    if (result?.kind === 'claimed') return this.claimedRefusal(partition, change.op === 'in' ? change.workload.name : 'That workload', result.waveId);
    return result;
  }

  private async claimedRefusal(partition: string, name: string, waveId: string): Promise<{ kind: 'refused'; message: string }> {
    const other = await this.waves.wave(partition, waveId);
    return { kind: 'refused', message: `${name} is already in the open wave ${other?.name ?? waveId}; a workload is in one open wave at a time. Move it out of that wave first.` };
  }

  /**
   * Starts the business priorities review of a wave once it ended (or was closed): its outcome is read and
   * frozen, and the review names the next wave its decisions change. Starting it again answers the same review.
   */
  async startReview(viewer: Viewer, waveId: string, timeZone?: string): Promise<ReviewOutcome | undefined> {
    const partition = teamPartitionOf(viewer.scope);
    const [waves, existing] = await Promise.all([this.all(viewer), this.waves.review(partition, waveId)]);
    const wave = waves.find((w) => w.waveId === waveId);
    if (!wave) return undefined;
    if (existing) return { kind: 'unchanged', review: existing };
    const workloads = await this.workloadsOf(viewer, wave);
    const now = this.clock().toISOString();
    const next = nextWaveOf(waves, wave);
    const started = startReview({ wave, workloads, ...(next ? { next } : {}), outcome: await this.outcomeOf(viewer, wave, workloads), actor: viewer.actor, today: this.today(timeZone), now });
    if (started.kind === 'refused') return started;
    if ((await this.waves.startReview(started.review, started.event)) === 'created') return { kind: 'changed', review: started.review };
    const stored = await this.waves.review(partition, waveId);
    return stored ? { kind: 'unchanged', review: stored } : { kind: 'refused', message: 'The review could not be read back; try again.' };
  }

  /**
   * The review sweep: opens (once, natural id) the priorities review of every open wave whose last day is over
   * in UTC, marks the wave, and answers the reviews this call claimed for announcing (marked before sending).
   * A review a person started already, or one another process claimed, is not answered.
   */
  async openEndedReviews(limit = REVIEW_SWEEP_LIMIT): Promise<ReviewAnnouncement[]> {
    const today = this.today(undefined);
    const now = this.clock().toISOString();
    const claimed: ReviewAnnouncement[] = [];
    for (const { teamPartition, waveId } of await this.waves.endedUnreviewed(today, limit)) {
      const wave = await this.waves.wave(teamPartition, waveId);
      if (!wave || wave.status !== 'open' || wave.workloadId !== teamPartition) continue;
      const viewer = await this.teamViewer(wave);
      const workloads = await this.workloadsOf(viewer, wave);
      if (!(await this.waves.review(teamPartition, waveId))) {
        const waves = await this.all(viewer);
        const next = nextWaveOf(waves, wave);
        const outcome = await this.outcomeOf(viewer, wave, workloads);
        const started = startReview({ wave, workloads, ...(next ? { next } : {}), outcome, actor: LIFTOFF_ACTOR, today, now, automatic: true });
        if (started.kind === 'started') await this.waves.startReview(started.review, started.event);
      }
      await this.waves.markReviewOpened(teamPartition, waveId, now);
      const review = await this.waves.claimAnnouncement(teamPartition, waveId, now);
      const view = review ? await this.reviewView(viewer, waveId) : undefined;
      if (!review || !view) continue;
      const viaOf: Record<string, string> = {};
      for (const w of [...workloads].reverse()) for (const p of w.roles.businessOwner) viaOf[p.aadObjectId] = w.workloadId;
      claimed.push({ review, view, conversationId: viewer.scope.conversationId, tenantId: wave.tenantId, viaOf });
    }
    return claimed;
  }

  /** Liftoff looking at a team's waves, as a member of the team the wave was planned in. */
  private async teamViewer(wave: Wave): Promise<Viewer> {
    const scope = { tenantId: wave.tenantId, scopeId: wave.scopeId, conversationId: wave.conversationId ?? '' };
    const viewer: Viewer = { actor: LIFTOFF_ACTOR, tenantId: wave.tenantId, scope, isMemberOf: () => Promise.resolve(false) };
    if (scope.conversationId) return viewer;
    // A wave planned before it kept its conversation: the team conversation of its first workload.
    const first = wave.workloadIds[0] ? await this.release.open(wave.workloadIds[0], viewer) : undefined;
    return { ...viewer, scope: { ...scope, conversationId: first?.scope.conversationId ?? '' } };
  }

  /**
   * A business stakeholder acting on a review card sent one to one: the card names a workload of the reviewed
   * wave; when the person may open it and takes part in the review, they act in the team that workload belongs to.
   */
  async asReviewer(viewer: Viewer, via: string, reviewOf: string): Promise<Viewer | { refused: string }> {
    const refused = { refused: 'That priorities review is not one you take part in.' };
    const workload = await this.release.open(via, viewer);
    if (!workload) return refused;
    const partition = teamPartitionOf(workload.scope);
    const [review, wave] = await Promise.all([this.waves.review(partition, reviewOf), this.waves.wave(partition, reviewOf)]);
    if (!review || !wave || !wave.workloadIds.includes(workload.workloadId)) return refused;
    const team: Viewer = { actor: viewer.actor, tenantId: viewer.tenantId, scope: workload.scope, isMemberOf: (scope) => viewer.isMemberOf(scope) };
    return takesPartInReview(await this.workloadsOf(viewer, wave), viewer.actor) ? team : refused;
  }

  /**
   * The priorities review of this team waiting on the person `mine` says they are: the latest started review of
   * a wave holding a workload where they are a business owner or the project manager (`mine`: those workloads,
   * opened by the caller), while the wave its decisions change is open and not over. One waves query of the
   * team and one point read; undefined when none waits on them.
   */
  async reviewWaitingOn(viewer: Viewer, mine: Workload[]): Promise<{ review: WaveReview; wave: Wave; next: Wave } | undefined> {
    const today = this.today(undefined);
    const waves = await this.all(viewer);
    const reviewed = waves
      .filter(
        (w) =>
          reviewDue(w, today) &&
          takesPartInReview(
            mine.filter((m) => w.workloadIds.includes(m.workloadId)),
            viewer.actor,
          ),
      )
      .sort((a, b) => b.end.localeCompare(a.end))[0];
    const review = reviewed ? await this.waves.review(teamPartitionOf(viewer.scope), reviewed.waveId) : undefined;
    const next = review && reviewed ? decidesOn(review, waves, reviewed) : undefined;
    return review && reviewed && next && next.end >= today ? { review, wave: reviewed, next } : undefined;
  }

  /** The priorities review of a wave as its card draws it; undefined when it was not started. */
  async reviewView(viewer: Viewer, waveId: string, timeZone?: string): Promise<ReviewView | undefined> {
    const partition = teamPartitionOf(viewer.scope);
    const [waves, review] = await Promise.all([this.all(viewer), this.waves.review(partition, waveId)]);
    const wave = waves.find((w) => w.waveId === waveId);
    if (!review || !wave) return undefined;
    const nextWave = decidesOn(review, waves, wave);
    const next = nextWave ? await this.view(viewer, waves, nextWave, this.today(timeZone)) : undefined;
    return { review, wave, ...(next ? { next } : {}) };
  }

  /** What a wave delivered: released workloads, windows finished and rolled back, savings noted, open action items. */
  private async outcomeOf(viewer: Viewer, wave: Wave, workloads: Workload[]): Promise<WaveOutcomeSummary> {
    const [records, open] = await Promise.all([Promise.all(workloads.map((w) => this.windows.record(w.workloadId))), this.retro.openActions(viewer.tenantId, viewer.scope.scopeId)]);
    const promoted = (w: Workload): boolean => isClosed(w.gates.find((g) => g.id === PROMOTION_GATE)?.status ?? 'pending');
    const windows = records.flatMap((r) => r.windows);
    return {
      released: workloads.filter(promoted).map((w) => w.name),
      notReleased: workloads.filter((w) => !promoted(w)).map((w) => w.name),
      windowsFinished: windows.filter((w) => w.state === 'finished').length,
      rolledBack: windows.filter((w) => w.state === 'rolledBack').map((w) => ({ workload: w.workloadName, window: w.number, reason: w.rollbackReason ?? '' })),
      savings: workloads.flatMap((w) => {
        const retired = w.gates.find((g) => g.id === SAVINGS_GATE);
        return retired && isClosed(retired.status) && retired.evidence ? [{ workload: w.name, text: retired.evidence }] : [];
      }),
      openActions: open.filter((a) => targetsWave(a.target, wave)).map((a) => `${a.text}: ${a.owner.name}, due ${a.due}`),
    };
  }

  private async view(viewer: Viewer, waves: Wave[], wave: Wave, today: string): Promise<WaveView> {
    const partition = teamPartitionOf(viewer.scope);
    const [workloads, open, trail, review, team] = await Promise.all([
      this.workloadsOf(viewer, wave),
      this.retro.openActions(viewer.tenantId, viewer.scope.scopeId),
      this.waves.events(partition, wave.waveId),
      this.waves.review(partition, wave.waveId),
      wave.status === 'open' ? this.teamWorkloads(viewer) : Promise.resolve([]),
    ]);
    const claimed = new Set(waves.filter((w) => w.status === 'open').flatMap((w) => w.workloadIds));
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
      trail,
      decisions: reviewDecisions(trail),
      reviewDue: reviewDue(wave, today),
      ...(review ? { review } : {}),
      candidates: team.filter((w) => !claimed.has(w.workloadId)),
    };
  }
}
