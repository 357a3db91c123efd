import { formatWhen } from '../shared/dates';
import type { Person, Workload } from '../release/model';
import { passGateOnBehalf } from '../release/rules';
import { FreshReads, forEachLimited, SingleFlight } from '../shared/coalesce';
import { backoffDelay, sleep } from '../shared/retry';
import { BUSINESS_TESTING_GATE, Decision, isActive, SignoffCycle, Vote, voteId } from './model';
import type { CycleSnapshot, FinalChange, SignoffRepository } from './repository';
import {
  cancelCycle,
  CancelRequest,
  cannotOpen,
  cannotRemind,
  checkVote,
  closeTesters,
  decideFinal,
  expireAwaitingFinal,
  gateEvidence,
  mayCancel,
  isPastDue,
  openCycle,
  OpenCycleRequest,
  sealFor,
  Tally,
  tally,
  testersShouldClose,
} from './rules';

/** A cycle as it is now, with its tally. */
export interface CycleView extends CycleSnapshot {
  tally: Tally;
}

/** What a tester's recorded decision did, in the words of the sign-off card and the tab. */
export function decidedSentence(view: CycleView, decision: 'approve' | 'reject', at: string): string {
  const base = `You ${decision === 'approve' ? 'approved' : 'rejected'} UAT cycle ${view.cycle.number} ${formatWhen(at)}.`;
  switch (view.cycle.state) {
    case 'awaitingFinal':
      return `${base} The testers' rule is met: the cycle now waits for the final sign-off.`;
    case 'failed':
      return `${base} The cycle has failed.`;
    case 'expired':
      return `${base} The cycle has expired.`;
    case 'cancelled':
      return `${base} The cycle has been cancelled since.`;
    default:
      return base;
  }
}

export type OpenOutcome = { kind: 'opened'; cycle: SignoffCycle; created: boolean } | { kind: 'refused'; message: string };

export type DecisionOutcome =
  /** `markerVersion`: the shared card's marker was written in the decision's batch, at this version (see SharedCardSync.marked). */
  | { kind: 'recorded'; view: CycleView; vote: Vote; markerVersion?: string }
  /** The tester decided before (a client retry, a second click): nothing new was stored. */
  | { kind: 'already'; view: CycleView; vote: Vote }
  | { kind: 'refused'; view: CycleView; message: string; pastDue: boolean }
  | { kind: 'missing' };

export type FinalOutcome = { kind: 'changed' | 'unchanged'; view: CycleView } | { kind: 'refused'; view: CycleView; message: string } | { kind: 'missing' };

export type CancelOutcome = { kind: 'changed' | 'unchanged'; view: CycleView } | { kind: 'refused'; view: CycleView; message: string } | { kind: 'missing' };

/** A tester's decision as asked; `workload` is the one the turn read, `marker` the shared card's marker to write with the decision. */
export interface DecideRequest {
  actor: Person;
  decision: Decision;
  comment: string;
  evidence: string;
  workload?: Workload;
  marker?: object;
}

/** What a person asks for when opening a cycle; the service adds the workload, its cycles and the time. */
export type OpenRequest = Omit<OpenCycleRequest, 'workload' | 'cycles' | 'now'>;

/** How many seals are written at once when the testers' part of a cycle closes. */
const SEAL_CONCURRENCY = 8;
/** How often the complete set of decisions is re-read before giving up (a replica catching up). */
const COMPLETE_READS = 6;

const keyOf = (workloadId: string, cycleId: string): string => `${workloadId}\n${cycleId}`;

/** How many cycles' testers a process keeps at hand (they never change once a cycle opens). */
const KNOWN_CYCLES = 1000;

/** The business-testing use cases: open a cycle, record decisions exactly once, close, sign off, expire. */
export class SignoffService {
  /** Concurrent readers of one cycle share reads, each seeing its own writes. */
  private readonly reads: FreshReads<CycleView | undefined>;
  /** Any read in flight will do, for checks the store enforces again (see decide). */
  private readonly recentReads = new SingleFlight<CycleView | undefined>();
  /** One close of a cycle's testers' part at a time, per process; the store keeps it right across processes. */
  private readonly closing = new SingleFlight<void>();
  /** Cycles read lately, for what never changes in them (testers, rule, due time); their state comes from the workload's summary. */
  private readonly known = new Map<string, SignoffCycle>();
  /** Counts this process's writes to cycles: the last one per cycle, and where the count stood when each read started. */
  private writes = 0;
  private readonly lastWrite = new Map<string, number>();
  private readonly readAt = new WeakMap<CycleView, number>();
  /** The count at the last write to each cycle other than a decision (those go through the cycle's tally). */
  private readonly lastChange = new Map<string, number>();
  /** Batches of decisions already counted as a write, by the decisions they answered. */
  private readonly batches = new WeakMap<readonly Vote[], number>();

