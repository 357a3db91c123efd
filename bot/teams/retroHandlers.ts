import { Card, ChecklistSection, Notice, renderMessage } from '../../cards/render';
import { actionLine, gateNext, gatesBeforeRetro, renderRetroActions, renderRetroCard, renderRetroReminder, renderRetroStart, renderRetroSummary, renderRetroView } from '../../cards/retro';
import type { Messenger } from '../conversations/messenger';
import type { Reminders } from '../conversations/reminders';
import type { SharedCard, SharedCardSync } from '../conversations/sharedCards';
import type { Logger } from '../log';
import { isClosed } from '../release/rules';
import type { ReleaseService } from '../release/service';
import type { Person, Workload } from '../release/model';
import { ActionTarget, PHASE_TITLES, Retro } from '../retro/model';
import { Decided } from '../retro/rules';
import type { KnownParts, RetroService } from '../retro/service';
import { formatWallClock } from '../shared/dates';
import type { BackgroundWork } from '../shared/background';
import type { ChecklistContributor } from './handlers';
import { attention, echo, good, info, Loader, VerbOutcome } from './router';
import type { RetroActionAddData, RetroRef, RetroStartData } from './retroPayloads';
import { typedEntries } from './retroPayloads';
import type { Member, Turn } from './turn';
import type { WaveLookup } from '../waves/service';
import type { ChecklistMessages } from './checklistMessages';

/** Where the retro card goes: the channel itself (or the chat), not the reply chain the button was pressed in. */
const channelOf = (turn: Turn): Retro['channel'] => ({ ...turn.target, conversationId: turn.scope.conversationId });

/** The channel card of one retrospective. */
export type RetroCard = Extract<SharedCard, { kind: 'retro' }>;

const missingRetro = (): Card => renderMessage('That retrospective no longer exists or is not part of your organization. Type list to see the workloads here.');

/** The retrospective as Teams sees it: a shared card in the channel, and each person's own view of it. */
export class RetroHandlers {
  constructor(
    private readonly retros: RetroService,
    private readonly release: ReleaseService,
    private readonly messenger: Messenger,
    private readonly reminders: Reminders,
    private readonly background: BackgroundWork,
    private readonly cards: SharedCardSync,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
    private readonly waves?: WaveLookup,
    /** The checklist message a retro was started from, drawn again when the retro moves on, closes or passes its gate. */
    private readonly checklists?: ChecklistMessages,
  ) {}

  private today(): string {
    return this.clock().toISOString().slice(0, 10);
  }

  /** The retro a card names, in the partition of the workload the router has already let this person see. */
  readonly retroOf: Loader<RetroRef, Retro> = {
    load: (workload, ref) => this.retros.byId(workload.scope.tenantId, workload.workloadId, ref.retroId),
    missing: missingRetro,
  };

  /** `retro <workload>`: the running retro's card, or the start card for a project manager. */
  async command(turn: Turn, workload: Workload, notice?: Notice): Promise<Card> {
    const latest = await this.retros.latest(workload.workloadId);
    if (latest && latest.phase !== 'closed') return renderRetroCard({ ...(await this.retros.snapshot(latest)), openActions: await this.carried(latest) });
    return this.startCard(turn, workload, notice);
  }

  async startCard(turn: Turn, workload: Workload, notice?: Notice): Promise<Card> {
    const open = await this.retros.openActions(workload.scope.tenantId, workload.scope.scopeId);
    return renderRetroStart(workload, open, { today: this.today(), ...(notice ? { notice } : {}) });
  }

