import { canonicalTimeZone, parseLocal, readInZone } from '../shared/zonedTime';
import type { Person, Workload, WorkloadScope } from '../release/model';
import { holdsRole, slugOfWorkloadId, workloadIdOf } from '../release/rules';
import { Audience, Delivery, DeliveryStatus, Notice, NoticeContent, NOTICE_KINDS, NoticeKind, NoticeSchedule, Progress, Recipient } from './model';

/** Pure broadcast rules: no I/O, no clock, no randomness. Callers pass time and ids in. */

export const MAX_TITLE_LENGTH = 120;
export const MAX_BODY_LENGTH = 4000;
export const MAX_FIELD_LENGTH = 300;

/** The compose card's inputs, as strings, untrusted. */
export interface ContentInput {
  kind: string;
  title: string;
  body: string;
  startDate?: string;
  startTime?: string;
  endDate?: string;
  endTime?: string;
  timeZone?: string;
  impact?: string;
  contact?: string;
  changePlanUrl?: string;
}

/** A new notice as its author composed it: a draft at its first revision, not yet previewed or sent. */
export function draftNotice(input: { workload: Workload; noticeId: string; content: NoticeContent; audience: Audience; actor: Person; schedule?: NoticeSchedule; now: string }): Notice {
  return {
    id: input.noticeId,
    workloadId: input.workload.workloadId,
    type: 'notice',
    tenantId: input.workload.scope.tenantId,
    workloadName: input.workload.name,
    content: input.content,
    audience: input.audience,
    author: input.actor,
    status: 'draft',
    rev: 1,
    contentRev: 1,
    recalled: false,
    remindRev: 0,
    fannedOut: false,
    total: 0,
    ...(input.schedule ? { schedule: input.schedule } : {}),
    createdAt: input.now,
  };
}

export type ContentCheck = { ok: true; content: NoticeContent } | { ok: false; message: string };

const clean = (value: string | undefined): string => (value ?? '').normalize('NFC').trim();

function localDateTime(date: string, time: string, label: string): { value?: string; message?: string } {
  if (!date && !time) return {};
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return { message: `Give the ${label} date as a date, or leave both ${label} fields empty.` };
  const hhmm = time || '00:00';
  if (!/^\d{2}:\d{2}(:\d{2})?$/.test(hhmm)) return { message: `Give the ${label} time as hours and minutes.` };
  const value = `${date}T${hhmm.slice(0, 5)}`;
  if (Number.isNaN(Date.parse(`${value}:00Z`))) return { message: `The ${label} date does not exist.` };
  return { value };
}

/** A notice's title (one line) and body as typed, or the sentence that says what is wrong with them. */
export function checkTitleAndBody(rawTitle: string | undefined, rawBody: string | undefined): { ok: true; title: string; body: string } | { ok: false; message: string } {
  const title = clean(rawTitle).replace(/\s+/g, ' ');
  if (!title) return { ok: false, message: 'Give the notice a title.' };
  if (title.length > MAX_TITLE_LENGTH) return { ok: false, message: `Keep the title under ${MAX_TITLE_LENGTH} characters.` };
  const body = clean(rawBody);
  if (!body) return { ok: false, message: 'Say what is changing in the body of the notice.' };
  if (body.length > MAX_BODY_LENGTH) return { ok: false, message: `Keep the body under ${MAX_BODY_LENGTH} characters.` };
  return { ok: true, title, body };
}

