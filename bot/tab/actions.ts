import { PROMOTION_GATE } from '../cutover/rules';
import type { ConversationTarget } from '../conversations/messenger';
import type { Person } from '../release/model';
import { decisionSentence } from '../release/rules';
import type { ReleaseService } from '../release/service';
import type { BroadcastService } from '../broadcast/service';
import type { RetroService } from '../retro/service';
import { decidedSentence, type SignoffService } from '../signoff/service';
import { formatWhen } from '../shared/dates';
import type { ReleaseBoard } from './board';
import type { TabPerson } from './identity';
import type { ActResult } from './view';

/** What an action answers: the sentence and whether it changed anything, or undefined when there is nothing the person may act on. */
export type Acted = ActResult | undefined;

const refused = (message: string): ActResult => ({ changed: false, message });
const done = (message: string): ActResult => ({ changed: true, message });

/** A message in chat showing a workload's checklist, and the banner it is drawn again with. */
export interface ChecklistShown {
  message: { target: ConversationTarget; activityId: string };
  banner: { text: string; tone: 'good' | 'attention' };
}

/** Most checklist messages drawn again after one decision from the tab (the newest first). */
const MAX_REDRAWN_CHECKLISTS = 3;

/**
 * What the tab's buttons do, through the very use cases the cards call (Teams is asked afresh who is a member): the release's gate decision, a UAT
 * decision and the final sign-off, an acknowledgement, a retro action item done. Each is refused by its
 * service's rule with the sentence the card shows; the workload is first opened with the person's standing.
 */
export class TabActions {
  constructor(
    private readonly deps: {
      board: Pick<ReleaseBoard, 'viewerOf'>;
      release: ReleaseService;
      signoff: SignoffService;
      broadcast: BroadcastService;
      retro: RetroService;
      /** Redraws the shared UAT card in chat after a change made from the tab (the card path does the same). */
      cycleChanged?: (workloadId: string, cycleId: string) => Promise<void>;
      /** Who recorded the cutover of a workload: they never waive promotion (the card asks the same). */
      promoters?: (workloadId: string) => Promise<Person[]>;
      /** Draws a checklist message in chat again after a gate changed from the tab (marked in Cosmos first, as every shared card). */
      checklistChanged?: (workloadId: string, shown: ChecklistShown) => Promise<void>;
    },
  ) {}

  async decideGate(person: TabPerson, request: { workloadId: string; gateId: string; rev: number; decision: 'pass' | 'fail' | 'waive'; note: string; requestId: string }): Promise<Acted> {
    const { release, board } = this.deps;
    const viewer = board.viewerOf(person, false);
    const workload = await release.open(request.workloadId, viewer);
    if (!workload) return undefined;
    const promoters = request.gateId === PROMOTION_GATE && this.deps.promoters ? { promoters: await this.deps.promoters(request.workloadId) } : {};
    const result = await release.decideGate(workload, {
      gateId: request.gateId,
      decision: request.decision,
      rev: request.rev,
      note: request.note,
      actor: viewer.actor,
      requestId: request.requestId,
      ...promoters,
    });
    if (!result) return undefined;
    if (result.kind === 'refused') return refused(result.message);
    const message = decisionSentence(result.workload, request.gateId);
    if (result.kind === 'changed') await this.redrawChecklists(request.workloadId, { text: message, tone: request.decision === 'fail' ? 'attention' : 'good' });
    return done(message);
  }

  /**
   * The checklist messages Liftoff knows are in chat for this workload: those a UAT cycle was opened from, and
   * those a closed retrospective was started from (an open one's message may show the facilitator's view).
   */
  private async redrawChecklists(workloadId: string, banner: ChecklistShown['banner']): Promise<void> {
    const redraw = this.deps.checklistChanged;
    if (!redraw) return;
    const [cycles, retros] = await Promise.all([this.deps.signoff.cycles(workloadId), this.deps.retro.retrosOf(workloadId)]);
    const known = [...cycles.map((c) => ({ at: c.openedAt, message: c.card?.checklist })), ...retros.map((r) => ({ at: r.createdAt, message: r.phase === 'closed' ? r.checklist : undefined }))];
    const messages = new Map<string, ChecklistShown['message']>();
    for (const { message } of known.sort((a, b) => b.at.localeCompare(a.at))) {
      if (message && !messages.has(message.activityId) && messages.size < MAX_REDRAWN_CHECKLISTS) messages.set(message.activityId, message);
    }
    for (const message of messages.values()) await redraw(workloadId, { message, banner });
  }

