import { randomBytes } from 'node:crypto';
import type { Person, Workload } from '../release/model';
import { slugOfWorkloadId } from '../release/rules';
import type { ReleaseService } from '../release/service';
import type { Audience, Delivery, Notice, NoticeContent, Progress, ProgressMessage } from './model';
import type { NoticeRepository, SenderCoordination } from './repository';
import {
  AckDecision,
  ackIdOf,
  ackRecipientKeys,
  approve,
  cancel,
  checkSchedule,
  countProgress,
  decideAcknowledgement,
  decideUncertain,
  deliveryIdOf,
  draftNotice,
  mayCompose,
  mayManage,
  NoticeResult,
  noticeIdOf,
  recall,
  remind,
  requestSend,
  UncertainChoice,
  updateContent,
  workloadIdOfNotice,
} from './rules';

/** The gate an "upcoming change" notice passes. */
export const COMMUNICATION_GATE = 'change-notice-sent';

export interface BroadcastOptions {
  approvalRequired: boolean;
}

export type AckOutcome = { kind: 'recorded'; at: string; first: boolean } | Exclude<AckDecision, { kind: 'accept' }>;

export type DraftOutcome = { kind: 'saved'; notice: Notice } | { kind: 'refused'; message: string; notice?: Notice } | { kind: 'invalid'; message: string };

/** Change communication use cases: drafts, sending, approval, cancel, re-send, update, recall, acknowledgements. */
export class BroadcastService {
  constructor(
    private readonly notices: NoticeRepository,
    private readonly coordination: SenderCoordination,
    private readonly release: ReleaseService,
    readonly options: BroadcastOptions,
    /** Tells this instance's sender to look at the outbox now. */
    private readonly wake: () => void = () => undefined,
    private readonly clock: () => Date = () => new Date(),
    private readonly suffix: () => string = () => randomSuffix(),
  ) {}

  private now(): string {
    return this.clock().toISOString();
  }

  /** Why this person cannot compose a notice about the workload, or undefined when they can. */
  cannotCompose(workload: Workload, actor: Person): string | undefined {
    return mayCompose(workload, actor.aadObjectId)
      ? undefined
      : `Only a change manager or the project manager of ${workload.name} can compose a notice. The project manager can assign the role with "roles ${workload.name}".`;
  }

  /** A fresh id for a compose card: the draft it saves keeps it, so a retried Preview saves the same draft. */
  newNoticeId(workloadId: string): string {
    return noticeIdOf(workloadId, this.suffix());
  }

  get(workloadId: string, noticeId: string): Promise<Notice | undefined> {
    return this.notices.get(workloadId, noticeId);
  }

  /** Finds a notice a person named, among the notices of workloads of their team or chat. */
  async findByName(scope: Pick<Workload['scope'], 'tenantId' | 'scopeId'>, noticeId: string): Promise<Notice | undefined> {
    const workloadId = workloadIdOfNotice(scope, noticeId);
    return workloadId ? this.notices.get(workloadId, noticeId.trim().toLowerCase()) : undefined;
  }

  latest(workloadId: string, limit = 3): Promise<Notice[]> {
    return this.notices.latest(workloadId, limit);
  }

  /** Saves what the author composed as a draft, ready to preview. */
  async saveDraft(input: {
    workload: Workload;
    noticeId: string;
    content: NoticeContent;
    audience: Audience;
    actor: Person;
    /** "Send at" as typed on the compose card; empty sends when the author presses Send. */
    sendAt?: { sendDate?: string; sendTime?: string; timeZone?: string };
  }): Promise<DraftOutcome> {
    if (!mayCompose(input.workload, input.actor.aadObjectId)) {
      return {
        kind: 'refused',
        message: `Only a change manager or the project manager of ${input.workload.name} can compose a notice. The project manager can assign the role with "roles ${input.workload.name}".`,
      };
    }
    if (!input.noticeId.startsWith(`${slugOfWorkloadId(input.workload.workloadId)}.`)) {
      return { kind: 'refused', message: 'This card is damaged or out of date, so nothing was changed. Type notify to start again.' };
    }
    const checked = checkSchedule(input.sendAt ?? {}, this.now());
    if (!checked.ok) return { kind: 'invalid', message: checked.message };
    const notice = draftNotice({ ...input, ...(checked.schedule ? { schedule: checked.schedule } : {}), now: this.now() });
    if ((await this.notices.saveDraft(notice)) === 'conflict') {
      const current = await this.notices.get(notice.workloadId, notice.id);
      return { kind: 'refused', message: 'This notice has already been sent or is waiting for approval; it can no longer be edited here.', ...(current ? { notice: current } : {}) };
    }
    const saved = await this.notices.get(notice.workloadId, notice.id);
    return { kind: 'saved', notice: saved ?? notice };
  }

