import { Card, ChecklistSection, Notice, renderMessage } from '../../cards/render';
import { cycleLine, renderSignoff, renderSignoffForm, SignoffFormValues, TIME_ZONES, withNotice } from '../../cards/signoff';
import type { Messenger } from '../conversations/messenger';
import type { SharedCard, SharedCardSync } from '../conversations/sharedCards';
import type { FinalStatus } from '../conversations/outbound';
import type { Reminders, Unreached } from '../conversations/reminders';
import type { Logger } from '../log';
import type { Workload } from '../release/model';
import { isClosed } from '../release/rules';
import type { BackgroundWork } from '../shared/background';
import { Approver, BUSINESS_TESTING_GATE, isActive, SignoffCycle } from '../signoff/model';
import { dueLabel, isPastDue, viewerOf } from '../signoff/rules';
import { canonicalTimeZone, dateIn } from '../shared/zonedTime';
import { formatWhen } from '../shared/dates';
import { decidedSentence, type CycleView, type SignoffService } from '../signoff/service';
import { attention, good, outcomeBanner, VerbOutcome } from './router';
import type { CancelData, CycleRefData, DecideData, FinalData, OpenCycleData } from './signoffPayloads';
import type { ChecklistMessages } from './checklistMessages';
import type { Turn } from './turn';

const when = (iso: string, timeZone?: string): string => formatWhen(iso, timeZone);

/** How the sign-off capability draws the checklist: the release handlers' own way. */
export interface WorkloadCards {
  checklist(turn: Turn, workload: Workload, notice?: Notice): Promise<Card>;
}

/** The shared card of one UAT cycle. */
export type SignoffCard = Extract<SharedCard, { kind: 'signoff' }>;

/**
 * Keeps each cycle's shared card in step with the store. A change marks the card in Cosmos before the
 * answer, so a restart draws it again; decisions arriving together are folded into one or two updates
 * of the message, and the last update always draws the latest state.
 */
export class SignoffCardPublisher {
  constructor(
    private readonly signoff: SignoffService,
    private readonly messenger: Messenger,
    private readonly cards: SharedCardSync,
  ) {}

  /**
   * Call once the change is stored and before answering: the card is marked stale, then drawn after the answer.
   * `view`: what a decision was answered with; the draw uses it while it is current, as after `marked` (a decision
   * that found the card marked ahead by an earlier one writes no marker, and the draw to come serves both).
   */
  refresh(workloadId: string, cycleId: string, fields: Record<string, unknown> = {}, view?: CycleView): Promise<void> {
    if (view) this.answered.set(`${workloadId}\n${cycleId}`, view);
    return this.cards.stale({ kind: 'signoff', workloadId, cycleId }, { workloadId, cycleId, ...fields }, this.draw, view !== undefined);
  }

  /** The marker a decision writes in its own batch (see SharedCardSync.marked); none while one is in the store and not drawn yet. */
  marker(workloadId: string, cycleId: string): object | undefined {
    const card: SignoffCard = { kind: 'signoff', workloadId, cycleId };
    return this.cards.isMarkedAhead(card) ? undefined : this.cards.marker(card);
  }

  /** After a decision whose batch wrote the marker at `version`: the card is drawn after the answer, from `view` while it is current. */
  marked(view: CycleView, version: string, fields: Record<string, unknown> = {}): void {
    const { workloadId, id: cycleId } = view.cycle;
    this.answered.set(`${workloadId}\n${cycleId}`, view);
    this.cards.marked({ kind: 'signoff', workloadId, cycleId }, version, { workloadId, cycleId, ...fields }, this.draw);
  }

  /** Draws a card found marked in the store (left by a stopped or crashed process). */
  resume(card: SignoffCard): void {
    this.cards.redraw(card, { workloadId: card.workloadId, cycleId: card.cycleId, trigger: 'resume' }, this.draw);
  }

  /** The view a decision was answered with, kept for the draw that follows it. */
  private readonly answered = new Map<string, CycleView>();