  async decideUat(person: TabPerson, request: { workloadId: string; cycleId: string; decision: 'approve' | 'reject'; comment: string; evidence: string }): Promise<Acted> {
    const { release, signoff, board } = this.deps;
    const viewer = board.viewerOf(person, false);
    if (!(await release.open(request.workloadId, viewer))) return undefined;
    const outcome = await signoff.decide(request.workloadId, request.cycleId, person.tenantId, {
      actor: viewer.actor,
      decision: request.decision,
      comment: request.comment,
      evidence: request.evidence,
    });
    switch (outcome.kind) {
      case 'missing':
        return undefined;
      case 'refused':
        return refused(outcome.message);
      case 'already': {
        const vote = outcome.vote;
        if (vote.decision === request.decision) return refused(decidedSentence(outcome.view, vote.decision, vote.at));
        return refused(
          `You already ${vote.decision === 'approve' ? 'approved' : 'rejected'} UAT cycle ${outcome.view.cycle.number} ${formatWhen(vote.at)}. A decision is recorded once and cannot be changed.`,
        );
      }
      case 'recorded':
        await this.deps.cycleChanged?.(request.workloadId, request.cycleId);
        return done(decidedSentence(outcome.view, outcome.vote.decision, outcome.vote.at));
    }
  }

  async finalSignoff(person: TabPerson, request: { workloadId: string; cycleId: string; decision: 'approve' | 'reject'; comment: string }): Promise<Acted> {
    const { release, signoff, board } = this.deps;
    const viewer = board.viewerOf(person, false);
    if (!(await release.open(request.workloadId, viewer))) return undefined;
    const outcome = await signoff.final(request.workloadId, request.cycleId, person.tenantId, { actor: viewer.actor, decision: request.decision, comment: request.comment });
    if (outcome.kind === 'missing') return undefined;
    if (outcome.kind === 'refused') return refused(outcome.message);
    if (outcome.kind === 'changed') await this.deps.cycleChanged?.(request.workloadId, request.cycleId);
    const cycle = outcome.view.cycle;
    const message =
      cycle.state === 'passed'
        ? `You gave the final business sign-off of UAT cycle ${cycle.number}. Business testing of ${cycle.workloadName} is passed.`
        : `You refused the final sign-off: UAT cycle ${cycle.number} has failed. A new cycle can be opened with "uat ${cycle.workloadName}".`;
    return { changed: outcome.kind === 'changed', message };
  }

  /** Like the card's Acknowledge, not behind the workload's scope: the notice itself says who it was sent to. */
  async acknowledge(person: TabPerson, request: { workloadId: string; noticeId: string }): Promise<Acted> {
    const { broadcast, board } = this.deps;
    const notice = await broadcast.get(request.workloadId, request.noticeId);
    if (!notice || notice.tenantId !== person.tenantId) return undefined;
    const outcome = await broadcast.acknowledge({ notice, actor: board.viewerOf(person, false).actor, conversationIds: [`tab:${person.aadObjectId}`] });
    if (outcome.kind === 'refused') return refused(outcome.message);
    if (outcome.kind === 'recalled') return refused(`"${notice.content.title}" was recalled: there is nothing to acknowledge.`);
    return outcome.first ? done('Thank you: your acknowledgement is recorded.') : refused(`You acknowledged "${notice.content.title}" ${formatWhen(outcome.at)}.`);
  }

  async completeAction(person: TabPerson, request: { workloadId: string; actionId: string }): Promise<Acted> {
    const viewer = this.deps.board.viewerOf(person, false);
    if (!(await this.deps.release.open(request.workloadId, viewer))) return undefined;
    const result = await this.deps.retro.completeAction(person.tenantId, request.workloadId, request.actionId, viewer.actor);
    if (!result) return undefined;
    if (result.kind === 'refused') return refused(result.message);
    return { changed: result.kind === 'changed', message: `Done: ${result.value.text}` };
  }
}
