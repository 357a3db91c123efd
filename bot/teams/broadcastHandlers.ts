import { ComposeData, renderNotice, renderNoticeCompose, renderNoticeProgress } from '../../cards/noticeCards';
import { Card, ChecklistSection, Notice as Banner, renderMessage } from '../../cards/render';
import { personText } from '../../cards/text';
import { Audience, Notice, NoticeContent, NoticeSchedule, NOTICE_KINDS, Progress } from '../broadcast/model';
import { audienceIsEmpty, checkContent, NoticeResult } from '../broadcast/rules';
import type { BroadcastService } from '../broadcast/service';
import type { ConversationRepository } from '../conversations/model';
import type { Workload } from '../release/model';
import type { ReleaseHandlers } from './handlers';
import { attention, echo, good, VerbOutcome } from './router';
import type { NoticeRefData, PreviewData, UncertainData, UpdateData } from './broadcastPayloads';
import type { ChecklistMessages } from './checklistMessages';
import type { Turn } from './turn';

/** Most people a compose card offers. */
const PEOPLE_LIMIT = 100;

const missingNotice = (): Card => renderMessage('That notice no longer exists or is not part of your organization. Type notify <workload> to compose one.');

/** In words, who a notice goes to. */
export function describeAudience(audience: Audience): string {
  const parts: string[] = [];
  if (audience.here) parts.push('this conversation');
  if (audience.channelIds.length) parts.push(`${audience.channelIds.length} channel${audience.channelIds.length === 1 ? '' : 's'}`);
  if (audience.teamIds.length) parts.push(`every member of ${audience.teamIds.length} team${audience.teamIds.length === 1 ? '' : 's'}`);
  if (audience.people.length) parts.push(`${audience.people.length} ${audience.people.length === 1 ? 'person' : 'people'}`);
  if (audience.everyone) parts.push('everyone who has Liftoff installed');
  return parts.length ? parts.join(', ') : 'nobody yet';
}

/** Change communication as Teams sees it: compose, preview, send, approve, progress, acknowledge. */
export class BroadcastHandlers {
  constructor(
    private readonly broadcast: BroadcastService,
    private readonly release: ReleaseHandlers,
    private readonly conversations: ConversationRepository,
    private readonly checklists?: ChecklistMessages,
  ) {}

  /**
   * A sent notice passed the communication gate: the message it was sent from (the checklist the author
   * composed it from) becomes the checklist again, with the gate passed and the next step.
   */
  async noticeSent(notice: Notice, progress: Progress): Promise<void> {
    if (!notice.progress || !this.checklists) return;
    const { conversationId, serviceUrl, activityId } = notice.progress;
    const of = `${progress.sent} of ${progress.total || notice.total}`;
    const banner = good(`The notice "${personText(notice.content.title)}" was sent to ${of} recipients: the communication gate is passed.`);
    // An update names the message; the conversation reference is only needed to start a conversation.
    await this.checklists.redraw({ target: { conversationId, serviceUrl, tenantId: notice.tenantId, reference: {} }, activityId }, notice.workloadId, banner);
  }

  /** The change communication section of the checklist card. */
  readonly checklistSection = async (_turn: Turn | undefined, workload: Workload): Promise<ChecklistSection[]> => {
    // The latest notices come with the workload (its summary, kept in step with every notice change).
    const notices = workload.summaries?.notices ?? [];
    const ids = { workloadId: workload.workloadId };
    return [
      {
        title: 'Change communication',
        lines: notices.length ? notices.map((n) => `${n.title} (${n.id}): ${n.recalled ? 'recalled' : n.status}`) : ['No notice sent yet.'],
        actions: [
          { title: 'Compose a notice', verb: 'notice.compose', data: ids },
          ...notices.slice(0, 1).map((n) => ({ title: 'Latest notice', verb: 'notice.progress', data: { ...ids, noticeId: n.id } })),
        ],
      },
    ];
  };