/** Checks what an author typed into the compose card and turns it into notice content. */
export function checkContent(input: ContentInput): ContentCheck {
  const kind = clean(input.kind) as NoticeKind;
  if (!NOTICE_KINDS.includes(kind)) return { ok: false, message: 'Pick what kind of notice this is.' };
  const text = checkTitleAndBody(input.title, input.body);
  if (!text.ok) return text;
  const { title, body } = text;
  const start = localDateTime(clean(input.startDate), clean(input.startTime), 'start');
  if (start.message) return { ok: false, message: start.message };
  const end = localDateTime(clean(input.endDate), clean(input.endTime), 'end');
  if (end.message) return { ok: false, message: end.message };
  if (end.value && !start.value) return { ok: false, message: 'Give a start with the end.' };
  if (start.value && end.value && end.value <= start.value) return { ok: false, message: 'The end must come after the start.' };
  if (kind === 'downtime' && !(start.value && end.value)) return { ok: false, message: 'A downtime window needs a start and an end.' };
  const timeZone = clean(input.timeZone) || 'UTC';
  if (!canonicalTimeZone(timeZone)) return { ok: false, message: `"${timeZone}" is not a time zone Liftoff knows; use a name such as Europe/Paris or UTC.` };
  const optional: Record<'impact' | 'contact' | 'changePlanUrl', string> = {
    impact: clean(input.impact),
    contact: clean(input.contact),
    changePlanUrl: clean(input.changePlanUrl),
  };
  for (const [name, value] of Object.entries(optional)) {
    if (value.length > MAX_FIELD_LENGTH) return { ok: false, message: `Keep the ${name === 'changePlanUrl' ? 'change plan link' : name} under ${MAX_FIELD_LENGTH} characters.` };
  }
  if (optional.changePlanUrl && !/^https:\/\/[^\s]+$/i.test(optional.changePlanUrl)) {
    return { ok: false, message: 'The change plan link must be an https:// address.' };
  }
  return {
    ok: true,
    content: {
      kind,
      title,
      body,
      ...(start.value ? { startsAt: start.value, timeZone } : {}),
      ...(end.value ? { endsAt: end.value } : {}),
      ...(optional.impact ? { impact: optional.impact } : {}),
      ...(optional.contact ? { contact: optional.contact } : {}),
      ...(optional.changePlanUrl ? { changePlanUrl: optional.changePlanUrl } : {}),
    },
  };
}

export type ScheduleCheck = { ok: true; schedule?: NoticeSchedule } | { ok: false; message: string };

/** Checks the "Send at" of the compose card: empty sends on Send; else a time to come, read in the card's time zone. */
export function checkSchedule(input: { sendDate?: string; sendTime?: string; timeZone?: string }, now: string): ScheduleCheck {
  const date = clean(input.sendDate);
  const time = clean(input.sendTime);
  if (!date && !time) return { ok: true };
  const timeZone = canonicalTimeZone(clean(input.timeZone) || 'UTC');
  if (!timeZone) return { ok: false, message: 'Pick a time zone Liftoff knows for the time to send.' };
  const local = parseLocal(date, time || '00:00');
  if (!local.ok) return { ok: false, message: local.problem === 'unreal' ? 'The date to send does not exist.' : 'Give the time to send as a date and a time, or leave both empty.' };
  const read = readInZone(local.wall, timeZone);
  if (read.kind === 'skipped') return { ok: false, message: `The clocks skip ${date} ${time} in ${timeZone}; pick another time to send.` };
  if (read.at <= Date.parse(now)) return { ok: false, message: 'The time to send has passed; pick a time to come, or leave it empty to send on Send.' };
  return { ok: true, schedule: { local: `${date}T${(time || '00:00').slice(0, 5)}`, timeZone, at: new Date(read.at).toISOString() } };
}

/** Where a notice goes once it may go: scheduled while its time is to come, else sending now. */
function goOut(notice: Notice, now: string): Partial<Notice> {
  return notice.schedule && Date.parse(notice.schedule.at) > Date.parse(now) ? { status: 'scheduled' } : { status: 'sending', sentAt: now };
}

/** The sender takes up a scheduled notice: sending once its time has come, unchanged before. */
export function startIfDue(notice: Notice, now: string): NoticeResult {
  if (notice.status !== 'scheduled' || !notice.schedule || Date.parse(notice.schedule.at) > Date.parse(now)) return { kind: 'unchanged', notice };
  return changed(notice, { status: 'sending', sentAt: now });
}

/** A notice id people can type: the workload's slug and six base36 characters. */
export function noticeIdOf(workloadId: string, suffix: string): string {
  return `${slugOfWorkloadId(workloadId)}.${suffix}`;
}

/** The workload a notice belongs to, from its id and the team or chat of the person asking. */
export function workloadIdOfNotice(scope: Pick<WorkloadScope, 'tenantId' | 'scopeId'>, noticeId: string): string | undefined {
  const match = /^([\p{L}\p{N}-]+)\.([a-z0-9]{6})$/u.exec(noticeId.trim().toLowerCase());
  return match ? workloadIdOf(scope, match[1]!) : undefined;
}