  private readonly draw = async ({ workloadId, cycleId }: SignoffCard, written: boolean): Promise<void> => {
    const key = `${workloadId}\n${cycleId}`;
    const answered = this.answered.get(key);
    this.answered.delete(key);
    // A decision's answer read the store after its batch (marker included): while no later write of this process came, it is what to draw.
    const view = written && answered && this.signoff.isCurrent(answered) ? answered : await this.signoff.view(workloadId, cycleId);
    const card = view?.cycle.card;
    if (!view || !card) return;
    await this.messenger.update(card.target, card.activityId, renderSignoff({ cycle: view.cycle, tally: view.tally, now: this.signoff.now(), viewer: 'observer', refresh: 'shared', message: true }));
  };
}

export interface SignoffHandlersDeps {
  signoff: SignoffService;
  workloads: WorkloadCards;
  reminders: Reminders;
  messenger: Messenger;
  publisher: SignoffCardPublisher;
  /** The checklist message a cycle was opened from, redrawn once the final sign-off changes its gate. */
  checklists: ChecklistMessages;
  background: BackgroundWork;
  log: Logger;
}

const missingCycle = (): Card => renderMessage('That UAT cycle no longer exists or is not part of your organization. Type list to see the workloads here.');

/** Business-testing sign-off as Teams sees it: the open form, the sign-off card, decisions, reminders, the checklist section. */
export class SignoffHandlers {
  /**
   * Cards already drawn for a read of a cycle, per kind of viewer. People deciding at the same moment
   * share one read (see SignoffService.view), so they share its drawing too; it goes with the read.
   */
  private readonly drawn = new WeakMap<CycleView, Map<string, Card>>();

  constructor(private readonly deps: SignoffHandlersDeps) {}

  /** `uat <workload>`: the open cycle's card, or the form to open one. */
  async uat(turn: Turn, found: Workload): Promise<Card> {
    const active = await this.deps.signoff.active(found.workloadId);
    const view = active ? await this.deps.signoff.view(found.workloadId, active.id) : undefined;
    if (view) {
      // A copy of the live card: everyone who looks at it gets their own view, so it cannot go stale either.
      const notice = good(
        `UAT cycle ${view.cycle.number} of ${found.name} is ${view.cycle.state === 'open' ? 'open for testers' : 'waiting for the final sign-off'}. Testers see their buttons here too.`,
      );
      // The reply is a message everyone here sees: it shows no one's buttons until each person's refresh.
      return renderSignoff({ cycle: view.cycle, tally: view.tally, now: this.deps.signoff.now(), viewer: 'observer', refresh: 'everyone', notice });
    }
    return this.form(turn, found);
  }

  /** The form to open a cycle, or the checklist with a sentence saying why this person cannot open one now. */
  async form(turn: Turn, workload: Workload, notice?: Notice, values?: SignoffFormValues): Promise<Card> {
    const blocked = await this.deps.signoff.cannotOpen(workload, turn.actor);
    if (blocked) return this.deps.workloads.checklist(turn, workload, attention(blocked));
    const roster = await turn.members();
    return renderSignoffForm({ workload, roster, values: values ?? this.defaults(turn), timeZones: TIME_ZONES, ...(notice ? { notice } : {}) });
  }

  private defaults(turn: Turn): SignoffFormValues {
    const timeZone = canonicalTimeZone(turn.timeZone ?? '') ?? 'UTC';
    return {
      testers: '',
      rule: 'all',
      atLeast: 1,
      rejection: 'failsCycle',
      dueDate: dateIn(timeZone, this.deps.signoff.now(), 3),
      dueTime: '17:00',
      timeZone,
      testPlanUrl: '',
      scopeNotes: '',
    };
  }

