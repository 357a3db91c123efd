import type { Card } from '../../cards/render';
import type { ConversationRecord } from './model';

/** A conversation Liftoff can speak into: a stored record, or the reference of the current turn. */
export type ConversationTarget = Pick<ConversationRecord, 'conversationId' | 'serviceUrl' | 'tenantId' | 'reference'>;

/** Why a message could not be delivered, in terms a sender can act on. */
export class DeliveryError extends Error {
  constructor(
    /** HTTP status from Teams (0 when no answer came back). */
    readonly status: number,
    /** Teams' error code, e.g. ConversationBlockedByUser, MessageWritesBlocked, ConversationNotFound, Throttled. */
    readonly code: string,
    /** How long Teams asked us to wait, from Retry-After, in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(`delivery failed with ${status} ${code}`);
    this.name = 'DeliveryError';
  }
}

/**
 * Proactive messages, outside a turn: the only way the capabilities talk to Teams on their own.
 * Implemented over the Bot Framework adapter in bot/teams/messenger.ts.
 */
export interface Messenger {
  /** Posts a card as a new message; resolves with the message's activity id. */
  post(target: ConversationTarget, card: Card, summary?: string): Promise<string>;
  /** Replaces the card of a message already sent, for everyone who sees it. */
  update(target: ConversationTarget, activityId: string, card: Card): Promise<void>;
  /** Deletes a message already sent. */
  remove(target: ConversationTarget, activityId: string): Promise<void>;
}