  /** The notice the card names, read in the partition of the workload the router has already let this person see. */
  private async noticeOf(workload: Workload, data: NoticeRefData): Promise<{ ok: true; workload: Workload; notice: Notice } | { ok: false; card: Card }> {
    const notice = await this.broadcast.get(workload.workloadId, data.noticeId);
    return notice ? { ok: true, workload, notice } : { ok: false, card: missingNotice() };
  }

  /** `notify <workload>`. */
  async compose(turn: Turn, workload: Workload, banner?: Banner, draft?: { id: string; content?: Partial<NoticeContent>; picked?: ComposeData['picked']; schedule?: NoticeSchedule }): Promise<Card> {
    const refused = this.broadcast.cannotCompose(workload, turn.actor);
    if (refused) return renderMessage(refused);
    const [channels, members] = await Promise.all([this.conversations.inTenant(turn.tenantId, 'channel'), turn.members().catch(() => [])]);
    const teams = new Map<string, string[]>();
    for (const c of channels) if (c.teamId) teams.set(c.teamId, [...(teams.get(c.teamId) ?? []), c.name ?? 'General']);
    return renderNoticeCompose({
      workloadId: workload.workloadId,
      workloadName: workload.name,
      noticeId: draft?.id ?? this.broadcast.newNoticeId(workload.workloadId),
      ...(draft?.content ? { content: draft.content } : {}),
      ...(draft?.picked ? { picked: draft.picked } : {}),
      ...(draft?.schedule ? { schedule: draft.schedule } : {}),
      channels: channels.map((c) => ({ title: c.name ?? 'General', value: c.id })).sort((a, b) => a.title.localeCompare(b.title)),
      teams: [...teams].map(([teamId, names]) => ({ title: `Team with ${names.slice(0, 3).join(', ')}`, value: teamId })),
      people: members.slice(0, PEOPLE_LIMIT).map(({ aadObjectId, name }) => ({ aadObjectId, name })),
      ...(banner ? { banner } : {}),
    });
  }

  async preview(turn: Turn, data: PreviewData, workload: Workload): Promise<VerbOutcome> {
    const checked = checkContent(data);
    if (!checked.ok) return { card: await this.composeWith(turn, workload, data, attention(checked.message)) };
    const members = data.people.length ? await turn.members() : [];
    const people = data.people
      .map((id) => members.find((m) => m.aadObjectId === id))
      .filter((m): m is NonNullable<typeof m> => m !== undefined)
      .map((m) => ({ aadObjectId: m.aadObjectId, teamsUserId: m.teamsUserId, name: m.name, serviceUrl: turn.target.serviceUrl }));
    if (people.length !== data.people.length) return { card: await this.composeWith(turn, workload, data, attention('Pick people who are members of this conversation.')) };
    const audience: Audience = {
      ...(data.here ? { here: { conversationId: turn.scope.conversationId, serviceUrl: turn.target.serviceUrl } } : {}),
      channelIds: data.channels,
      teamIds: data.teams,
      people,
      everyone: data.everyone,
    };
    if (audienceIsEmpty(audience)) {
      return { card: await this.composeWith(turn, workload, data, attention('Choose who gets the notice: this conversation, channels, teams, people or everyone.')) };
    }
    const sendAt = { sendDate: data.sendDate, sendTime: data.sendTime, timeZone: data.timeZone };
    const outcome = await this.broadcast.saveDraft({ workload, noticeId: data.noticeId, content: checked.content, audience, actor: turn.actor, sendAt });
    if (outcome.kind === 'invalid') return { card: await this.composeWith(turn, workload, data, attention(outcome.message)) };
    if (outcome.kind === 'refused') {
      return { card: outcome.notice ? await this.progressCard(outcome.notice, attention(outcome.message)) : renderMessage(outcome.message) };
    }
    return { card: renderNotice(outcome.notice, { mode: 'preview', audience: describeAudience(audience) }) };
  }