  constructor(
    private readonly repo: SignoffRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.reads = new FreshReads((key) => this.load(key));
  }

  /** Reads a cycle with its decisions and tallies it once, for every caller sharing the read. */
  private async load(key: string): Promise<CycleView | undefined> {
    const [workloadId = '', cycleId = ''] = key.split('\n');
    const started = this.writes;
    const snapshot = await this.repo.snapshot(workloadId, cycleId);
    if (!snapshot) return undefined;
    this.remember(snapshot.cycle);
    const view = { ...snapshot, tally: tally(snapshot.cycle, snapshot.votes) };
    this.readAt.set(view, started);
    return view;
  }

  private remember(cycle: SignoffCycle): void {
    const key = keyOf(cycle.workloadId, cycle.id);
    this.known.delete(key);
    this.known.set(key, cycle);
    if (this.known.size > KNOWN_CYCLES) this.known.delete(this.known.keys().next().value ?? '');
  }

  /** Notes a write of this process to a cycle: views read before it are not current any more. */
  private wrote(workloadId: string, cycleId: string): void {
    this.writes += 1;
    this.lastWrite.set(keyOf(workloadId, cycleId), this.writes);
    this.lastChange.set(keyOf(workloadId, cycleId), this.writes);
  }

  /** Notes a batch of decisions once, however many of its decisions come back: the count at which the batch stands. */
  private wroteVotes(workloadId: string, cycleId: string, votes: readonly Vote[]): number {
    const counted = this.batches.get(votes);
    if (counted !== undefined) return counted;
    this.writes += 1;
    this.lastWrite.set(keyOf(workloadId, cycleId), this.writes);
    this.batches.set(votes, this.writes);
    return this.writes;
  }

  /**
   * The view a decision's batch answered: the cycle as the check had it, with the decisions the cycle's tally held
   * after the batch. Only while the cycle is open and this process changed nothing else of it since the turn began
   * (a close, a cancel, the card's message): otherwise the view is read.
   */
  private viewFromBatch(cycle: SignoffCycle, votes: Vote[], changesAtStart: number): CycleView | undefined {
    const key = keyOf(cycle.workloadId, cycle.id);
    if (cycle.state !== 'open' || !cycle.card || (this.lastChange.get(key) ?? 0) !== changesAtStart) return undefined;
    const view: CycleView = { cycle, votes, seals: [], tally: tally(cycle, votes) };
    this.readAt.set(view, this.wroteVotes(cycle.workloadId, cycle.id, votes));
    return view;
  }

  /** The view of a cycle whose testers' part the decision's batch closed: the closed cycle and every decision of it. */
  private closedByBatch(cycle: SignoffCycle, votes: Vote[]): CycleView {
    this.wrote(cycle.workloadId, cycle.id);
    this.remember(cycle);
    const view: CycleView = { cycle, votes, seals: [], tally: tally(cycle, votes) };
    this.readAt.set(view, this.writes);
    return view;
  }

  /**
   * Whether no write of this process to the view's cycle has completed since the view's read started: then the
   * view holds every change this process stored (a shared card drawn after a decision may use the decision's answer).
   */
  isCurrent(view: CycleView): boolean {
    const started = this.readAt.get(view);
    return started !== undefined && started >= (this.lastWrite.get(keyOf(view.cycle.workloadId, view.cycle.id)) ?? 0);
  }

  /**
   * The cycle as the check before a decision needs it, without a read when possible: what never changes from a
   * recent read, its state and due time from the summary on the workload the turn read (kept in the batch of every change).
   */
  private fromSummary(workload: Workload | undefined, cycleId: string): SignoffCycle | undefined {
    const summary = workload?.summaries?.signoff?.find((c) => c.id === cycleId);
    const fixed = workload && this.known.get(keyOf(workload.workloadId, cycleId));
    if (!summary || !fixed) return undefined;
    const { testerCount: _count, ...rest } = summary;
    return { ...rest, testers: fixed.testers, ...(fixed.card ? { card: fixed.card } : {}) };
  }

  now(): string {
    return this.clock().toISOString();
  }

  cycles(workloadId: string): Promise<SignoffCycle[]> {
    return this.repo.cycles(workloadId);
  }