  /** The author sends a previewed notice (or asks for approval); the card showing it becomes the progress card. */
  async send(input: { workload: Workload; noticeId: string; actor: Person; rev: number; progress?: ProgressMessage }): Promise<NoticeResult | undefined> {
    const now = this.now();
    const result = await this.notices.change(input.workload.workloadId, input.noticeId, (current) => {
      const decided = requestSend(current, { workload: input.workload, actor: input.actor, approvalRequired: this.options.approvalRequired, rev: input.rev, now });
      return decided.kind === 'changed' && (decided.notice.status === 'sending' || decided.notice.status === 'scheduled') && input.progress
        ? { ...decided, notice: { ...decided.notice, progress: input.progress } }
        : decided;
    });
    await this.activate(result);
    return result;
  }

  /** A second change manager approves; the notice is sent at once, and this card shows the progress. */
  async approve(input: { workload: Workload; noticeId: string; actor: Person; progress?: ProgressMessage }): Promise<NoticeResult | undefined> {
    const now = this.now();
    const result = await this.notices.change(input.workload.workloadId, input.noticeId, (current) => {
      const decided = approve(current, { workload: input.workload, actor: input.actor, now });
      return decided.kind === 'changed' && input.progress ? { ...decided, notice: { ...decided.notice, progress: input.progress } } : decided;
    });
    await this.activate(result);
    return result;
  }

  /** Discards a draft or a notice waiting for approval. */
  discard(input: { workload: Workload; noticeId: string; actor: Person }): Promise<NoticeResult | undefined> {
    const now = this.now();
    return this.notices.change(input.workload.workloadId, input.noticeId, (current) => {
      if (current.status === 'cancelled') return { kind: 'unchanged', notice: current };
      if (current.status !== 'draft' && current.status !== 'awaitingApproval')
        return { kind: 'refused', message: 'This notice is already being sent; cancel it from its progress card.', notice: current };
      return cancel(current, { workload: input.workload, actor: input.actor, now });
    });
  }

  async cancel(input: { workload: Workload; noticeId: string; actor: Person }): Promise<NoticeResult | undefined> {
    const now = this.now();
    const result = await this.notices.change(input.workload.workloadId, input.noticeId, (current) => cancel(current, { workload: input.workload, actor: input.actor, now }));
    await this.activate(result);
    return result;
  }

  async update(input: { workload: Workload; noticeId: string; actor: Person; content: NoticeContent; rev: number }): Promise<NoticeResult | undefined> {
    const result = await this.notices.change(input.workload.workloadId, input.noticeId, (current) => updateContent(current, input));
    await this.activate(result);
    return result;
  }

  async recall(input: { workload: Workload; noticeId: string; actor: Person }): Promise<NoticeResult | undefined> {
    const result = await this.notices.change(input.workload.workloadId, input.noticeId, (current) => recall(current, { workload: input.workload, actor: input.actor }));
    await this.activate(result);
    return result;
  }

  async remind(input: { workload: Workload; noticeId: string; actor: Person }): Promise<NoticeResult | undefined> {
    const result = await this.notices.change(input.workload.workloadId, input.noticeId, (current) => remind(current, { workload: input.workload, actor: input.actor }));
    await this.activate(result);
    return result;
  }

  /** Puts the failed deliveries back to pending and sends to them again. */
  async resend(input: { workload: Workload; noticeId: string; actor: Person }): Promise<{ result: NoticeResult | undefined; requeued: number }> {
    const notice = await this.notices.get(input.workload.workloadId, input.noticeId);
    if (!notice) return { result: undefined, requeued: 0 };
    if (!mayManage(input.workload, notice, input.actor.aadObjectId)) {
      return { result: { kind: 'refused', message: 'Only the author or a change manager can re-send this notice.', notice }, requeued: 0 };
    }
    if (notice.recalled || (notice.status !== 'sent' && notice.status !== 'cancelled')) {
      return { result: { kind: 'refused', message: 'Only a notice that finished sending can be re-sent to the failed.', notice }, requeued: 0 };
    }
    const requeued = await this.notices.requeue(notice.workloadId, notice.id, 'failed');
    if (requeued === 0) return { result: { kind: 'unchanged', notice }, requeued };
    const result = await this.notices.change(notice.workloadId, notice.id, (current) => ({ kind: 'changed', notice: { ...current, status: 'sending', rev: current.rev + 1 } }));
    await this.activate(result);
    return { result, requeued };
  }

  /**
   * The author's decision about deliveries that may have reached their recipients when a sender stopped:
   * send them again (someone may get two copies), or leave them uncertain.
   */
  async decideUncertain(input: { workload: Workload; noticeId: string; actor: Person; choice: UncertainChoice }): Promise<{ result: NoticeResult | undefined; requeued: number }> {
    const notice = await this.notices.get(input.workload.workloadId, input.noticeId);
    if (!notice) return { result: undefined, requeued: 0 };
    const uncertain = (await this.progress(notice)).uncertain;
    const decided = decideUncertain(notice, { ...input, uncertain, now: this.now() });
    if (decided.kind !== 'changed') return { result: decided, requeued: 0 };
    const requeued = input.choice === 'resend' ? await this.notices.requeue(notice.workloadId, notice.id, 'uncertain') : 0;
    const result = await this.notices.change(notice.workloadId, notice.id, (current) => decideUncertain(current, { ...input, uncertain, now: this.now() }));
    await this.activate(result);
    return { result, requeued };
  }