  async start(turn: Turn, data: RetroStartData, workload: Workload): Promise<VerbOutcome> {
    // Whose clients refresh the channel card into their own view; without the roster, everyone uses the button.
    const members = await turn.members().catch((error: unknown) => {
      this.log.warn({ event: 'retro.roster_unavailable', workloadId: workload.workloadId, activityId: turn.activityId, err: error }, 'could not read the roster');
      return [];
    });
    const outcome = await this.retros.start({
      workload,
      template: data.template as Retro['template'],
      anonymous: data.anonymous,
      deadline: { date: data.deadlineDate, time: data.deadlineTime, timeZone: data.timeZone },
      votesPerPerson: data.votes,
      actor: turn.actor,
      channel: channelOf(turn),
      viewers: members.map((m) => m.teamsUserId),
      // The start card was opened from a checklist (or typed): everyone else there still sees that message.
      ...(turn.messageId && turn.trigger === 'manual'
        ? { checklist: { target: { conversationId: turn.target.conversationId, serviceUrl: turn.target.serviceUrl, tenantId: turn.target.tenantId, reference: {} }, activityId: turn.messageId } }
        : {}),
    });
    if (outcome.kind === 'refused') {
      if (outcome.retro) return { card: await this.view(turn, outcome.retro, attention(outcome.message)) };
      return { card: await this.startCard(turn, workload, attention(outcome.message)) };
    }
    let retro = outcome.retro;
    let notice = good(`Retrospective started. Its card is posted in the channel; people add entries there until ${formatWallClock(retro.deadline.local, retro.deadline.timeZone)}.`);
    if (!retro.messageId) {
      try {
        const card = renderRetroCard({ ...(await this.retros.snapshot(retro)), openActions: await this.carried(retro) });
        retro = await this.retros.attachMessage(retro, await this.messenger.post(retro.channel, card, `Retrospective of ${retro.workloadName}`));
      } catch (error) {
        this.log.warn({ event: 'retro.post_failed', workloadId: retro.workloadId, retroId: retro.retroId, activityId: turn.activityId, err: error }, 'could not post the retro card');
        notice = attention(`Retrospective started, but Liftoff could not post its card in the channel. Type "retro ${retro.workloadName}" there to show it.`);
      }
    }
    this.log.info({ event: 'retro.started', workloadId: retro.workloadId, retroId: retro.retroId, anonymous: retro.anonymous, activityId: turn.activityId }, 'retro started');
    return { card: await this.view(turn, retro, notice) };
  }

  /** The person's own view of the retro; `known`: what the turn already read of it (see RetroService.snapshot). */
  async view(turn: Turn, retro: Retro, notice?: Notice, known?: KnownParts): Promise<Card> {
    const snapshot = await this.retros.snapshot(retro, known);
    const facilitates = await this.retros.facilitates(retro, turn.actor.aadObjectId, known?.workload);
    const act = facilitates && retro.phase === 'act';
    const [ballot, roster, targets, openActions] = await Promise.all([
      retro.phase === 'vote' ? this.retros.ballotOf(retro, turn.actor.aadObjectId) : Promise.resolve(undefined),
      act ? this.rosterFor(turn, retro) : Promise.resolve([]),
      act ? this.release.list(retro.tenantId, retro.scopeId) : Promise.resolve([]),
      retro.phase === 'collect' ? this.carried(retro) : Promise.resolve([]),
    ]);
    return renderRetroView({
      ...snapshot,
      openActions,
      viewerKey: this.retros.keyOf(retro, turn.actor.aadObjectId),
      ballot,
      facilitates,
      roster,
      targets,
      today: this.today(),
      ...(notice ? { notice } : {}),
    });
  }

  async show(turn: Turn, retro: Retro): Promise<VerbOutcome> {
    return { card: await this.view(turn, retro) };
  }

  /** Runs a change and answers with the person's view; on a change, the channel card follows for everyone. */
  private async changed<T>(turn: Turn, retro: Retro, change: (retro: Retro) => Promise<Decided<T> | undefined>, said: (value: T) => string): Promise<VerbOutcome> {
    const result = await change(retro);
    const current = (await this.retros.byId(retro.tenantId, retro.workloadId, retro.retroId)) ?? retro;
    if (!result) return { card: await this.view(turn, current, attention('That is no longer there; here is the retrospective as it is now.')) };
    if (result.kind === 'refused') return { card: await this.view(turn, current, attention(result.message)) };
    if (result.kind === 'changed') {
      await this.updateChannelCard(turn, current);
      if (current.phase !== retro.phase) await this.redrawChecklist(turn, current, good(`Retrospective ${current.number} moved on: ${PHASE_TITLES[current.phase].toLowerCase()}.`));
    }
    return { card: await this.view(turn, current, good(said(result.value))) };
  }

