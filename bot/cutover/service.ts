import { createHash } from 'node:crypto';
import type { Person, Workload } from '../release/model';
import { teamPartitionOf } from '../release/rules';
import type { ReleaseService, Viewer } from '../release/service';
import type { Blackout, CutoverWindow, GoNoGoAnswer, PromotionModel } from './model';
import type { CutoverRepository } from './repository';
import {
  checkAnswer,
  checkBlackout,
  editRunbook,
  evidenceOf,
  GoNoGoState,
  goNoGoState,
  momentOf,
  planWindow,
  PROMOTION_GATE,
  rollBack,
  RunbookEdit,
  sharesOf,
  tickStep,
  WindowDecision,
} from './rules';

/** What the window card draws: the workload's latest window, its answers and go/no-go state, and the team's blackouts. */
export interface WindowView {
  workload: Workload;
  window?: CutoverWindow;
  answers: GoNoGoAnswer[];
  state?: GoNoGoState;
  blackouts: Blackout[];
  now: string;
  /** Once the window finished: the testers of the workload's latest UAT cycle, whom the post-cutover verification asks again. */
  verifyTesters?: Person[];
  /** The test plan of that cycle, asked again. */
  verifyPlanUrl?: string;
}

/** Where the workload's UAT cycles come from (the sign-off capability answers), for the post-cutover verification. */
export interface TesterSource {
  cycles(workloadId: string): Promise<Array<{ number: number; testers: Person[]; testPlanUrl: string }>>;
}

/** The plan as typed on the card: dates, times and zone, the promotion model, and the DNS or IP change. */
export interface WindowPlanInput {
  startDate: string;
  startTime: string;
  endDate: string;
  endTime: string;
  timeZone: string;
  model: 'single' | 'staged';
  shares: string;
  oldRecord: string;
  newRecord: string;
  ttlSeconds: string;
}

export type Refusal = { kind: 'refused'; message: string };
export type Done<T> = { kind: 'changed' | 'unchanged'; value: T } | Refusal;

/** The release window use cases: plan, answer go/no-go, run the runbook, finish or roll back, and blackouts. */
export class CutoverService {
  constructor(
    private readonly windows: CutoverRepository,
    private readonly release: ReleaseService,
    private readonly clock: () => Date = () => new Date(),
    private readonly testers: TesterSource = { cycles: () => Promise.resolve([]) },
    /** Told after a window was planned, answered, finished or rolled back (the communication plan follows it); never throws. */
    private readonly windowChanged: (workloadId: string) => Promise<void> = async () => undefined,
  ) {}

  private now(): string {
    return this.clock().toISOString();
  }

  async view(workload: Workload): Promise<WindowView> {
    const [{ windows, answers }, blackouts] = await Promise.all([this.windows.record(workload.workloadId), this.windows.blackouts(teamPartitionOf(workload.scope))]);
    const window = windows[windows.length - 1];
    const mine = window ? answers.filter((a) => a.windowId === window.windowId) : [];
    const view: WindowView = { workload, ...(window ? { window, state: goNoGoState(window, mine) } : {}), answers: mine, blackouts, now: this.now() };
    if (window?.state !== 'finished') return view;
    const latest = (await this.testers.cycles(workload.workloadId)).sort((a, b) => b.number - a.number)[0];
    if (!latest) return { ...view, verifyTesters: [] };
    return { ...view, verifyTesters: latest.testers.map((t) => ({ aadObjectId: t.aadObjectId, name: t.name })), verifyPlanUrl: latest.testPlanUrl };
  }

  async plan(workload: Workload, actor: Person, input: WindowPlanInput): Promise<Done<CutoverWindow>> {
    // Promotion is attempted here: readiness evidence too old is confirmed again first.
    const stale = this.release.promotionRefusal(workload);
    if (stale) return { kind: 'refused', message: stale };
    const start = momentOf('start', input.startDate, input.startTime, input.timeZone);
    if (!start.ok) return { kind: 'refused', message: start.message };
    const end = momentOf('end', input.endDate, input.endTime, input.timeZone);
    if (!end.ok) return { kind: 'refused', message: end.message };
    let model: PromotionModel = { kind: 'single' };
    if (input.model === 'staged') {
      const shares = sharesOf(input.shares);
      if (!shares) return { kind: 'refused', message: 'Give the shares of a staged promotion as rising percentages ending at 100, for example: 10, 50, 100.' };
      model = { kind: 'staged', shares };
    }
    const ttl = input.ttlSeconds.trim() === '' ? Number.NaN : Number(input.ttlSeconds);
    const [{ windows, answers }, blackouts] = await Promise.all([this.windows.record(workload.workloadId), this.windows.blackouts(teamPartitionOf(workload.scope))]);
    const last = windows[windows.length - 1];
    const decided = planWindow({
      workload,
      ...(last ? { latest: { window: last, state: goNoGoState(last, answers) } } : {}),
      blackouts,
      start: start.moment,
      end: end.moment,
      model,
      records: { oldRecord: input.oldRecord.trim().slice(0, 200), newRecord: input.newRecord.trim().slice(0, 200), ttlSeconds: ttl },
      actor,
      now: this.now(),
    });
    if (decided.kind !== 'changed') return decided.kind === 'refused' ? decided : { kind: 'unchanged', value: decided.window };
    if ((await this.windows.createWindow(decided.window, decided.event)) === 'created') {
      await this.windowChanged(workload.workloadId);
      return { kind: 'changed', value: decided.window };
    }
    // The same number taken meanwhile: the same person's retry, or a colleague planning at the same moment.
    const again = (await this.windows.record(workload.workloadId)).windows.find((w) => w.windowId === decided.window.windowId);
    if (again && again.plannedBy.aadObjectId === actor.aadObjectId && again.start.at === decided.window.start.at) return { kind: 'unchanged', value: again };
    return { kind: 'refused', message: `${again?.plannedBy.name ?? 'Someone'} planned window ${decided.window.number} just now; here it is.` };
  }

