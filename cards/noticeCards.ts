import { Template } from 'adaptivecards-templating';
import composeTemplate from './templates/noticeCompose.json';
import noticeTemplate from './templates/notice.json';
import progressTemplate from './templates/noticeProgress.json';
import type { Card, CardAction, Notice as Banner } from './render';
import { linkTarget, personText } from './text';
import { NOTICE_KINDS, NOTICE_KIND_TITLES, Notice, NoticeContent, NoticeKind, NoticeSchedule, Progress } from '../bot/broadcast/model';
import { TIME_ZONES } from '../bot/shared/zonedTime';
import { formatWallClock, formatWhen } from '../bot/shared/dates';
import type { Person } from '../bot/release/model';

function expand(template: object, data: object): Card {
  return new Template(template).expand({ $root: data }) as Card;
}

const bannerFields = (banner?: Banner) => ({ notice: banner?.text ?? '', noticeStyle: banner?.tone === 'good' ? 'good' : 'attention' });

const KIND_COLOR: Record<NoticeKind, string> = { upcomingChange: 'accent', downtime: 'warning', goLive: 'good', rollback: 'attention', general: 'default' };

type ActionSpec = CardAction & { style?: 'positive' | 'destructive' };
const actions = (list: ActionSpec[]) => list.map((a) => ({ ...a, style: a.style ?? 'default' }));

/** A choice offered on the compose card. */
export interface Choice {
  title: string;
  value: string;
}

export interface ComposeData {
  workloadId: string;
  workloadName: string;
  noticeId: string;
  /** A sent notice being updated: no audience, and the button updates every copy. */
  updating?: { rev: number };
  content?: Partial<NoticeContent>;
  /** When the draft is to go out, if scheduled. */
  schedule?: NoticeSchedule;
  channels: Choice[];
  teams: Choice[];
  people: Person[];
  banner?: Banner;
  /** The audience the author had picked when the card comes back with a sentence: every input keeps its value. */
  picked?: { here: boolean; everyone: boolean; channels: string[]; teams: string[]; people: string[] };
}

/** A schedule as its author typed it: the local date and time, and the zone. */
const scheduledFor = (schedule: NoticeSchedule): string => `${schedule.local.replace('T', ' ')} (${schedule.timeZone})`;

const datePart = (local?: string): string => local?.slice(0, 10) ?? '';
const timePart = (local?: string): string => local?.slice(11, 16) ?? '';

/** The compose form; also the edit form of a draft, and the update form of a sent notice. */
export function renderNoticeCompose(data: ComposeData): Card {
  const c = data.content ?? {};
  const ids = { workloadId: data.workloadId, noticeId: data.noticeId };
  return expand(composeTemplate, {
    ...bannerFields(data.banner),
    heading: data.updating ? `Update the notice for ${data.workloadName}` : `Compose a notice for ${data.workloadName}`,
    explanation: data.updating ? 'Every copy already delivered is updated in place.' : 'You get a preview first; nothing is sent until you press Send.',
    kind: c.kind ?? 'upcomingChange',
    kinds: NOTICE_KINDS.map((k) => ({ title: NOTICE_KIND_TITLES[k], value: k })),
    title: c.title ?? '',
    body: c.body ?? '',
    startDate: datePart(c.startsAt),
    startTime: timePart(c.startsAt),
    endDate: datePart(c.endsAt),
    endTime: timePart(c.endsAt),
    sendDate: datePart(data.schedule?.local),
    sendTime: timePart(data.schedule?.local),
    timeZone: c.timeZone ?? data.schedule?.timeZone ?? 'UTC',
    timeZones: [...TIME_ZONES, ...(c.timeZone && !(TIME_ZONES as readonly string[]).includes(c.timeZone) ? [c.timeZone] : [])],
    impact: c.impact ?? '',
    contact: c.contact ?? '',
    changePlanUrl: c.changePlanUrl ?? '',
    chooseAudience: !data.updating,
    here: String(data.picked?.here ?? false),
    everyone: String(data.picked?.everyone ?? false),
    picked_channels: (data.picked?.channels ?? []).join(','),
    picked_teams: (data.picked?.teams ?? []).join(','),
    picked_people: (data.picked?.people ?? []).join(','),
    channels: data.channels,
    teams: data.teams,
    people: data.people,
    actions: data.updating
      ? actions([
          { title: 'Update everywhere', verb: 'notice.update', style: 'positive', data: { ...ids, rev: data.updating.rev } },
          { title: 'Back to progress', verb: 'notice.progress', data: ids },
        ])
      : actions([{ title: 'Preview', verb: 'notice.preview', style: 'positive', data: ids }]),
  });
}