  /**
   * Draws the checklist message the retro was started from again (marked in Cosmos first, so a restart
   * draws it too). A phase change pressed in that very message leaves it to the facilitator's view the
   * answer draws there; closing always brings the checklist back, with what comes next.
   */
  private async redrawChecklist(turn: Turn, retro: Retro, banner: Notice): Promise<void> {
    const message = retro.checklist;
    if (!message || !this.checklists || turn.trigger === 'automatic') return;
    if (retro.phase !== 'closed' && turn.messageId === message.activityId) return;
    await this.checklists.redraw(message, retro.workloadId, banner);
  }

  async addEntries(turn: Turn, data: RetroRef & Record<string, unknown>, retro: Retro, workload?: Workload): Promise<VerbOutcome> {
    const items = typedEntries(data);
    // Pressed before anything was typed (often the first press, to start): a pointer, not a refusal.
    if (items.length === 0) return { card: await this.view(turn, retro, info('Write your entries in the boxes under the questions, one thought per box, then press Add my entries.')) };
    const card: RetroCard = { kind: 'retro', workloadId: retro.workloadId, tenantId: retro.tenantId, retroId: retro.retroId };
    // The channel card's marker goes in each entry's batch (an automatic refresh never gets here: this is a change verb).
    const outcome = await this.retros.addEntries(retro, turn.actor, items, { marker: this.cards.marker(card) });
    // No actor here: in an anonymous retro the log must not tie an entry to a person.
    this.log.info({ event: 'retro.entries_added', workloadId: retro.workloadId, retroId: retro.retroId, added: outcome.added }, 'entries added');
    const fields = { workloadId: retro.workloadId, retroId: retro.retroId, activityId: turn.activityId };
    if (outcome.markerVersion) {
      // The batch answered the retro with everyone's entries: the channel card is drawn from it, no read.
      if (outcome.retro?.collected) this.answered.set(`${retro.workloadId}\n${retro.retroId}`, outcome.retro);
      this.cards.marked(card, outcome.markerVersion, fields, this.drawChannelCard);
    } else if (outcome.added > 0) await this.updateChannelCard(turn, retro);
    const saved = outcome.added ? `Added ${outcome.added === 1 ? 'your entry' : `${outcome.added} entries`}. Only you see them until the facilitator reveals them.` : '';
    const notice = outcome.problems.length ? attention([saved, ...outcome.problems].filter(Boolean).join(' ')) : good(saved || 'Those entries were already there.');
    // The answer shows the entries as read before adding, with this person's new ones: no second read.
    return { card: await this.view(turn, retro, notice, { ...(workload ? { workload } : {}), ...(outcome.entries ? { entries: outcome.entries } : {}) }) };
  }

  editEntry(turn: Turn, data: RetroRef & { entryId: string; text: string }, retro: Retro): Promise<VerbOutcome> {
    if (!data.entryId) return this.withNotice(turn, retro, 'Pick the entry to change.');
    return this.changed(
      turn,
      retro,
      (retro) => this.retros.editEntry(retro, turn.actor, data.entryId, data.text),
      () => 'Your entry is changed.',
    );
  }

  deleteEntry(turn: Turn, data: RetroRef & { entryId: string }, retro: Retro): Promise<VerbOutcome> {
    if (!data.entryId) return this.withNotice(turn, retro, 'Pick the entry to delete.');
    return this.changed(
      turn,
      retro,
      (retro) => this.retros.deleteEntry(retro, turn.actor, data.entryId),
      () => 'Your entry is deleted.',
    );
  }