  async answer(workload: Workload, windowId: string, voter: Person, said: 'go' | 'noGo', comment: string): Promise<Done<GoNoGoAnswer>> {
    const { windows, answers } = await this.windows.record(workload.workloadId);
    const window = windows.find((w) => w.windowId === windowId);
    if (!window) return { kind: 'refused', message: 'That release window no longer exists.' };
    const previous = answers.find((a) => a.windowId === windowId && a.voter.aadObjectId === voter.aadObjectId);
    if (previous) return this.already(previous, said);
    const checked = checkAnswer(window, { voter, answer: said, comment, now: this.now() });
    if (!checked.ok) return { kind: 'refused', message: checked.message };
    if ((await this.windows.answer(checked.answer, checked.event)) === 'recorded') {
      await this.windowChanged(workload.workloadId);
      return { kind: 'changed', value: checked.answer };
    }
    const stored = (await this.windows.record(workload.workloadId)).answers.find((a) => a.id === checked.answer.id);
    return stored ? this.already(stored, said) : { kind: 'refused', message: 'Your answer could not be read back; try again.' };
  }

  private already(previous: GoNoGoAnswer, said: 'go' | 'noGo'): Done<GoNoGoAnswer> {
    // Answering the same again is a retry; answering otherwise is refused: each stakeholder answers once.
    if (previous.answer === said) return { kind: 'unchanged', value: previous };
    return { kind: 'refused', message: `You already answered ${previous.answer === 'go' ? 'Go' : 'No-go'}; each stakeholder answers once.` };
  }

  /** Marks a step; when it completes the runbook, passes the traffic-rerouted gate with the window record as evidence. */
  async tick(workload: Workload, windowId: string, request: { stepId: string; outcome: 'done' | 'failed'; note: string; actor: Person }): Promise<WindowDecision | undefined> {
    const now = this.now();
    // Finishing the runbook promotes: not on readiness evidence too old (rolling back always goes on).
    const stale = request.outcome === 'done' ? this.release.promotionRefusal(workload) : undefined;
    const decided = await this.windows.changeWindow(workload.workloadId, windowId, (window, answers) =>
      stale && window.steps.find((s) => s.id === request.stepId)?.phase === 'forward'
        ? { kind: 'refused', message: stale, window }
        : tickStep(window, goNoGoState(window, answers), workload, { ...request, now }),
    );
    // Also on a retry ('unchanged'): a crash between the window and the gate is mended by pressing again.
    if (decided && decided.kind !== 'refused' && decided.window.state === 'finished') {
      await this.release.passGateOnBehalf(workload.workloadId, { gateId: PROMOTION_GATE, actor: request.actor, evidence: evidenceOf(decided.window) });
      await this.windowChanged(workload.workloadId);
    }
    return decided;
  }

  /** Edits the runbook of a planned window before it opens; guarded by the card's revision and the window's ETag, audited. */
  async editRunbook(workload: Workload, windowId: string, request: { edit: RunbookEdit; rev: number; actor: Person }): Promise<WindowDecision | undefined> {
    const now = this.now();
    return this.windows.changeWindow(workload.workloadId, windowId, (window, answers) => editRunbook(window, goNoGoState(window, answers), workload, { ...request, now }));
  }

  async rollBack(workload: Workload, windowId: string, actor: Person, reason: string): Promise<WindowDecision | undefined> {
    const now = this.now();
    const decided = await this.windows.changeWindow(workload.workloadId, windowId, (window) => rollBack(window, workload, { reason, actor, now }));
    if (decided && decided.kind !== 'refused') await this.windowChanged(workload.workloadId);
    return decided;
  }

  /** Sets a blackout period for the workload's team. */
  async addBlackout(workload: Workload, viewer: Viewer, input: { name: string; startDate: string; startTime: string; endDate: string; endTime: string; timeZone: string }): Promise<Done<Blackout>> {
    const start = momentOf('blackout start', input.startDate, input.startTime, input.timeZone);
    if (!start.ok) return { kind: 'refused', message: start.message };
    const end = momentOf('blackout end', input.endDate, input.endTime, input.timeZone);
    if (!end.ok) return { kind: 'refused', message: end.message };
    const summaries = await this.release.list(workload.scope.tenantId, workload.scope.scopeId);
    const teamWorkloads = (await Promise.all(summaries.map((s) => this.release.open(s.workloadId, viewer)))).filter((w): w is Workload => !!w);
    const checked = checkBlackout({ name: input.name, start: start.moment, end: end.moment, teamWorkloads, actor: viewer.actor });
    if (!checked.ok) return { kind: 'refused', message: checked.message };
    // A natural id: the same blackout set twice (a retried press) is stored once.
    const key = createHash('sha256').update(`${checked.name}|${start.moment.at}|${end.moment.at}`).digest('hex').slice(0, 16);
    const blackout: Blackout = {
      id: `blackout-${key}`,
      workloadId: teamPartitionOf(workload.scope),
      type: 'blackout',
      name: checked.name,
      start: start.moment,
      end: end.moment,
      setBy: viewer.actor,
      setAt: this.now(),
    };
    return { kind: (await this.windows.addBlackout(blackout)) === 'created' ? 'changed' : 'unchanged', value: blackout };
  }
}