  /** Opens a cycle from the form, posts its sign-off card in this conversation, and answers with the checklist. */
  async open(turn: Turn, data: OpenCycleData, workload: Workload): Promise<VerbOutcome> {
    const values: SignoffFormValues = {
      testers: data.testers,
      rule: data.rule,
      atLeast: data.atLeast ?? 1,
      rejection: data.rejection,
      dueDate: data.dueDate,
      dueTime: data.dueTime,
      timeZone: data.timeZone || 'UTC',
      testPlanUrl: data.testPlanUrl,
      scopeNotes: data.scopeNotes,
    };
    const members = await turn.members();
    const byAad = new Map(members.map((m) => [m.aadObjectId, m]));
    const picked = [
      ...new Set(
        data.testers
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean),
      ),
    ];
    const testers = picked.map((id) => byAad.get(id));
    if (testers.some((t) => t === undefined)) {
      return { card: await this.form(turn, workload, attention('Pick testers who are members of this conversation.'), values) };
    }
    const finalApprovers: Approver[] = workload.roles.businessOwner.map((p) => ({ ...p, teamsUserId: byAad.get(p.aadObjectId)?.teamsUserId ?? '' }));
    const outcome = await this.deps.signoff.open(workload, {
      testers: testers as Approver[],
      finalApprovers,
      rule: data.rule,
      ...(data.atLeast !== undefined ? { atLeast: data.atLeast } : {}),
      rejection: data.rejection,
      dueDate: data.dueDate,
      dueTime: data.dueTime,
      timeZone: data.timeZone,
      testPlanUrl: data.testPlanUrl,
      scopeNotes: data.scopeNotes,
      actor: turn.actor,
    });
    if (outcome.kind === 'refused') return { card: await this.form(turn, workload, attention(outcome.message), values) };

    const cycle = outcome.cycle;
    const about = `UAT cycle ${cycle.number} of ${workload.name}: ${cycle.testers.length} tester${cycle.testers.length === 1 ? '' : 's'}, due ${dueLabel(cycle.due)}.`;
    if (!outcome.created) {
      return { card: await this.deps.workloads.checklist(turn, workload, good(`${cycle.openedBy.name} opened ${about} Its sign-off card is in the conversation where it was opened.`)) };
    }