  private async withNotice(turn: Turn, retro: Retro, text: string): Promise<VerbOutcome> {
    return { card: await this.view(turn, retro, attention(text)) };
  }

  advance(turn: Turn, data: RetroRef & { from: Retro['phase'] }, retro: Retro): Promise<VerbOutcome> {
    return this.changed(
      turn,
      retro,
      (retro) => this.retros.advance(retro, turn.actor, data.from),
      (retro) => `The retrospective moved on: ${PHASE_TITLES[retro.phase].toLowerCase()}.`,
    );
  }

  merge(turn: Turn, data: RetroRef & { into: string; from: string }, retro: Retro): Promise<VerbOutcome> {
    const from = data.from
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    return this.changed(
      turn,
      retro,
      (retro) => this.retros.merge(retro, turn.actor, data.into, from),
      (merged) => `Merged ${merged.length === 1 ? 'one entry' : `${merged.length} entries`}.`,
    );
  }

  vote(turn: Turn, data: RetroRef & { entryId: string; vote: 'add' | 'remove' }, retro: Retro): Promise<VerbOutcome> {
    return this.changed(
      turn,
      retro,
      (retro) => this.retros.vote(retro, turn.actor, data.entryId, data.vote),
      () => (data.vote === 'add' ? 'Your vote is counted.' : 'Your vote is taken back.'),
    );
  }

  async addAction(turn: Turn, data: RetroActionAddData, retro: Retro): Promise<VerbOutcome> {
    const roster = await this.rosterFor(turn, retro);
    const owner = roster.find((p) => p.aadObjectId === data.owner.trim());
    let target: ActionTarget | undefined;
    if (data.wave.trim() && data.targetWorkload.trim()) {
      return { card: await this.view(turn, retro, attention('Pick a workload or name a wave, not both.')) };
    } else if (data.wave.trim()) {
      const typed = data.wave.trim().replace(/\s+/g, ' ');
      // An action item targets a wave of the retro's own team, by its id.
      const wave = await this.waves?.findInTeam({ tenantId: retro.tenantId, scopeId: retro.scopeId }, typed);
      if (!wave) {
        return { card: await this.view(turn, retro, attention(`This team has no wave named "${echo(typed)}". Plan it first (wave plan), or pick a workload.`)) };
      }
      target = { kind: 'wave', waveId: wave.waveId, name: wave.name };
    } else if (data.targetWorkload.trim()) {
      const workload = await this.retros.actionTarget(retro, data.targetWorkload.trim());
      if (!workload) {
        return { card: await this.view(turn, retro, attention('Pick a workload of this team.')) };
      }
      target = { kind: 'workload', workloadId: workload.workloadId, name: workload.name };
    }
    return this.changed(
      turn,
      retro,
      (r) => this.retros.addAction(r, turn.actor, { text: data.actionText, owner, due: data.due.trim(), target }),
      (action) => `Action item recorded for ${action.owner.name}.`,
    );
  }

  async close(turn: Turn, data: RetroRef & { noActions: boolean }, retro: Retro): Promise<VerbOutcome> {
    const outcome = await this.retros.close(retro, turn.actor, data.noActions);
    if (!outcome) return { card: missingRetro() };
    if (outcome.kind === 'refused') return { card: await this.view(turn, retro, attention(outcome.message)) };
    const closed = outcome.value;
    if (outcome.kind === 'changed' && outcome.gate) {
      const gate = { ...outcome.gate, waitingFor: outcome.gate.passed ? [] : await this.gatesBefore(retro.workloadId) };
      this.log.info({ event: 'retro.closed', workloadId: retro.workloadId, retroId: retro.retroId, gatePassed: gate.passed, activityId: turn.activityId }, 'retro closed');
      this.background.run('retro.summary', { workloadId: retro.workloadId, retroId: retro.retroId }, async () => {
        const snapshot = await this.retros.snapshot(closed);
        await this.messenger.post(closed.channel, renderRetroSummary({ ...snapshot, openActions: [], gate }), `Retrospective of ${closed.workloadName}: summary`);
      });
      await this.updateChannelCard(turn, closed);
      await this.redrawChecklist(turn, closed, good(`Retrospective ${closed.number} closed; its summary is posted in the channel. ${gateNext(gate.passed, gate.waitingFor)}`));
      // Closing is a change that happened; what the gate still waits for is the next step, not a failure.
      return { card: await this.view(turn, closed, good(`Closed. The summary is posted in the channel. ${gateNext(gate.passed, gate.waitingFor)}`)) };
    }
    return { card: await this.view(turn, closed, good('This retrospective is closed.')) };
  }