  /**
   * One acknowledgement per recipient, whatever the clicks. `conversationIds` name the conversation the person
   * acknowledges from (the channel, and the thread of the card); the first is recorded with the acknowledgement.
   */
  async acknowledge(input: { notice: Notice; actor: Person; conversationIds: readonly [string, ...string[]] }): Promise<AckOutcome> {
    const { notice, actor } = input;
    // Point reads by natural id: a person's own copy, or the copy posted where they press Acknowledge.
    const keys = ackRecipientKeys(actor.aadObjectId, input.conversationIds);
    const found = await Promise.all(keys.map((key) => this.notices.getDelivery(notice.workloadId, deliveryIdOf(notice.id, key))));
    const decision = decideAcknowledgement(
      notice,
      found.filter((d): d is Delivery => d !== undefined),
    );
    if (decision.kind !== 'accept') return decision;
    const id = ackIdOf(notice.id, actor.aadObjectId);
    const at = this.now();
    const created = await this.notices.acknowledge({ id, workloadId: notice.workloadId, type: 'ack', noticeId: notice.id, by: actor, at, conversationId: input.conversationIds[0] });
    if (created === 'created') return { kind: 'recorded', at, first: true };
    const existing = await this.notices.getAck(notice.workloadId, id);
    return { kind: 'recorded', at: existing?.at ?? at, first: false };
  }

  async acknowledgedAt(notice: Notice, aadObjectId: string): Promise<string | undefined> {
    return (await this.notices.getAck(notice.workloadId, ackIdOf(notice.id, aadObjectId)))?.at;
  }

  async progress(notice: Notice): Promise<Progress> {
    const [statuses, acknowledged] = await Promise.all([this.notices.statuses(notice.workloadId, notice.id), this.notices.countAcks(notice.workloadId, notice.id)]);
    return countProgress(statuses, acknowledged);
  }

  /** When a notice has reached everyone it could: an "upcoming change" passes the communication gate, in the audit trail. */
  /** Passes the communication gate for a sent upcoming-change notice; answers whether the gate changed. */
  async noticeSent(notice: Notice, progress: Progress): Promise<boolean> {
    if (notice.content.kind !== 'upcomingChange' || progress.sent === 0 || notice.recalled) return false;
    const result = await this.release.passGateOnBehalf(notice.workloadId, {
      gateId: COMMUNICATION_GATE,
      actor: notice.author,
      evidence: `change notice "${notice.content.title}" (${notice.id}) sent to ${progress.sent} of ${progress.total} recipients`,
    });
    return result?.kind === 'changed';
  }

  /**
   * Sends a notice a communication plan made due: stored under its natural id (a due-check repeated after a crash
   * finds it rather than sending twice), then queued for the sender as if its author had pressed Send.
   */
  async dispatchPlanned(input: { workload: Workload; noticeId: string; content: NoticeContent; audience: Audience; author: Person; approvedBy?: Person }): Promise<Notice | undefined> {
    const now = this.now();
    await this.notices.saveDraft(draftNotice({ workload: input.workload, noticeId: input.noticeId, content: input.content, audience: input.audience, actor: input.author, now }));
    const result = await this.notices.change(input.workload.workloadId, input.noticeId, (current) =>
      current.status === 'draft'
        ? { kind: 'changed', notice: { ...current, status: 'sending', sentAt: now, rev: current.rev + 1, ...(input.approvedBy ? { approvedBy: input.approvedBy } : {}) } }
        : { kind: 'unchanged', notice: current },
    );
    // Queued again when it was already sending: the outbox entry is idempotent, and a crash may have come before it.
    if (result && (result.kind === 'changed' || result.notice.status === 'sending')) await this.activate({ kind: 'changed', notice: result.notice });
    return result?.notice;
  }

  /** Queues a changed notice for the sender; the notice is written first so a sender never settles it unseen. */
  private async activate(result: NoticeResult | undefined): Promise<void> {
    if (result?.kind !== 'changed') return;
    const notice = result.notice;
    if (notice.status === 'draft' || notice.status === 'awaitingApproval') return;
    // A scheduled notice waits in the outbox (in Cosmos DB, so a restart keeps it) until it is due.
    const dueAt = notice.status === 'scheduled' && notice.schedule ? { dueAt: Date.parse(notice.schedule.at) } : {};
    await this.coordination.enqueue({ tenantId: notice.tenantId, workloadId: notice.workloadId, noticeId: notice.id, ...dueAt });
    this.wake();
  }
}

function randomSuffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
}