    const posted = await this.postCard(turn, cycle);
    const notice = posted
      ? good(`${turn.actor.name} opened ${about} Its sign-off card is posted in this conversation.`)
      : attention(`${turn.actor.name} opened ${about} Liftoff could not post its sign-off card here; type "uat ${workload.name}" to show it.`);
    return { card: await this.deps.workloads.checklist(turn, workload, notice), shareWithEveryone: true };
  }

  /** Posts the shared sign-off card where the cycle was opened (the channel itself, not a reply thread) and remembers the message. */
  private async postCard(turn: Turn, cycle: SignoffCycle): Promise<boolean> {
    const target = { ...turn.target, conversationId: turn.scope.conversationId };
    const fields = { workloadId: cycle.workloadId, cycleId: cycle.id, activityId: turn.activityId };
    // The form was pressed in a message that becomes the checklist again with this answer: remember it.
    const checklist = turn.messageId && turn.trigger === 'manual' ? { checklist: { target: turn.target, activityId: turn.messageId } } : {};
    try {
      const card = renderSignoff({
        cycle,
        tally: { approved: [], rejected: [], pending: cycle.testers, needed: cycle.rule.needed, outcome: 'open' },
        now: this.deps.signoff.now(),
        viewer: 'observer',
        refresh: 'shared',
        message: true,
      });
      const activityId = await this.deps.messenger.post(target, card, `UAT sign-off: ${cycle.workloadName}, cycle ${cycle.number}`);
      await this.deps.signoff.recordCard(cycle.workloadId, cycle.id, { target, activityId, ...checklist });
      // A decision may have landed before the message id was stored; draw the card once more to include it.
      await this.deps.publisher.refresh(cycle.workloadId, cycle.id, fields);
      return true;
    } catch (error) {
      this.deps.log.error({ event: 'signoff.card_post_failed', ...fields, err: error }, 'could not post the sign-off card');
      return false;
    }
  }

  /** A tester's approval or rejection: recorded once, answered with their view, the shared card updated after. */
  async decide(turn: Turn, data: DecideData, workload?: Workload): Promise<VerbOutcome> {
    const marker = this.deps.publisher.marker(data.workloadId, data.cycleId);
    const outcome = await this.deps.signoff.decide(data.workloadId, data.cycleId, turn.tenantId, {
      actor: turn.actor,
      decision: data.decision,
      comment: data.comment,
      evidence: data.evidence,
      ...(workload ? { workload } : {}),
      ...(marker ? { marker } : {}),
    });
    const fields = { workloadId: data.workloadId, cycleId: data.cycleId, activityId: turn.activityId };
    switch (outcome.kind) {
      case 'missing':
        return { card: missingCycle() };
      case 'recorded':
        this.deps.log.info({ event: 'signoff.decision_recorded', ...fields, decision: outcome.vote.decision }, 'tester decision recorded');
        if (outcome.markerVersion) this.deps.publisher.marked(outcome.view, outcome.markerVersion, fields);
        else await this.deps.publisher.refresh(data.workloadId, data.cycleId, fields, outcome.view);
        return { card: this.personal(turn, outcome.view, good(decidedSentence(outcome.view, outcome.vote.decision, outcome.vote.at))) };
      case 'already': {
        const vote = outcome.vote;
        const notice =
          vote.decision === data.decision
            ? good(decidedSentence(outcome.view, vote.decision, vote.at))
            : attention(
                `You already ${vote.decision === 'approve' ? 'approved' : 'rejected'} UAT cycle ${outcome.view.cycle.number} ${when(vote.at)}. A decision is recorded once and cannot be changed.`,
              );
        return { card: this.personal(turn, outcome.view, notice) };
      }
      case 'refused':
        if (outcome.pastDue) this.expireSoon(data.workloadId, data.cycleId, fields);
        return { card: this.personal(turn, outcome.view, attention(outcome.message)) };
    }
  }

  /** The business owner's final sign-off or refusal. */
  async final(turn: Turn, data: FinalData, workload: Workload): Promise<VerbOutcome> {
    const outcome = await this.deps.signoff.final(data.workloadId, data.cycleId, turn.tenantId, { actor: turn.actor, decision: data.decision, comment: data.comment });
    const canCancel = this.deps.signoff.mayCancel(workload, turn.actor);
    const fields = { workloadId: data.workloadId, cycleId: data.cycleId, activityId: turn.activityId };
    if (outcome.kind === 'missing') return { card: missingCycle() };
    if (outcome.kind === 'refused') {
      if (outcome.view.cycle.state === 'expired') await this.deps.publisher.refresh(data.workloadId, data.cycleId, fields);
      return { card: this.personal(turn, outcome.view, attention(outcome.message), canCancel) };
    }
    if (outcome.kind === 'changed') {
      this.deps.log.info({ event: 'signoff.final_decision', ...fields, decision: data.decision }, 'final sign-off decision recorded');
      await this.deps.publisher.refresh(data.workloadId, data.cycleId, fields);
    }
    const cycle = outcome.view.cycle;
    const passed = cycle.state === 'passed';
    // 'unchanged' is the same sign-off delivered again: it answers as the first did.
    const notice = outcomeBanner(
      'changed',
      passed
        ? `You gave the final business sign-off of UAT cycle ${cycle.number}. Business testing of ${cycle.workloadName} is passed.`
        : `You refused the final sign-off: UAT cycle ${cycle.number} has failed. A new cycle can be opened with "uat ${cycle.workloadName}".`,
      !passed,
    );
    const checklist = cycle.card?.checklist;
    if (outcome.kind === 'changed' && checklist) {
      const by = turn.actor.name;
      const banner = passed
        ? good(`${by} gave the final sign-off of UAT cycle ${cycle.number}: business testing is passed.`)
        : attention(`${by} refused the final sign-off of UAT cycle ${cycle.number}: the cycle has failed.`);
      await this.deps.checklists.redraw(checklist, data.workloadId, banner);
    }
    return { card: this.personal(turn, outcome.view, notice) };
  }

  /**
   * "Cancel the cycle" (the business owner or the project manager, with a reason): closes the cycle for
   * everyone, answered with this person's card; the shared card is updated after.
   */
  async cancel(turn: Turn, data: CancelData, workload: Workload): Promise<VerbOutcome> {
    const outcome = await this.deps.signoff.cancel(workload, data.cycleId, { actor: turn.actor, reason: data.reason });
    const fields = { workloadId: data.workloadId, cycleId: data.cycleId, activityId: turn.activityId };
    if (outcome.kind === 'missing') return { card: missingCycle() };
    const canCancel = this.deps.signoff.mayCancel(workload, turn.actor);
    if (outcome.kind === 'refused') {
      if (outcome.view.cycle.state === 'expired') await this.deps.publisher.refresh(data.workloadId, data.cycleId, fields);
      return { card: this.personal(turn, outcome.view, attention(outcome.message), canCancel) };
    }
    if (outcome.kind === 'changed') {
      this.deps.log.info({ event: 'signoff.cycle_cancelled', ...fields }, 'UAT cycle cancelled');
      await this.deps.publisher.refresh(data.workloadId, data.cycleId, fields);
    }
    const cycle = outcome.view.cycle;
    const at = cycle.cancelled?.at ?? this.deps.signoff.now();
    const notice = good(
      `You cancelled UAT cycle ${cycle.number} of ${cycle.workloadName} ${when(at)}. No decision can be recorded on it any more; a new cycle can be opened with "uat ${cycle.workloadName}".`,
    );
    return { card: this.personal(turn, outcome.view, notice, canCancel) };
  }

  /** The card as this person should see it; never changes the message for anyone else. */
  async view(turn: Turn, data: CycleRefData, workload: Workload): Promise<VerbOutcome> {
    const view = await this.deps.signoff.view(data.workloadId, data.cycleId, turn.tenantId);
    if (!view) return { card: missingCycle() };
    const canCancel = this.deps.signoff.mayCancel(workload, turn.actor);
    // A card past due already reads as expired; storing it is left to a person's action or the sweep, since an
    // automatic refresh must never lead to an update of the message.
    if (turn.trigger === 'manual' && isActive(view.cycle.state) && Date.parse(this.deps.signoff.now()) >= Date.parse(view.cycle.due.at)) {
      this.expireSoon(data.workloadId, data.cycleId, { activityId: turn.activityId });
    }
    return { card: this.personal(turn, view, undefined, canCancel) };
  }

  /**
   * `canCancel`: the person is the workload's business owner or project manager. A tester's decision is
   * answered without it (no workload read on that busy path); their next refresh shows it again.
   */
  private personal(turn: Turn, view: CycleView, notice?: Notice, canCancel = false): Card {
    const now = this.deps.signoff.now();
    const viewer = viewerOf(view.cycle, view.tally, turn.actor.aadObjectId, now);
    const key = `${viewer}:${isPastDue(view.cycle, now)}:${canCancel}`;
    let drawings = this.drawn.get(view);
    if (!drawings) {
      drawings = new Map();
      this.drawn.set(view, drawings);
    }
    let card = drawings.get(key);
    if (!card) {
      card = renderSignoff({ cycle: view.cycle, tally: view.tally, now, viewer, refresh: 'shared', canCancel });
      drawings.set(key, card);
    }
    return notice ? withNotice(card, notice) : card;
  }

  /** A cycle found past due on a person's turn expires now, after the answer, rather than at the next sweep. */
  private expireSoon(workloadId: string, cycleId: string, fields: Record<string, unknown>): void {
    this.deps.background.run('signoff.expire', { workloadId, cycleId, ...fields }, async () => {
      if (await this.deps.signoff.expire(workloadId, cycleId)) await this.deps.publisher.refresh(workloadId, cycleId, fields);
    });
  }

  /**
   * `remind <workload>` and the checklist's button: answered at once, then a one-to-one nudge to every pending
   * tester in background work; testers Teams did not take a nudge for are named afterwards where it was asked.
   */
  async remind(turn: Turn, workload: Workload): Promise<Notice> {
    const active = await this.deps.signoff.active(workload.workloadId);
    const view = active ? await this.deps.signoff.view(workload.workloadId, active.id) : undefined;
    if (!view || view.cycle.state !== 'open') return attention(`No UAT cycle of ${workload.name} is waiting for testers, so there is nobody to remind.`);
    const cycle = view.cycle;
    const refused = this.deps.signoff.cannotRemind(workload, cycle, turn.actor);
    if (refused) return attention(refused);
    if (view.tally.pending.length === 0) return good(`Every tester of UAT cycle ${cycle.number} has decided; nobody to remind.`);
    const now = this.deps.signoff.now();
    const about = `UAT cycle ${cycle.number} of ${workload.name}`;
    const fields = { workloadId: workload.workloadId, cycleId: cycle.id, activityId: turn.activityId };
    const { reachable, noPersonalChat } = await this.deps.reminders.reach(view.tally.pending, turn.tenantId);
    if (reachable.length > 0) {
      this.deps.background.run('signoff.remind', fields, async () => {
        const unreached = await this.deps.reminders.send(
          reachable,
          ({ person: tester, chat }) =>
            renderSignoff({
              cycle,
              tally: view.tally,
              now,
              viewer: 'tester',
              refresh: [tester.teamsUserId || chat.user?.teamsUserId || ''],
              notice: good(`Reminder from ${turn.actor.name}: your decision on ${about} is due ${dueLabel(cycle.due)}. Approve or reject right here.`),
            }),
          `Reminder: UAT sign-off of ${workload.name} is due ${dueLabel(cycle.due)}`,
          fields,
        );
        if (unreached.length > 0) await this.deps.messenger.post(turn.target, renderMessage(unreachedSentence(about, unreached), 'attention'), `Reminders of ${about}`);
      });
    }
    return remindingNotice(
      reachable.map((r) => r.person),
      noPersonalChat,
    );
  }

  async remindCommand(turn: Turn, found: Workload): Promise<Card> {
    const notice = await this.remind(turn, found);
    return renderMessage(notice.text, notice.tone);
  }

  async remindVerb(turn: Turn, workload: Workload): Promise<VerbOutcome> {
    return { card: await this.deps.workloads.checklist(turn, workload, await this.remind(turn, workload)) };
  }

  /** The checklist's business-testing section: every cycle and its outcome, and the buttons that fit. */
  async checklistSections(_turn: Turn | undefined, workload: Workload): Promise<ChecklistSection[]> {
    // The cycles come with the workload (its summary); only an open cycle's running tally is read from its decisions.
    const cycles = workload.summaries?.signoff ?? [];
    const active = cycles.filter((c) => isActive(c.state)).pop();
    const activeView = active?.state === 'open' ? await this.deps.signoff.view(workload.workloadId, active.id) : undefined;
    // A line without a tally names no tester, so the summary's count stands in for the list.
    const lines = cycles.map((c) => (c.id === activeView?.cycle.id ? cycleLine(activeView.cycle, activeView.tally) : cycleLine({ ...c, testers: [] })));
    const ref = { workloadId: workload.workloadId };
    const actions = [];
    if (active) {
      actions.push({ title: `Sign-off card, cycle ${active.number}`, verb: 'signoff.view', data: { ...ref, cycleId: active.id } });
      if (active.state === 'open') actions.push({ title: 'Remind testers', verb: 'signoff.remind', data: ref });
    } else {
      const gate = workload.gates.find((g) => g.id === BUSINESS_TESTING_GATE);
      if (!gate || !isClosed(gate.status)) actions.push({ title: 'Open a UAT cycle', verb: 'signoff.form', data: ref });
    }
    return [{ title: 'Business testing: UAT cycles', lines: lines.length ? lines : ['No UAT cycle yet.'], actions }];
  }
}