  /** The compose card again, keeping what the author typed, with a sentence saying what to fix. */
  private composeWith(turn: Turn, workload: Workload, data: PreviewData, banner: Banner): Promise<Card> {
    const at = (date: string, time: string) => (date ? `${date}T${time || '00:00'}` : undefined);
    const startsAt = at(data.startDate, data.startTime);
    const endsAt = at(data.endDate, data.endTime);
    const typed: Partial<NoticeContent> = {
      kind: (NOTICE_KINDS as readonly string[]).includes(data.kind) ? (data.kind as NoticeContent['kind']) : 'upcomingChange',
      title: data.title,
      body: data.body,
      ...(startsAt ? { startsAt } : {}),
      ...(endsAt ? { endsAt } : {}),
      ...(data.timeZone ? { timeZone: data.timeZone } : {}),
      impact: data.impact,
      contact: data.contact,
      changePlanUrl: data.changePlanUrl,
    };
    const picked = { here: data.here, everyone: data.everyone, channels: data.channels, teams: data.teams, people: data.people };
    return this.compose(turn, workload, banner, { id: data.noticeId, content: typed, picked });
  }

  async edit(turn: Turn, data: NoticeRefData, workload: Workload): Promise<VerbOutcome> {
    const found = await this.noticeOf(workload, data);
    if (!found.ok) return { card: found.card };
    const { notice } = found;
    if (notice.status === 'draft')
      return { card: await this.compose(turn, workload, undefined, { id: notice.id, content: notice.content, ...(notice.schedule ? { schedule: notice.schedule } : {}) }) };
    if (notice.recalled) return { card: await this.progressCard(notice, attention('This notice was recalled; compose a new one.')) };
    return {
      card: renderNoticeCompose({
        workloadId: workload.workloadId,
        workloadName: workload.name,
        noticeId: notice.id,
        updating: { rev: notice.rev },
        content: notice.content,
        channels: [],
        teams: [],
        people: [],
      }),
    };
  }

  async send(turn: Turn, data: { workloadId: string; noticeId: string; rev: number }, workload: Workload): Promise<VerbOutcome> {
    const found = await this.noticeOf(workload, data);
    if (!found.ok) return { card: found.card };
    const progress = turn.messageId ? { conversationId: turn.target.conversationId, serviceUrl: turn.target.serviceUrl, activityId: turn.messageId } : undefined;
    const result = await this.broadcast.send({ workload: found.workload, noticeId: data.noticeId, actor: turn.actor, rev: data.rev, ...(progress ? { progress } : {}) });
    return { card: await this.afterSend(result, found.notice) };
  }

  async approve(turn: Turn, data: NoticeRefData, workload: Workload): Promise<VerbOutcome> {
    const found = await this.noticeOf(workload, data);
    if (!found.ok) return { card: found.card };
    const progress = turn.messageId ? { conversationId: turn.target.conversationId, serviceUrl: turn.target.serviceUrl, activityId: turn.messageId } : undefined;
    const result = await this.broadcast.approve({ workload: found.workload, noticeId: data.noticeId, actor: turn.actor, ...(progress ? { progress } : {}) });
    if (result?.kind === 'refused' && result.notice.status === 'awaitingApproval') {
      return { card: renderNotice(result.notice, { mode: 'approval', audience: describeAudience(result.notice.audience) }, attention(result.message)) };
    }
    return { card: await this.afterSend(result, found.notice), shareWithEveryone: result?.kind === 'changed' };
  }