  /** The cycle as it is now, read after any write this caller made; undefined when missing or of another tenant. */
  async view(workloadId: string, cycleId: string, tenantId?: string): Promise<CycleView | undefined> {
    const view = await this.reads.read(keyOf(workloadId, cycleId));
    return view && (tenantId === undefined || view.cycle.tenantId === tenantId) ? view : undefined;
  }

  /** The cycle that is open or waiting for its final sign-off, if any. */
  async active(workloadId: string): Promise<SignoffCycle | undefined> {
    return (await this.repo.cycles(workloadId)).filter((c) => isActive(c.state)).pop();
  }

  /** Why this person cannot open a cycle now, if they cannot. */
  /** Why this person cannot remind the cycle's testers, or undefined when they may. */
  cannotRemind(workload: Workload, cycle: SignoffCycle, actor: Person): string | undefined {
    return cannotRemind(workload, cycle, actor);
  }

  /** Whether this person may cancel the workload's cycles (its business owner or project manager, as it is now). */
  mayCancel(workload: Workload, actor: Person): boolean {
    return mayCancel(workload, actor);
  }

  async cannotOpen(workload: Workload, actor: Person): Promise<string | undefined> {
    return cannotOpen(workload, await this.repo.cycles(workload.workloadId), actor, this.now());
  }

  /** Opens the next cycle. Opening again with the same cycle number by the same person is a retry and answers with that cycle. */
  async open(workload: Workload, request: OpenRequest): Promise<OpenOutcome> {
    const now = this.now();
    const cycles = await this.repo.cycles(workload.workloadId);
    const result = openCycle({ ...request, workload, cycles, now });
    if (result.kind === 'refused') {
      const retried = this.retriedOpen(cycles, request.actor, now);
      return retried ? { kind: 'opened', cycle: retried, created: false } : result;
    }
    if ((await this.repo.createCycle(result.cycle, result.event)) === 'created') {
      this.wrote(workload.workloadId, result.cycle.id);
      const stored = (await this.repo.cycle(workload.workloadId, result.cycle.id)) ?? result.cycle;
      this.remember(stored);
      return { kind: 'opened', cycle: stored, created: true };
    }
    const taken = await this.repo.cycle(workload.workloadId, result.cycle.id);
    if (taken && taken.openedBy.aadObjectId === request.actor.aadObjectId && isActive(taken.state)) {
      return { kind: 'opened', cycle: taken, created: false };
    }
    return { kind: 'refused', message: `${taken?.openedBy.name ?? 'Someone'} has just opened UAT cycle ${result.cycle.number} of ${workload.name}.` };
  }

  /** A cycle this person opened in the last two minutes, still active: what a retried "open" refers to. */
  private retriedOpen(cycles: SignoffCycle[], actor: Person, now: string): SignoffCycle | undefined {
    const last = cycles[cycles.length - 1];
    if (!last || last.openedBy.aadObjectId !== actor.aadObjectId || !isActive(last.state)) return undefined;
    return Date.parse(now) - Date.parse(last.openedAt) < 120_000 ? last : undefined;
  }

  /** Remembers the message holding the shared card, so later decisions update it. */
  async recordCard(workloadId: string, cycleId: string, card: NonNullable<SignoffCycle['card']>): Promise<void> {
    const changed = await this.repo.changeCycle(workloadId, cycleId, (cycle) => ({ kind: 'changed', cycle: { ...cycle, card } }));
    this.wrote(workloadId, cycleId);
    if (changed) this.remember(changed.cycle);
  }