function when(content: NoticeContent): string {
  if (!content.startsAt) return '';
  const zone = content.timeZone ?? 'UTC';
  const start = formatWallClock(content.startsAt, zone);
  return content.endsAt ? `${start} to ${formatWallClock(content.endsAt, zone)}` : start;
}

/** How the notice card is shown: to a recipient, to the author as a preview, or to a second change manager for approval. */
export type NoticeView =
  { mode: 'recipient'; acknowledged?: { at: string } } | { mode: 'reminder' } | { mode: 'preview'; audience: string } | { mode: 'approval'; audience: string } | { mode: 'recalled' };

/** The notice as recipients see it, with Acknowledge; or the author's preview, with Send. */
export function renderNotice(notice: Notice, view: NoticeView, banner?: Banner): Card {
  const c = notice.content;
  const ids = { workloadId: notice.workloadId, noticeId: notice.id };
  const facts = [
    ...(when(c) ? [{ title: 'When', value: when(c) }] : []),
    ...(c.impact ? [{ title: 'Impact', value: personText(c.impact) }] : []),
    ...(c.contact ? [{ title: 'Contact', value: personText(c.contact) }] : []),
    { title: 'From', value: notice.author.name },
  ];
  let bannerText = banner?.text ?? '';
  let bannerStyle = banner?.tone === 'good' ? 'good' : 'attention';
  let footer = '';
  let list: ActionSpec[] = [];
  switch (view.mode) {
    case 'recipient':
      if (view.acknowledged) footer = `You acknowledged this notice on ${formatWhen(view.acknowledged.at)}.`;
      else list = [{ title: 'Acknowledge', verb: 'notice.ack', style: 'positive', data: ids }];
      if (notice.contentRev > 1) footer = `${footer ? `${footer} ` : ''}This notice was updated.`;
      break;
    case 'reminder':
      bannerText = bannerText || 'Reminder: please read this notice and acknowledge it.';
      bannerStyle = 'warning';
      list = [{ title: 'Acknowledge', verb: 'notice.ack', style: 'positive', data: ids }];
      break;
    case 'preview':
      bannerText = bannerText || `Preview: this is what recipients will see. It goes to ${view.audience}${notice.schedule ? ` on ${scheduledFor(notice.schedule)}` : ''}.`;
      bannerStyle = banner?.tone === 'attention' ? 'attention' : 'emphasis';
      list = [
        { title: 'Send', verb: 'notice.send', style: 'positive', data: { ...ids, rev: notice.rev } },
        { title: 'Edit', verb: 'notice.edit', data: ids },
        { title: 'Discard', verb: 'notice.discard', style: 'destructive', data: ids },
      ];
      break;
    case 'approval':
      bannerText = bannerText || `${notice.author.name} wants to send this notice to ${view.audience}. A second change manager must approve it first.`;
      bannerStyle = banner?.tone === 'good' ? 'good' : 'warning';
      list = [
        { title: 'Approve and send', verb: 'notice.approve', style: 'positive', data: ids },
        { title: 'Discard', verb: 'notice.discard', style: 'destructive', data: ids },
      ];
      break;
    case 'recalled':
      return expand(noticeTemplate, {
        banner: 'This notice was recalled by its author.',
        bannerStyle: 'attention',
        kindTitle: NOTICE_KIND_TITLES[c.kind],
        kindColor: 'default',
        workloadName: notice.workloadName,
        title: personText(c.title),
        body: 'It no longer applies.',
        facts: [],
        changePlanUrl: '',
        footer: '',
        actions: [],
      });
  }
  return expand(noticeTemplate, {
    banner: bannerText,
    bannerStyle,
    kindTitle: NOTICE_KIND_TITLES[c.kind],
    kindColor: KIND_COLOR[c.kind],
    workloadName: notice.workloadName,
    title: personText(c.title),
    body: personText(c.body),
    facts,
    changePlanUrl: c.changePlanUrl ? linkTarget(c.changePlanUrl) : '',
    footer,
    actions: actions(list),
  });
}