  async recordGate(turn: Turn, retro: Retro): Promise<VerbOutcome> {
    const gate = await this.retros.recordGateAsked(retro, turn.actor);
    if (gate.kind === 'refused') return { card: await this.view(turn, retro, attention(gate.message)) };
    if (gate.passed) await this.redrawChecklist(turn, gate.retro, good(`${turn.actor.name} recorded the retrospective gate: ${gate.message}`));
    if (gate.passed) return { card: await this.view(turn, gate.retro, good(gate.message)) };
    // Nothing changed: the gate still waits, said plainly with what it waits for.
    return { card: await this.view(turn, gate.retro, attention(gateNext(false, await this.gatesBefore(retro.workloadId)))) };
  }

  /**
   * Reminds, one to one, the members who have not contributed yet, and says who cannot be reached.
   * Only a facilitator learns who has not contributed; nobody is told what anyone wrote.
   */
  async remind(turn: Turn, retro: Retro): Promise<{ notice: Notice; unreachable: string[] }> {
    const refused = await this.retros.cannotRemind(retro, turn.actor, turn.scope.scopeId);
    if (refused) return { notice: attention(refused), unreachable: [] };
    let members: Member[];
    try {
      members = await turn.members();
    } catch (error) {
      this.log.warn({ event: 'retro.roster_unavailable', workloadId: retro.workloadId, retroId: retro.retroId, activityId: turn.activityId, err: error }, 'could not read the roster');
      return { notice: attention('Liftoff could not read who is in this team just now, so no reminder was sent. Try again in a moment.'), unreachable: [] };
    }
    const pending = await this.retros.notContributed(retro, members);
    const { reachable, noPersonalChat } = await this.reminders.reach(pending, retro.tenantId);
    const unreachable = noPersonalChat.map((p) => p.name);
    const marked = await this.retros.markReminded(retro, turn.actor);
    if (!marked || marked.kind === 'refused') return { notice: attention(marked?.message ?? 'That retrospective no longer exists.'), unreachable };
    const card = renderRetroReminder(marked.value);
    const fields = { workloadId: retro.workloadId, retroId: retro.retroId, activityId: turn.activityId };
    // Sent after the answer, through the outbound pipeline; what Teams did not take is said here afterwards, in counts:
    // this conversation is the team's, and only the facilitator may learn who has not contributed.
    if (reachable.length > 0) {
      this.background.run('retro.remind', fields, async () => {
        const unreached = await this.reminders.send(reachable, () => card, `Retrospective of ${retro.workloadName}`, fields);
        if (unreached.length === 0) return;
        const sentence = `Retrospective of ${retro.workloadName}: ${reachable.length - unreached.length} of ${reachable.length} reminders went out; Teams did not take ${unreached.length} (blocked or removed Liftoff, or not answering). The facilitator may remind them in person.`;
        await this.messenger.post(turn.target, renderMessage(sentence, 'attention'), `Retrospective reminders of ${retro.workloadName}`);
      });
    }
    const who = pending.length === 1 ? 'person who has' : 'people who have';
    const sentence =
      pending.length === 0
        ? 'Everyone in the team has contributed; no reminder was needed.'
        : `Reminding ${reachable.length} of the ${pending.length} ${who} not ${retro.phase === 'vote' ? 'voted' : 'added an entry'} yet, one to one.${reachable.length > 0 ? ' If Teams does not take a reminder, Liftoff says how many here.' : ''}`;
    return {
      notice: unreachable.length ? attention(`${sentence} ${unreachable.length} cannot be reached: they have no personal chat with Liftoff.`) : good(sentence),
      unreachable,
    };
  }