  /** Records a tester's approval or rejection exactly once, and closes the testers' part when it decides the rule. */
  async decide(workloadId: string, cycleId: string, tenantId: string, request: DecideRequest): Promise<DecisionOutcome> {
    // The cycle may be a moment old here, and that is safe: testers, rule and due time never change, and
    // a cycle that closed meanwhile has its tally marked closed (closed by a decision's batch) or every empty
    // place sealed (the old way, an expiry, a cancel), so the store refuses the decision.
    const key = keyOf(workloadId, cycleId);
    const { workload, marker, ...asked } = request;
    const cycle =
      (workload?.workloadId === workloadId ? this.fromSummary(workload, cycleId) : undefined) ?? ((await this.recentReads.run(key, () => this.load(key))) ?? (await this.reads.read(key)))?.cycle;
    if (!cycle || cycle.tenantId !== tenantId) return { kind: 'missing' };
    const now = this.now();
    const check = checkVote(cycle, { ...asked, now });
    if (!check.ok) return this.refusedWith(workloadId, cycleId, check.message, check.pastDue);

    const changesAtStart = this.lastChange.get(key) ?? 0;
    // The deciding decision closes the testers' part in its own batch when the cycle was drawn from the workload the
    // turn read (its summary's ETag guards the close) and its card is known (the cycle is written whole).
    const fromWorkload = workload?.workloadId === workloadId && cycle.card && workload.summaries?.signoff?.some((c) => c.id === cycleId) ? workload : undefined;
    const close = fromWorkload && { workload: fromWorkload, close: (votes: Vote[]) => (testersShouldClose(cycle, tally(cycle, votes), now) ? closeTesters(cycle, votes, now) : undefined) };
    const stored = await this.repo.recordVote(check.vote, check.event, marker, close);
    if (stored.kind === 'taken') {
      // The answer shows the cycle as it is now, and that read holds what took the place (a replica may lag: then read it alone).
      const view = await this.view(workloadId, cycleId);
      if (!view) return { kind: 'missing' };
      const holder = view.votes.find((v) => v.id === check.vote.id) ?? view.seals.find((s) => s.id === check.vote.id) ?? (await this.repo.slot(workloadId, check.vote.id));
      if (holder?.type === 'vote' && holder.voter.aadObjectId === request.actor.aadObjectId) return { kind: 'already', view, vote: holder };
      return { kind: 'refused', view, message: `The testers' part of UAT cycle ${cycle.number} has closed. Nothing was recorded.`, pastDue: false };
    }

    let view = stored.closed && stored.votes ? this.closedByBatch(stored.closed, stored.votes) : stored.votes && this.viewFromBatch(cycle, stored.votes, changesAtStart);
    if (!view) {
      this.wrote(workloadId, cycleId);
      view = await this.view(workloadId, cycleId);
    }
    if (view && testersShouldClose(view.cycle, view.tally, this.now())) {
      await this.closeTestersOf(workloadId, cycleId);
      view = await this.view(workloadId, cycleId);
    }
    if (!view) return { kind: 'missing' };
    return stored.markerVersion ? { kind: 'recorded', view, vote: check.vote, markerVersion: stored.markerVersion } : { kind: 'recorded', view, vote: check.vote };
  }

  private async refusedWith(workloadId: string, cycleId: string, message: string, pastDue: boolean): Promise<DecisionOutcome> {
    const view = await this.view(workloadId, cycleId);
    return view ? { kind: 'refused', view, message, pastDue } : { kind: 'missing' };
  }

  /**
   * Ends the testers' part of a cycle whose decisions (or due time) settle it. Every empty place is
   * sealed first, so no decision can be stored after this point; the outcome is then computed on the
   * complete, frozen set and stored with an ETag. Safe to run concurrently and to re-run after a crash.
   */
  closeTestersOf(workloadId: string, cycleId: string): Promise<void> {
    return this.closing.run(keyOf(workloadId, cycleId), async () => {
      const first = await this.repo.snapshot(workloadId, cycleId);
      if (!first) return;
      const now = this.now();
      const reason = testersShouldClose(first.cycle, tally(first.cycle, first.votes), now);
      if (!reason) return;
      const filled = new Set([...first.votes, ...first.seals].map((d) => d.id));
      const empty = first.cycle.testers.filter((t) => !filled.has(voteId(cycleId, t.aadObjectId)));
      await forEachLimited(empty, SEAL_CONCURRENCY, async (tester) => {
        await this.repo.seal(sealFor(first.cycle, tester, reason, now));
      });
      this.wrote(workloadId, cycleId);
      const complete = await this.completeSnapshot(workloadId, cycleId);
      await this.repo.changeCycle(workloadId, cycleId, (cycle) => closeTesters(cycle, complete.votes, now));
      this.wrote(workloadId, cycleId);
    });
  }

  /** Reads the cycle until every tester's place shows a decision or a seal (a lagging replica may need a second read). */
  private async completeSnapshot(workloadId: string, cycleId: string): Promise<CycleSnapshot> {
    for (let attempt = 1; ; attempt += 1) {
      const snapshot = await this.repo.snapshot(workloadId, cycleId);
      if (!snapshot) throw new Error(`cycle ${cycleId} of ${workloadId} disappeared while closing`);
      const filled = new Set([...snapshot.votes.map((v) => v.voter.aadObjectId), ...snapshot.seals.map((s) => s.aadObjectId)]);
      if (snapshot.cycle.testers.every((t) => filled.has(t.aadObjectId))) return snapshot;
      if (attempt >= COMPLETE_READS) throw new Error(`cycle ${cycleId} of ${workloadId}: not every tester's place is filled after sealing`);
      await sleep(backoffDelay(attempt));
    }
  }