  private async afterSend(result: NoticeResult | undefined, before: Notice): Promise<Card> {
    if (!result) return missingNotice();
    const notice = result.notice;
    if (result.kind === 'refused') {
      return notice.status === 'draft'
        ? renderNotice(notice, { mode: 'preview', audience: describeAudience(notice.audience) }, attention(result.message))
        : this.progressCard(notice, attention(result.message));
    }
    if (notice.status === 'awaitingApproval') {
      return renderNotice(
        notice,
        { mode: 'approval', audience: describeAudience(notice.audience) },
        { text: `Waiting for a second change manager to approve. ${notice.author.name} wants to send this to ${describeAudience(notice.audience)}.`, tone: 'good' },
      );
    }
    const going = notice.status === 'scheduled' ? 'scheduled' : 'sending';
    const sentence = notice.approvedBy
      ? `Approved by ${notice.approvedBy.name}; ${going}.`
      : notice.status === 'scheduled'
        ? 'Scheduled. This card shows the progress once it goes out.'
        : 'Sending. This card shows the progress.';
    return this.progressCard(notice, good(before.status === notice.status ? 'This notice is already being sent.' : sentence));
  }

  async discard(turn: Turn, data: NoticeRefData, workload: Workload): Promise<VerbOutcome> {
    const found = await this.noticeOf(workload, data);
    if (!found.ok) return { card: found.card };
    const result = await this.broadcast.discard({ workload: found.workload, noticeId: data.noticeId, actor: turn.actor });
    if (!result) return { card: missingNotice() };
    if (result.kind === 'refused') return { card: await this.progressCard(result.notice, attention(result.message)) };
    return { card: renderMessage(`The notice "${result.notice.content.title}" was discarded; nothing was sent.`, 'good') };
  }

  async progress(turn: Turn, data: NoticeRefData, workload: Workload): Promise<VerbOutcome> {
    const found = await this.noticeOf(workload, data);
    if (!found.ok) return { card: found.card };
    const { notice } = found;
    if (notice.status === 'draft') return { card: renderNotice(notice, { mode: 'preview', audience: describeAudience(notice.audience) }) };
    return { card: await this.progressCard(notice) };
  }

  async progressCard(notice: Notice, banner?: Banner, progress?: Progress): Promise<Card> {
    return renderNoticeProgress(notice, progress ?? (await this.broadcast.progress(notice)), banner);
  }

  private async managed(workload: Workload, data: NoticeRefData, act: (workload: Workload) => Promise<NoticeResult | undefined>, done: (notice: Notice) => string): Promise<VerbOutcome> {
    const found = await this.noticeOf(workload, data);
    if (!found.ok) return { card: found.card };
    const result = await act(found.workload);
    if (!result) return { card: missingNotice() };
    if (result.kind === 'refused') return { card: await this.progressCard(result.notice, attention(result.message)) };
    return { card: await this.progressCard(result.notice, good(done(result.notice))) };
  }

  cancel(turn: Turn, data: NoticeRefData, workload: Workload): Promise<VerbOutcome> {
    return this.managed(
      workload,
      data,
      (workload) => this.broadcast.cancel({ workload, noticeId: data.noticeId, actor: turn.actor }),
      () => 'Cancelled: recipients not reached yet get nothing.',
    );
  }

  recall(turn: Turn, data: NoticeRefData, workload: Workload): Promise<VerbOutcome> {
    return this.managed(
      workload,
      data,
      (workload) => this.broadcast.recall({ workload, noticeId: data.noticeId, actor: turn.actor }),
      () => 'Recalling: every delivered copy is being deleted.',
    );
  }

  remind(turn: Turn, data: NoticeRefData, workload: Workload): Promise<VerbOutcome> {
    return this.managed(
      workload,
      data,
      (workload) => this.broadcast.remind({ workload, noticeId: data.noticeId, actor: turn.actor }),
      () => 'Reminding everyone reached 1:1 who has not acknowledged yet.',
    );
  }