  async remindVerb(turn: Turn, retro: Retro): Promise<VerbOutcome> {
    const { notice, unreachable } = await this.remind(turn, retro);
    // The invoke answer is shown only to the facilitator who pressed, so names may appear here.
    const named = unreachable.length ? attention(`${notice.text} Not reachable: ${unreachable.slice(0, 30).join(', ')}${unreachable.length > 30 ? ', …' : ''}.`) : notice;
    return { card: await this.view(turn, retro, named) };
  }

  /** `retro-remind <workload>`: the answer is seen by the whole conversation, so it gives counts, never names. */
  async remindCommand(turn: Turn, workload: Workload): Promise<Card> {
    const latest = await this.retros.latest(workload.workloadId);
    if (!latest || latest.phase === 'closed') return renderMessage(`${workload.name} has no running retrospective. Type "retro ${workload.name}" to start one.`);
    const { notice, unreachable } = await this.remind(turn, latest);
    const more = unreachable.length ? ' The facilitator sees their names with Send reminders on their own view of the retro card.' : '';
    return renderMessage(`${notice.text}${more}`, notice.tone);
  }

  async actions(turn: Turn, notice?: Notice): Promise<Card> {
    return renderRetroActions(await this.retros.openActions(turn.tenantId, turn.scope.scopeId), notice);
  }

  async completeAction(turn: Turn, data: { workloadId: string; actionId: string }): Promise<VerbOutcome> {
    const result = await this.retros.completeAction(turn.tenantId, data.workloadId, data.actionId, turn.actor);
    if (!result) return { card: await this.actions(turn, attention('That action item no longer exists.')) };
    if (result.kind === 'refused') return { card: await this.actions(turn, attention(result.message)) };
    return { card: await this.actions(turn, good(`Done: ${result.value.text}`)) };
  }

  /** The gates still open before the retrospective gate, by title: what it waits for. */
  private async gatesBefore(workloadId: string): Promise<string[]> {
    return gatesBeforeRetro(await this.release.get(workloadId));
  }

  /** Open action items of earlier retros of the team, carried into a new one. */
  private async carried(retro: Retro) {
    // A retro that started with no open action items in its team has none to carry: no read.
    if (retro.carriesActions === false) return [];
    return (await this.retros.openActions(retro.tenantId, retro.scopeId)).filter((a) => a.retroId !== retro.retroId);
  }

