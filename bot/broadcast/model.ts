import type { Person } from '../release/model';

/** Change communication: notices to channels and people, one delivery per recipient, acknowledgements. */

export const NOTICE_KINDS = ['upcomingChange', 'downtime', 'goLive', 'rollback', 'general'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export const NOTICE_KIND_TITLES: Record<NoticeKind, string> = {
  upcomingChange: 'Upcoming change',
  downtime: 'Downtime window',
  goLive: 'Go-live',
  rollback: 'Rollback',
  general: 'General',
};

/** What a notice says, as the author composed it. */
export interface NoticeContent {
  kind: NoticeKind;
  title: string;
  /** Markdown, as Adaptive Card TextBlocks render it. */
  body: string;
  /** Local date and time as typed (YYYY-MM-DDTHH:mm), read in `timeZone`. */
  startsAt?: string;
  endsAt?: string;
  timeZone?: string;
  impact?: string;
  contact?: string;
  /** Link to the business change plan. */
  changePlanUrl?: string;
}

/** A conversation Liftoff can post into, as a delivery needs it. */
export interface ConversationAddress {
  conversationId: string;
  serviceUrl: string;
  name?: string;
}

/** A person reached 1:1; the conversation is known from their install, or created on first send. */
export interface PersonAddress {
  aadObjectId: string;
  /** The Teams user id (`29:...`), needed to create a 1:1 conversation. */
  teamsUserId: string;
  name: string;
  serviceUrl: string;
  conversationId?: string;
}

/** Who a notice goes to: any combination of these. */
export interface Audience {
  /** The conversation where the notice was composed. */
  here?: ConversationAddress;
  /** Channels of teams where Liftoff is installed, by channel id. */
  channelIds: string[];
  /** Teams whose every member gets the notice 1:1, by team id. */
  teamIds: string[];
  /** Chosen people, resolved from the roster when composed. */
  people: PersonAddress[];
  /** Everyone who has Liftoff installed in a personal chat. */
  everyone: boolean;
}

export type NoticeStatus = 'draft' | 'awaitingApproval' | 'scheduled' | 'sending' | 'sent' | 'cancelled';

/** When a notice goes out: the time its author typed, in their time zone, and the instant it names. */
export interface NoticeSchedule {
  /** YYYY-MM-DDTHH:mm, as typed. */
  local: string;
  timeZone: string;
  /** The instant, UTC ISO. */
  at: string;
}

/** The message whose card shows the author the progress of a send. */
export interface ProgressMessage {
  conversationId: string;
  serviceUrl: string;
  activityId: string;
}

export interface Notice {
  /** `<workload slug>.<6 base36 characters>`, typed by people in `remind-ack`. */
  id: string;
  workloadId: string;
  type: 'notice';
  tenantId: string;
  workloadName: string;
  content: NoticeContent;
  audience: Audience;
  author: Person;
  status: NoticeStatus;
  /** Increases with every change a card could act on; cards carry it to tell stale from current. */
  rev: number;
  /** Revision of the content; deliveries already sent are updated in place when it grows. */
  contentRev: number;
  /** Recalled: every sent copy is deleted. */
  recalled: boolean;
  /** Increases with each `remind-ack`; people who have not acknowledged get one reminder per round. */
  remindRev: number;
  /** The revision a sender last finished all work for. */
  settledRev?: number;
  /** True once every recipient has a delivery document. */
  fannedOut: boolean;
  total: number;
  approvedBy?: Person;
  progress?: ProgressMessage;
  /** Sent when due rather than when Send is pressed. */
  schedule?: NoticeSchedule;
  /** The author chose to leave the uncertain deliveries as they are (not to send them again). */
  uncertainLeft?: { by: Person; at: string };
  createdAt: string;
  sentAt?: string;
  finishedAt?: string;
  _etag?: string;
}

/**
 * `claimed`: a sender is about to post it, or posted it and has not recorded the answer yet. A claimed delivery a
 * sender finds that it did not claim itself (its sender died) becomes `uncertain`: it may have reached the recipient,
 * so it is not sent again unless the author asks.
 */
export type DeliveryStatus = 'pending' | 'claimed' | 'sent' | 'blocked' | 'notFound' | 'failed' | 'uncertain' | 'cancelled' | 'recalled';
export const FINAL_FAILURES: readonly DeliveryStatus[] = ['blocked', 'notFound', 'failed'];

export type Recipient = ({ kind: 'conversation' } & ConversationAddress) | ({ kind: 'person' } & PersonAddress);

/** One recipient of one notice; written before anything is sent. Id: `noticeId:recipientKey`. */
export interface Delivery {
  id: string;
  workloadId: string;
  type: 'delivery';
  tenantId: string;
  noticeId: string;
  recipientKey: string;
  recipient: Recipient;
  status: DeliveryStatus;
  attempts: number;
  /** Teams' id of the message, kept to update or recall it. */
  activityId?: string;
  /** The content revision the recipient's copy shows. */
  appliedRev: number;
  /** The reminder round this recipient last got. */
  remindedRev: number;
  /** Whether the 1:1 conversation was recreated after a 404 (done at most once). */
  recreated?: boolean;
  lastError?: string;
  sentAt?: string;
  finishedAt?: string;
  _etag?: string;
}

/** One acknowledgement per person and notice. Id: `noticeId:aadObjectId`. */
export interface Ack {
  id: string;
  workloadId: string;
  type: 'ack';
  noticeId: string;
  by: Person;
  at: string;
  /** Where the person pressed Acknowledge. */
  conversationId: string;
}

/** How far a send has come, as the author's progress card shows it. */
export interface Progress {
  total: number;
  sent: number;
  pending: number;
  blocked: number;
  notFound: number;
  failed: number;
  /** Maybe reached: a sender stopped between posting and recording; the author decides. */
  uncertain: number;
  cancelled: number;
  recalled: number;
  acknowledged: number;
}

/** A notice as the workload's checklist shows it (bot/release/model.ts WorkloadSummaries). */
export interface NoticeSummary {
  id: string;
  title: string;
  status: NoticeStatus;
  recalled: boolean;
  createdAt: string;
}

export const noticeSummaryOf = (notice: Notice): NoticeSummary => ({ id: notice.id, title: notice.content.title, status: notice.status, recalled: notice.recalled, createdAt: notice.createdAt });