  async resend(turn: Turn, data: NoticeRefData, workload: Workload): Promise<VerbOutcome> {
    const found = await this.noticeOf(workload, data);
    if (!found.ok) return { card: found.card };
    const { result, requeued } = await this.broadcast.resend({ workload: found.workload, noticeId: data.noticeId, actor: turn.actor });
    if (!result) return { card: missingNotice() };
    if (result.kind === 'refused') return { card: await this.progressCard(result.notice, attention(result.message)) };
    return {
      card: await this.progressCard(
        result.notice,
        requeued ? good(`Sending again to ${requeued} failed recipient${requeued === 1 ? '' : 's'}.`) : attention('No delivery failed; nothing to re-send.'),
      ),
    };
  }

  /** Re-send to the uncertain deliveries, or leave them: the author's call from the progress card. */
  async decideUncertain(turn: Turn, data: UncertainData, workload: Workload): Promise<VerbOutcome> {
    const found = await this.noticeOf(workload, data);
    if (!found.ok) return { card: found.card };
    const { result, requeued } = await this.broadcast.decideUncertain({ workload: found.workload, noticeId: data.noticeId, actor: turn.actor, choice: data.choice });
    if (!result) return { card: missingNotice() };
    if (result.kind === 'refused') return { card: await this.progressCard(result.notice, attention(result.message)) };
    const said =
      data.choice === 'resend'
        ? `Sending again to ${requeued} uncertain recipient${requeued === 1 ? '' : 's'}; some may get it twice.`
        : 'Left as they are: the uncertain recipients stay uncertain and get nothing more.';
    return { card: await this.progressCard(result.notice, good(said)) };
  }

  async update(turn: Turn, data: UpdateData, workload: Workload): Promise<VerbOutcome> {
    const found = await this.noticeOf(workload, data);
    if (!found.ok) return { card: found.card };
    const checked = checkContent(data);
    if (!checked.ok) {
      return {
        card: renderNoticeCompose({
          workloadId: found.workload.workloadId,
          workloadName: found.workload.name,
          noticeId: found.notice.id,
          updating: { rev: data.rev },
          content: found.notice.content,
          channels: [],
          teams: [],
          people: [],
          banner: attention(checked.message),
        }),
      };
    }
    return this.managed(
      workload,
      data,
      (workload) => this.broadcast.update({ workload, noticeId: data.noticeId, actor: turn.actor, content: checked.content, rev: data.rev }),
      () => 'Updated: every delivered copy is being updated in place.',
    );
  }

  /**
   * A recipient's acknowledgement. Recipients are in other chats and teams than the workload's, so this verb
   * is not behind the workload's scope check: the notice itself says who it was sent to.
   */
  async acknowledge(turn: Turn, data: NoticeRefData): Promise<VerbOutcome> {
    const notice = await this.broadcast.get(data.workloadId, data.noticeId);
    if (!notice || notice.tenantId !== turn.tenantId) return { card: missingNotice() };
    const outcome = await this.broadcast.acknowledge({ notice, actor: turn.actor, conversationIds: [turn.scope.conversationId, turn.target.conversationId] });
    if (outcome.kind === 'refused') return { card: renderMessage(outcome.message) };
    if (outcome.kind === 'recalled') return { card: renderNotice(notice, { mode: 'recalled' }) };
    return { card: renderNotice(notice, { mode: 'recipient', acknowledged: { at: outcome.at } }, outcome.first ? good('Thank you: your acknowledgement is recorded.') : undefined) };
  }

  /** `remind-ack <notice>`. */
  async remindCommand(turn: Turn, args: string): Promise<Card> {
    const name = args.trim();
    if (!name) return renderMessage("Say which notice, for example: remind-ack payroll-api.k3x9qa. The id is on the notice's progress card.");
    const notice = await this.broadcast.findByName(turn.scope, name);
    const workload = notice ? await this.release.open(turn, notice.workloadId) : undefined;
    if (!notice || !workload) return renderMessage(`There is no notice "${echo(name)}" here. The id is on the notice's progress card.`);
    return (await this.remind(turn, { workloadId: notice.workloadId, noticeId: notice.id }, workload)).card;
  }
}