  private async rosterFor(turn: Turn, retro: Retro): Promise<Person[]> {
    const known = new Map<string, Person>([[retro.facilitator.aadObjectId, retro.facilitator]]);
    if (turn.scope.scopeId === retro.scopeId) {
      try {
        for (const p of await turn.roster()) known.set(p.aadObjectId, p);
      } catch (error) {
        this.log.warn({ event: 'retro.roster_unavailable', workloadId: retro.workloadId, retroId: retro.retroId, activityId: turn.activityId, err: error }, 'could not read the roster');
      }
    }
    return [...known.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Marks the channel card stale in the store, then updates it for everyone after the answer, with counts
   * only; changes arriving while an update is under way fold into one more. Never from an automatic refresh.
   */
  private async updateChannelCard(turn: Turn, retro: Retro): Promise<void> {
    if (turn.trigger === 'automatic') return;
    const card: RetroCard = { kind: 'retro', workloadId: retro.workloadId, tenantId: retro.tenantId, retroId: retro.retroId };
    // Any other change: the card is drawn from a new read.
    this.answered.delete(`${retro.workloadId}\n${retro.retroId}`);
    await this.cards.stale(card, { workloadId: retro.workloadId, retroId: retro.retroId, activityId: turn.activityId }, this.drawChannelCard);
  }

  /** Draws a channel card found marked in the store (left by a stopped or crashed process). */
  resumeChannelCard(card: RetroCard): void {
    this.cards.redraw(card, { workloadId: card.workloadId, retroId: card.retroId, trigger: 'resume' }, this.drawChannelCard);
  }

  /** The retro an entry's batch answered, for the channel card's draw that follows (see addEntries). */
  private readonly answered = new Map<string, Retro>();

  private readonly drawChannelCard = async ({ tenantId, workloadId, retroId }: RetroCard, written: boolean): Promise<void> => {
    const key = `${workloadId}\n${retroId}`;
    const answered = this.answered.get(key);
    this.answered.delete(key);
    // An entry's batch answered the retro after it (marker included): while the marker is at that batch's version, it is what to draw.
    const current = written && answered ? answered : await this.retros.byId(tenantId, workloadId, retroId);
    if (!current?.messageId) return;
    // The channel card shows nothing of the workload document: no read of it (nor of the entries while the retro keeps their copy).
    const card = renderRetroCard({ ...(await this.retros.snapshot(current, { workload: undefined })), openActions: await this.carried(current) });
    await this.messenger.update(current.channel, current.messageId, card);
  };
}

/** What the retrospective adds to every checklist: the retro of this workload, and open action items of the team. */
export function retroChecklistSections(retros: RetroService): ChecklistContributor {
  return async (_turn, workload) => {
    // The latest retro comes with the workload (its summary); the team's open action items are one point read.
    const latest = workload.summaries?.retro;
    const open = await retros.openActions(workload.scope.tenantId, workload.scope.scopeId);
    const sections: ChecklistSection[] = [];
    const ref = { workloadId: workload.workloadId };
    const passed = (gateId: string) => isClosed(workload.gates.find((g) => g.id === gateId)?.status ?? 'pending');
    if (latest && latest.phase !== 'closed') {
      sections.push({
        title: 'Retrospective',
        lines: [
          `Retrospective ${latest.number}: ${PHASE_TITLES[latest.phase].toLowerCase()}, facilitated by ${latest.facilitator.name}. Entries due ${formatWallClock(latest.deadline.local, latest.deadline.timeZone)}.`,
        ],
        actions: [{ title: 'Open the retro', verb: 'retro.view', data: { ...ref, retroId: latest.retroId } }],
      });
    } else if (latest?.gateNote && !passed('retro-held')) {
      sections.push({
        title: 'Retrospective',
        lines: [`Retrospective ${latest.number} is closed. ${gateNext(false, gatesBeforeRetro(workload))}`],
        actions: [{ title: 'Record the retrospective gate', verb: 'retro.gate', data: { ...ref, retroId: latest.retroId } }],
      });
    } else if (!latest && (passed('traffic-rerouted') || passed('assets-retired'))) {
      sections.push({
        title: 'Retrospective',
        lines: [`${workload.name} is ${passed('assets-retired') ? 'decommissioned' : 'promoted'}: time for the team to look back. Its action items reach the next wave.`],
        actions: [{ title: 'Start the retrospective', verb: 'retro.new', data: ref }],
      });
    }
    if (open.length) {
      sections.push({
        title: 'Open action items from earlier retros',
        lines: [...open.slice(0, 8).map((a) => `• ${actionLine(a)}`), ...(open.length > 8 ? [`and ${open.length - 8} more: type actions`] : [])],
        actions: [
          ...open
            .slice(0, 3)
            .map((a) => ({ title: `Done: ${a.text.length > 28 ? `${a.text.slice(0, 27)}…` : a.text}`, verb: 'retro.action.done', data: { workloadId: a.workloadId, actionId: a.id } })),
          { title: 'All action items', verb: 'retro.actions', data: {} },
        ],
      });
    }
    return sections;
  };
}