const STATUS_HEADING: Record<Notice['status'], string> = {
  draft: 'Draft notice',
  awaitingApproval: 'Waiting for approval',
  scheduled: 'Notice scheduled',
  sending: 'Sending the notice',
  sent: 'Notice sent',
  cancelled: 'Notice cancelled',
};

/** The author's progress card: counts while sending, a summary at the end, and what the author can do next. */
export function renderNoticeProgress(notice: Notice, progress: Progress, banner?: Banner): Card {
  const ids = { workloadId: notice.workloadId, noticeId: notice.id };
  const heading = notice.recalled ? 'Notice recalled' : STATUS_HEADING[notice.status];
  // Only the states some recipient is in: one recipient's card reads in three lines, not a column of zeros.
  const states: Array<[string, number]> = [
    ['Sent', progress.sent],
    ['Pending', progress.pending],
    ['Blocked', progress.blocked],
    ['Not found', progress.notFound],
    ['Failed', progress.failed],
    ['Uncertain', progress.uncertain],
    ['Cancelled', progress.cancelled],
    ['Recalled', progress.recalled],
  ];
  const facts = [
    { title: 'Recipients', value: String(progress.total || notice.total) },
    ...states.filter(([, n]) => n > 0).map(([title, n]) => ({ title, value: String(n) })),
    { title: 'Acknowledged', value: String(progress.acknowledged) },
  ];
  // Teams shows at most five actions: Refresh only while the counts move; the checklist is always one tap away.
  const list: ActionSpec[] = [{ title: 'Checklist', verb: 'workload.status', data: { workloadId: notice.workloadId } }];
  if (notice.status === 'sending') {
    list.push({ title: 'Refresh', verb: 'notice.progress', data: ids });
    list.push({ title: 'Cancel sending', verb: 'notice.cancel', style: 'destructive', data: ids });
  }
  if (notice.status === 'scheduled') list.push({ title: 'Cancel the scheduled notice', verb: 'notice.cancel', style: 'destructive', data: ids });
  if (!notice.recalled && (notice.status === 'sent' || notice.status === 'cancelled')) {
    if (progress.failed > 0) list.push({ title: `Re-send to ${progress.failed} failed`, verb: 'notice.resend', data: ids });
    list.push({ title: 'Update notice', verb: 'notice.edit', data: ids });
    list.push({ title: 'Remind to acknowledge', verb: 'notice.remind', data: ids });
    list.push({ title: 'Recall everywhere', verb: 'notice.recall', style: 'destructive', data: ids });
  }
  const undecided = progress.uncertain > 0 && !notice.recalled && !notice.uncertainLeft;
  if (undecided) {
    list.push({ title: `Re-send to ${progress.uncertain} uncertain`, verb: 'notice.uncertain', data: { ...ids, choice: 'resend' } });
    list.push({ title: 'Leave them', verb: 'notice.uncertain', data: { ...ids, choice: 'leave' } });
  }
  let footer = '';
  if (undecided)
    footer = `${progress.uncertain} ${progress.uncertain === 1 ? 'recipient' : 'recipients'} may have the notice already: a sender stopped between posting and recording. Re-send, and some may get it twice; leave them, and some may not get it.`;
  else if (notice.status === 'scheduled' && notice.schedule) footer = `Scheduled for ${scheduledFor(notice.schedule)}. Cancel before then and nobody gets it.`;
  else if (notice.status === 'sending') footer = 'This card updates itself every few seconds while the notice is being sent.';
  return expand(progressTemplate, {
    ...bannerFields(banner),
    heading,
    title: personText(notice.content.title),
    workloadName: notice.workloadName,
    noticeId: notice.id,
    facts,
    footer,
    actions: actions(list),
  });
}