/** Characters Cosmos DB does not allow in an id. */
const ID_UNSAFE = /[/\\?#]/g;

const personKeyOf = (aadObjectId: string): string => `user:${aadObjectId}`;
const conversationKeyOf = (conversationId: string): string => `conv:${conversationId.replace(ID_UNSAFE, '_')}`;

/** The natural key of a recipient: one person is one recipient, one conversation is one recipient. */
export function recipientKeyOf(recipient: Recipient): string {
  return recipient.kind === 'person' ? personKeyOf(recipient.aadObjectId) : conversationKeyOf(recipient.conversationId);
}

/**
 * The recipient keys that let a person acknowledge from a conversation: their own 1:1 copy, or the copy posted
 * in the conversation they press Acknowledge in (a channel member acknowledging the card in that channel).
 */
export function ackRecipientKeys(aadObjectId: string, conversationIds: readonly string[]): string[] {
  return [...new Set([personKeyOf(aadObjectId), ...conversationIds.map(conversationKeyOf)])];
}

export const NOT_SENT_TO_YOU = 'This notice was not sent to you, so there is nothing for you to acknowledge; nothing was recorded.';

export type AckDecision = { kind: 'accept' } | { kind: 'recalled' } | { kind: 'refused'; message: string };

/** An acknowledgement counts only from a recipient of a notice that was sent; `deliveries` are the ones found for ackRecipientKeys. */
export function decideAcknowledgement(notice: Pick<Notice, 'status' | 'sentAt' | 'recalled'>, deliveries: ReadonlyArray<Pick<Delivery, 'status'>>): AckDecision {
  const sent = notice.status === 'sending' || notice.status === 'sent' || (notice.status === 'cancelled' && notice.sentAt !== undefined);
  // A cancelled delivery was never sent: its recipient has no copy to acknowledge.
  if (!sent || !deliveries.some((d) => d.status !== 'cancelled')) return { kind: 'refused', message: NOT_SENT_TO_YOU };
  return notice.recalled ? { kind: 'recalled' } : { kind: 'accept' };
}

export const deliveryIdOf = (noticeId: string, recipientKey: string): string => `${noticeId}:${recipientKey}`;
export const ackIdOf = (noticeId: string, aadObjectId: string): string => `${noticeId}:${aadObjectId}`;

/** Recipients with duplicates removed (the first address of each key wins). */
export function uniqueRecipients(recipients: Iterable<Recipient>): Array<{ key: string; recipient: Recipient }> {
  const byKey = new Map<string, Recipient>();
  for (const recipient of recipients) {
    const key = recipientKeyOf(recipient);
    if (!byKey.has(key)) byKey.set(key, recipient);
  }
  return [...byKey].map(([key, recipient]) => ({ key, recipient }));
}

export function newDelivery(notice: Pick<Notice, 'id' | 'workloadId' | 'tenantId' | 'contentRev' | 'remindRev'>, key: string, recipient: Recipient): Delivery {
  return {
    id: deliveryIdOf(notice.id, key),
    workloadId: notice.workloadId,
    type: 'delivery',
    tenantId: notice.tenantId,
    noticeId: notice.id,
    recipientKey: key,
    recipient,
    status: 'pending',
    attempts: 0,
    appliedRev: notice.contentRev,
    remindedRev: notice.remindRev,
  };
}

export function audienceIsEmpty(audience: Audience): boolean {
  return !audience.here && audience.channelIds.length === 0 && audience.teamIds.length === 0 && audience.people.length === 0 && !audience.everyone;
}

/** Change managers and project managers compose notices. */
export function mayCompose(workload: Workload, aadObjectId: string): boolean {
  return holdsRole(workload, 'changeManager', aadObjectId) || holdsRole(workload, 'projectManager', aadObjectId);
}

/** The author and the workload's change managers manage a notice (cancel, re-send, update, recall, remind). */
export function mayManage(workload: Workload, notice: Notice, aadObjectId: string): boolean {
  return notice.author.aadObjectId === aadObjectId || holdsRole(workload, 'changeManager', aadObjectId);
}

/** What a rule decided about a notice. */
export type NoticeResult = { kind: 'changed'; notice: Notice } | { kind: 'unchanged'; notice: Notice } | { kind: 'refused'; message: string; notice: Notice };

const changed = (notice: Notice, patch: Partial<Notice>): NoticeResult => ({ kind: 'changed', notice: { ...notice, ...patch, rev: notice.rev + 1 } });

/** The author asks to send a previewed notice: straight to sending, or to a second change manager first. */
export function requestSend(notice: Notice, request: { workload: Workload; actor: Person; approvalRequired: boolean; rev: number; now: string }): NoticeResult {
  const refuse = (message: string): NoticeResult => ({ kind: 'refused', message, notice });
  if (notice.status === 'sending' || notice.status === 'sent' || notice.status === 'scheduled') return { kind: 'unchanged', notice };
  if (notice.status === 'awaitingApproval') return request.approvalRequired ? { kind: 'unchanged', notice } : refuse('This notice is waiting for approval.');
  if (notice.status === 'cancelled') return refuse('This notice was discarded; compose a new one with notify.');
  if (!mayCompose(request.workload, request.actor.aadObjectId)) return refuse('Only a change manager or the project manager of this workload can send a notice.');
  if (notice.author.aadObjectId !== request.actor.aadObjectId) return refuse(`Only ${notice.author.name}, who wrote this notice, can send it.`);
  if (request.rev !== notice.rev) return refuse('This preview is out of date. Here is the current one; check it and press Send again.');
  if (audienceIsEmpty(notice.audience)) return refuse('Choose who gets the notice: this conversation, channels, teams, people or everyone.');
  if (request.approvalRequired) return changed(notice, { status: 'awaitingApproval' });
  return changed(notice, goOut(notice, request.now));
}

/** A second change manager approves a notice waiting for approval; it is sent at once. */
export function approve(notice: Notice, request: { workload: Workload; actor: Person; now: string }): NoticeResult {
  const refuse = (message: string): NoticeResult => ({ kind: 'refused', message, notice });
  if ((notice.status === 'sending' || notice.status === 'sent' || notice.status === 'scheduled') && notice.approvedBy?.aadObjectId === request.actor.aadObjectId) return { kind: 'unchanged', notice };
  if (notice.status !== 'awaitingApproval') return refuse('This notice is not waiting for approval.');
  if (notice.author.aadObjectId === request.actor.aadObjectId) return refuse('A second change manager must approve this notice; the author cannot approve their own.');
  if (!holdsRole(request.workload, 'changeManager', request.actor.aadObjectId)) return refuse('Only a change manager of this workload can approve a notice.');
  return changed(notice, { ...goOut(notice, request.now), approvedBy: request.actor });
}

/** Stops a send in flight: recipients not yet reached get nothing. */
export function cancel(notice: Notice, request: { workload: Workload; actor: Person; now: string }): NoticeResult {
  if (notice.status === 'cancelled') return { kind: 'unchanged', notice };
  if (!mayManage(request.workload, notice, request.actor.aadObjectId)) return { kind: 'refused', message: 'Only the author or a change manager can cancel this notice.', notice };
  if (notice.status === 'sent') return { kind: 'refused', message: 'This notice has already reached everyone it could; recall it instead.', notice };
  return changed(notice, { status: 'cancelled', finishedAt: request.now });
}

const sentOrCancelled = (notice: Notice): boolean => notice.status === 'sent' || notice.status === 'cancelled' || notice.status === 'sending';

/** Replaces the content of a sent notice; every copy already delivered is updated in place. */
export function updateContent(notice: Notice, request: { workload: Workload; actor: Person; content: NoticeContent; rev: number }): NoticeResult {
  if (!mayManage(request.workload, notice, request.actor.aadObjectId)) return { kind: 'refused', message: 'Only the author or a change manager can update this notice.', notice };
  if (notice.recalled) return { kind: 'refused', message: 'This notice was recalled; compose a new one.', notice };
  if (!sentOrCancelled(notice)) return { kind: 'refused', message: 'Only a notice that was sent can be updated; edit the preview instead.', notice };
  if (JSON.stringify(notice.content) === JSON.stringify(request.content)) return { kind: 'unchanged', notice };
  if (request.rev !== notice.rev) return { kind: 'refused', message: 'The notice changed since this card was shown. Here is the current progress.', notice };
  return changed(notice, { content: request.content, contentRev: notice.contentRev + 1 });
}

/** Deletes every delivered copy. */
export function recall(notice: Notice, request: { workload: Workload; actor: Person }): NoticeResult {
  if (notice.recalled) return { kind: 'unchanged', notice };
  if (!mayManage(request.workload, notice, request.actor.aadObjectId)) return { kind: 'refused', message: 'Only the author or a change manager can recall this notice.', notice };
  if (!sentOrCancelled(notice)) return { kind: 'refused', message: 'Nothing was sent yet; discard the preview instead.', notice };
  return changed(notice, { recalled: true, contentRev: notice.contentRev + 1, status: notice.status === 'sending' ? 'cancelled' : notice.status });
}

/** Starts a reminder round for people who have not acknowledged. */
export function remind(notice: Notice, request: { workload: Workload; actor: Person }): NoticeResult {
  if (!mayManage(request.workload, notice, request.actor.aadObjectId)) return { kind: 'refused', message: 'Only the author or a change manager can send reminders for this notice.', notice };
  if (notice.recalled) return { kind: 'refused', message: 'This notice was recalled; there is nothing to acknowledge.', notice };
  if (notice.status !== 'sent' && notice.status !== 'sending') return { kind: 'refused', message: 'Send the notice before reminding people to acknowledge it.', notice };
  return changed(notice, { remindRev: notice.remindRev + 1 });
}

/** What the sender does next for a delivery. */
export type DeliveryAction = 'send' | 'update' | 'delete' | 'remind' | 'cancel' | 'uncertain' | 'none';

/** The author's choice about deliveries that may have reached their recipients. */
export type UncertainChoice = 'resend' | 'leave';

/** The author decides what happens to the uncertain deliveries: send them again (a recipient may get two copies), or leave them. */
export function decideUncertain(notice: Notice, request: { workload: Workload; actor: Person; choice: UncertainChoice; uncertain: number; now: string }): NoticeResult {
  if (!mayManage(request.workload, notice, request.actor.aadObjectId)) return { kind: 'refused', message: 'Only the author or a change manager can decide about the uncertain deliveries.', notice };
  if (notice.recalled) return { kind: 'refused', message: 'This notice was recalled; there is nothing to send again.', notice };
  if (request.uncertain === 0) return { kind: 'refused', message: 'No delivery is uncertain; there is nothing to decide.', notice };
  if (request.choice === 'leave') return notice.uncertainLeft ? { kind: 'unchanged', notice } : changed(notice, { uncertainLeft: { by: request.actor, at: request.now } });
  return changed(notice, { status: 'sending' });
}

export function nextAction(
  notice: Pick<Notice, 'status' | 'recalled' | 'contentRev' | 'remindRev'>,
  delivery: Pick<Delivery, 'status' | 'appliedRev' | 'remindedRev' | 'recipient' | 'activityId'>,
): DeliveryAction {
  if (delivery.status === 'pending') return notice.status === 'sending' && !notice.recalled ? 'send' : notice.status === 'cancelled' || notice.recalled ? 'cancel' : 'none';
  // Claimed by a sender that is gone: the message may have reached the recipient; never sent again blindly.
  if (delivery.status === 'claimed') return 'uncertain';
  if (delivery.status !== 'sent' || !delivery.activityId) return 'none';
  if (delivery.appliedRev < notice.contentRev) return notice.recalled ? 'delete' : 'update';
  if (!notice.recalled && delivery.recipient.kind === 'person' && delivery.remindedRev < notice.remindRev) return 'remind';
  return 'none';
}

/** Counts a notice's deliveries by outcome. */
export function countProgress(statuses: Iterable<DeliveryStatus>, acknowledged: number): Progress {
  const progress: Progress = { total: 0, sent: 0, pending: 0, blocked: 0, notFound: 0, failed: 0, uncertain: 0, cancelled: 0, recalled: 0, acknowledged };
  for (const status of statuses) {
    progress.total += 1;
    // A claimed delivery is one a sender is working on: still pending, as far as the author is concerned.
    progress[status === 'claimed' ? 'pending' : status] += 1;
  }
  return progress;
}
