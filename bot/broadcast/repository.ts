import type { TeamsTransport } from '../conversations/outbound';
import type { Ack, Delivery, DeliveryStatus, Notice, PersonAddress, Recipient } from './model';
import type { NoticeResult } from './rules';

/** Notices, their deliveries and acknowledgements, in the workload's partition. Implemented over Cosmos DB in bot/store. */
export interface NoticeRepository {
  /** The latest notices of a workload, newest first (a query: for the release board, not a per-action path). */
  latest(workloadId: string, limit: number): Promise<Notice[]>;
  get(workloadId: string, noticeId: string): Promise<Notice | undefined>;
  /** Stores a new draft, or replaces a draft still in draft state; 'conflict' when the id names a notice past its draft. */
  saveDraft(notice: Notice): Promise<'saved' | 'conflict'>;
  /** Re-reads the notice, applies the rule and stores the result guarded by its ETag; re-applies after a concurrent change. */
  change(workloadId: string, noticeId: string, rule: (current: Notice) => NoticeResult): Promise<NoticeResult | undefined>;
  /** Notices a sender still owes work: sending, or changed since a sender last settled them (a cross-partition query, run rarely). */
  unsettled(): Promise<OutboxEntry[]>;
  /** Finds a notice by id alone (the operator's command line; a cross-partition query). */
  find(noticeId: string): Promise<Notice | undefined>;

  /** Creates deliveries that do not exist yet (natural ids make a repeated fan-out harmless); returns how many were new. */
  addDeliveries(workloadId: string, deliveries: Delivery[]): Promise<number>;
  /** Deliveries of a notice that may need work (pending, claimed, or sent and possibly behind the notice), up to `limit`. */
  workFor(notice: Pick<Notice, 'id' | 'workloadId' | 'contentRev' | 'remindRev'>, limit: number, afterId?: string): Promise<Delivery[]>;
  /** Stores a delivery's new state, guarded by its ETag; resolves with the new ETag, or undefined when it changed meanwhile. */
  saveDelivery(delivery: Delivery): Promise<string | undefined>;
  /**
   * Stores several deliveries of one workload in transactional batches, each guarded by its ETag: per delivery, in order,
   * its new ETag, or undefined when it was not written (it changed meanwhile, or its batch failed as a whole).
   */
  saveDeliveries(workloadId: string, deliveries: Delivery[]): Promise<Array<string | undefined>>;
  getDelivery(workloadId: string, id: string): Promise<Delivery | undefined>;
  /** Every delivery of a notice (the export). */
  deliveries(workloadId: string, noticeId: string): Promise<Delivery[]>;
  /** The status of every delivery of a notice, for counting. */
  statuses(workloadId: string, noticeId: string): Promise<DeliveryStatus[]>;
  /** How many deliveries of a notice are in each state, counted a page at a time (no list as long as the audience). */
  statusCounts(workloadId: string, noticeId: string): Promise<Map<DeliveryStatus, number>>;
  /** Puts the deliveries in this state (failed, or uncertain when the author chose to send them again) back to pending; returns how many. */
  requeue(workloadId: string, noticeId: string, status: 'failed' | 'uncertain'): Promise<number>;

  /** Records an acknowledgement; 'exists' when this person already acknowledged. */
  acknowledge(ack: Ack): Promise<'created' | 'exists'>;
  getAck(workloadId: string, ackId: string): Promise<Ack | undefined>;
  acks(workloadId: string, noticeId: string): Promise<Ack[]>;
  countAcks(workloadId: string, noticeId: string): Promise<number>;
}

/** A notice with work for a sender, as the outbox lists it. */
export interface OutboxEntry {
  tenantId: string;
  workloadId: string;
  noticeId: string;
  /** A scheduled notice: epoch milliseconds before which no sender takes it up. */
  dueAt?: number;
}

/** Who sends for a tenant: one lease per tenant, held by one instance at a time. */
export interface Lease {
  tenantId: string;
  holder: string;
  /** Epoch milliseconds on the holder's clock. */
  expiresAt: number;
  /** Increases each time the lease changes hands. */
  epoch: number;
}

/** Coordination between Liftoff instances. Implemented over Cosmos DB in bot/store. */
export interface SenderCoordination {
  /** Adds a notice to the outbox (idempotent). */
  enqueue(entry: OutboxEntry): Promise<void>;
  /** Removes a notice from the outbox (idempotent). */
  dequeue(entry: OutboxEntry): Promise<void>;
  outbox(): Promise<OutboxEntry[]>;
  /** Takes or renews the tenant's lease for `holder` until `now + durationMs`; undefined when another holder's lease is still valid. */
  acquire(tenantId: string, holder: string, now: number, durationMs: number): Promise<Lease | undefined>;
  /** Gives the lease up so another instance can take over at once. */
  release(tenantId: string, holder: string): Promise<void>;
  lease(tenantId: string): Promise<Lease | undefined>;
}

/**
 * Talks to Teams for the sender: the pipeline's transport (bot/teams, over the Bot Connector, no retries of its own),
 * and creating the 1:1 conversation with a person. Throws DeliveryError.
 */
export interface DeliveryTransport extends TeamsTransport {
  /** Creates (or finds) the 1:1 conversation with a person; resolves with its id. */
  createPersonalConversation(person: PersonAddress, tenantId: string): Promise<string>;
}

/** Turns an audience into recipients: stored installs, and team rosters read from Teams. */
export interface RecipientDirectory {
  channels(tenantId: string, channelIds: string[]): Promise<Recipient[]>;
  teamMembers(tenantId: string, teamId: string): Promise<Recipient[]>;
  everyone(tenantId: string): Promise<Recipient[]>;
  /** Everyone, a page of at most `pageSize` recipients at a time (the fan-out: flat memory whatever the tenant's size). */
  everyoneInPages(tenantId: string, pageSize: number): AsyncIterable<Recipient[]>;
  /** The stored 1:1 conversation with a person, when they installed Liftoff. */
  personalConversation(aadObjectId: string): Promise<string | undefined>;
  /** Keeps a 1:1 conversation created to reach a person. */
  rememberPersonalConversation(person: PersonAddress, tenantId: string, conversationId: string): Promise<void>;
}