  /** The business owner's final approval (which passes the business-testing gate in the same transaction) or refusal. */
  async final(workloadId: string, cycleId: string, tenantId: string, request: { actor: Person; decision: Decision; comment: string }): Promise<FinalOutcome> {
    const existing = await this.repo.cycle(workloadId, cycleId);
    if (!existing || existing.tenantId !== tenantId) return { kind: 'missing' };
    const now = this.now();
    const result = await this.repo.finalize(workloadId, cycleId, (cycle, workload): FinalChange => {
      const change = decideFinal(cycle, { ...request, now });
      if (change.kind !== 'changed' || change.cycle.state !== 'passed') return change;
      const gate = passGateOnBehalf(workload, { gateId: BUSINESS_TESTING_GATE, actor: request.actor, evidence: gateEvidence(change.cycle), now });
      return gate.kind === 'changed' ? { ...change, gate } : change;
    });
    this.wrote(workloadId, cycleId);
    if (!result) return { kind: 'missing' };
    // A sign-off arriving after the due time finds the cycle expired, whether or not the sweep got there first.
    if (result.kind === 'refused' && isActive(result.cycle.state) && isPastDue(result.cycle, now)) await this.expire(workloadId, cycleId);
    const view = await this.view(workloadId, cycleId);
    if (!view) return { kind: 'missing' };
    return result.kind === 'refused' ? { kind: 'refused', view, message: result.message } : { kind: result.kind, view };
  }

  /**
   * Cancels a cycle that is open or waiting for its final sign-off, for the business owner or the project
   * manager, with a reason. Like the close of the testers' part, every empty place is sealed first, so a
   * decision racing the cancel is either stored before the seal (and shows on the cancelled card) or
   * refused by the store after it; then the cycle itself changes, guarded by its ETag, so a final sign-off
   * or an expiry racing the cancel wins or loses whole. Safe to repeat: the same person's second cancel changes nothing.
   */
  async cancel(workload: Workload, cycleId: string, request: Omit<CancelRequest, 'now'>): Promise<CancelOutcome> {
    const workloadId = workload.workloadId;
    const first = await this.repo.snapshot(workloadId, cycleId);
    if (!first || first.cycle.tenantId !== workload.scope.tenantId) return { kind: 'missing' };
    const now = this.now();
    const check = cancelCycle(first.cycle, workload, { ...request, now });
    if (check.kind === 'changed' && first.cycle.state === 'open') {
      const filled = new Set([...first.votes, ...first.seals].map((d) => d.id));
      const empty = first.cycle.testers.filter((t) => !filled.has(voteId(cycleId, t.aadObjectId)));
      await forEachLimited(empty, SEAL_CONCURRENCY, async (tester) => {
        await this.repo.seal(sealFor(first.cycle, tester, 'cancelled', now));
      });
    }
    const result = check.kind === 'changed' ? await this.repo.changeCycle(workloadId, cycleId, (cycle) => cancelCycle(cycle, workload, { ...request, now })) : check;
    this.wrote(workloadId, cycleId);
    if (!result) return { kind: 'missing' };
    // A cancel arriving after the due time finds the cycle expired, whether or not the sweep got there first.
    if (result.kind === 'refused' && isActive(result.cycle.state) && isPastDue(result.cycle, now)) await this.expire(workloadId, cycleId);
    const view = await this.view(workloadId, cycleId);
    if (!view) return { kind: 'missing' };
    return result.kind === 'refused' ? { kind: 'refused', view, message: result.message } : { kind: result.kind, view };
  }

  /** Expires a cycle past its due time; true when this call changed it. */
  async expire(workloadId: string, cycleId: string): Promise<boolean> {
    const cycle = await this.repo.cycle(workloadId, cycleId);
    if (!cycle || !isActive(cycle.state) || !isPastDue(cycle, this.now())) return false;
    if (cycle.state === 'open') {
      await this.closeTestersOf(workloadId, cycleId);
    } else {
      const now = this.now();
      await this.repo.changeCycle(workloadId, cycleId, (current) => expireAwaitingFinal(current, now));
      this.wrote(workloadId, cycleId);
    }
    const after = await this.repo.cycle(workloadId, cycleId);
    return after?.state === 'expired';
  }

  /** Expires every cycle past its due time; answers the ones that expired. */
  async expireDue(limit = 100): Promise<Array<{ workloadId: string; cycleId: string }>> {
    const due = await this.repo.dueCycles(this.now(), limit);
    const expired: Array<{ workloadId: string; cycleId: string }> = [];
    for (const ref of due) if (await this.expire(ref.workloadId, ref.cycleId)) expired.push(ref);
    return expired;
  }
}