const names = (people: ReadonlyArray<{ name: string }>): string => people.map((p) => p.name).join(', ');
const testers = (n: number): string => `${n} tester${n === 1 ? '' : 's'}`;

/** The answer to a reminder request: who is being reminded now, and who Liftoff cannot reach at all. */
function remindingNotice(reminding: ReadonlyArray<{ name: string }>, noPersonalChat: ReadonlyArray<{ name: string }>): Notice {
  const sent = reminding.length
    ? `Reminding ${testers(reminding.length)} in a personal chat: ${names(reminding)}. If Teams does not take a reminder, Liftoff says so here.`
    : 'Nobody can be reminded.';
  if (noPersonalChat.length === 0) return good(sent);
  return attention(`${sent} Liftoff cannot reach ${names(noPersonalChat)}: they have not added Liftoff in a personal chat. Please remind them yourself.`);
}

const WHY: Record<FinalStatus, string> = {
  blocked: 'blocked or removed Liftoff',
  notFound: 'their chat with Liftoff no longer exists',
  failed: 'Teams did not take the message',
};

/** The report after the reminders went out: who Teams did not take one for. */
function unreachedSentence(about: string, unreached: ReadonlyArray<Unreached<Approver>>): string {
  const who = unreached.map((u) => `${u.person.name} (${WHY[u.why]})`).join(', ');
  return `Liftoff could not remind ${testers(unreached.length)} of ${about}: ${who}. Please remind them yourself.`;
}
