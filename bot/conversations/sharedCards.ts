import { createHash } from 'node:crypto';
import type { Logger } from '../log';
import type { LatestWins } from '../shared/coalesce';
import { ConversationTarget, DeliveryError } from './messenger';

/**
 * A message everyone in a conversation sees and Liftoff keeps in step with the store: a cycle's sign-off
 * card, a retro's channel card, or a workload's checklist in the message a person acted from (drawn
 * again, with a sentence on top, after a gate changed elsewhere).
 */
export type SharedCard =
  | { kind: 'signoff'; workloadId: string; cycleId: string }
  | { kind: 'retro'; workloadId: string; tenantId: string; retroId: string }
  | { kind: 'checklist'; workloadId: string; target: ConversationTarget; activityId: string; banner?: { text: string; tone: 'good' | 'attention' | 'info' } };

/**
 * The durable note that a shared card shows less than the store holds. Written once the change is
 * stored and before the person is answered, removed once the message is drawn again; what a crash
 * leaves behind is drawn at the next start.
 */
export interface CardSyncMarker {
  /** One per shared card, within the workload's partition: `cardsync:<kind>:<cycle or retro id>`. */
  id: string;
  type: 'cardSync';
  workloadId: string;
  card: SharedCard;
  /** When the last change asked for a redraw; increases with every request of this process. */
  requestedAt: string;
  /** The same moment in milliseconds, strictly increasing within a process. */
  sequence: number;
}

export function cardSyncId(card: SharedCard): string {
  if (card.kind === 'signoff') return `cardsync:signoff:${card.cycleId}`;
  if (card.kind === 'retro') return `cardsync:retro:${card.retroId}`;
  // Conversation and message ids carry characters a document id may not; their digest names the message.
  const digest = createHash('sha256').update(`${card.target.conversationId}\n${card.activityId}`).digest('base64url').slice(0, 32);
  return `cardsync:checklist:${digest}`;
}

/** Where markers are kept: in the workloads container, in the workload's partition. Implemented over Cosmos DB in bot/store. */
export interface CardSyncRepository {
  /** Writes the marker, or writes it again: every request gives it a new version, answered when the store tells it. */
  request(marker: CardSyncMarker): Promise<string | undefined>;
  /** The marker's current version (its ETag), or undefined when no redraw is pending; a point read. */
  version(workloadId: string, id: string): Promise<string | undefined>;
  /** Removes the marker only if it is still at `version`: 'requested' when a change asked again meanwhile, 'gone' when it was removed already. */
  clear(workloadId: string, id: string, version: string): Promise<'cleared' | 'requested' | 'gone'>;
  /** Markers still pending, across workloads, oldest first. A query: for start-up and the sweep, never a person's turn. */
  pending(limit: number): Promise<CardSyncMarker[]>;
}

/**
 * Draws one shared card from the store into its message; does nothing when the card has no message yet.
 * `written` is set when the marker's version came from the change's own batch (see SharedCardSync.marked): the
 * draw may then use a read of the store that started after that batch, instead of reading again.
 */
export type DrawCard<C extends SharedCard> = (card: C, written: boolean) => Promise<void>;

/** Teams will never take an update of this message: it or its conversation is gone, or the bot may not write there. */
const cannotUpdate = (error: unknown): boolean => error instanceof DeliveryError && (error.status === 403 || error.status === 404);

/**
 * Keeps shared cards in step with the store across restarts. A change first marks its card in Cosmos,
 * then the card is drawn after the answer (requests arriving together fold into one or two draws),
 * and the marker goes only when no change asked again while the card was being drawn.
 */
export class SharedCardSync {
  private lastSequence = 0;
  /**
   * Cards this process has marked whose draw has not started yet. Another change to such a card needs no
   * second write: the marker is in Cosmos already, and the draw to come reads the store after the change.
   * Once a draw starts it reads the marker's version, so from then on a change must write it again.
   */
  private readonly markedAhead = new Set<string>();
  /** The marker's version a change's own batch answered, for the draw to come: no read of the version needed. */
  private readonly written = new Map<string, string>();

  constructor(
    private readonly repo: CardSyncRepository,
    private readonly updates: LatestWins,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Marks the card stale in the store, then draws it after the answer. Call once the change is stored, before answering.
   * `answered`: the caller holds what its change's batch answered, which the draw may use as after `marked` (it was read
   * before the marker was written); the marker's version is then passed on as `written`.
   */
  async stale<C extends SharedCard>(card: C, fields: Record<string, unknown>, draw: DrawCard<C>, answered = false): Promise<void> {
    const id = cardSyncId(card);
    const key = `${card.workloadId}\n${id}`;
    if (this.markedAhead.has(key)) {
      this.redraw(card, fields, draw);
      return;
    }
    const marker = this.marker(card);
    try {
      const version = await this.repo.request(marker);
      if (answered && version) this.written.set(key, version);
      this.markedAhead.add(key);
    } catch (error) {
      // The change itself is stored; the card is still drawn below, only a crash before that would leave it stale.
      this.log.error({ event: 'cardsync.mark_failed', ...fields, err: error }, 'could not mark the shared card for a redraw');
    }
    this.redraw(card, fields, draw);
  }

  /** Whether this process has marked the card and its draw has not started: a change then needs no marker write. */
  isMarkedAhead(card: SharedCard): boolean {
    return this.markedAhead.has(`${card.workloadId}\n${cardSyncId(card)}`);
  }

  /** The marker of a card as a change writes it: in its own batch (then call `marked`), or through `stale`. */
  marker<C extends SharedCard>(card: C): CardSyncMarker {
    const sequence = Math.max(this.clock().getTime(), this.lastSequence + 1);
    this.lastSequence = sequence;
    return { id: cardSyncId(card), type: 'cardSync', workloadId: card.workloadId, card, requestedAt: new Date(sequence).toISOString(), sequence };
  }

  /**
   * For a change that wrote the card's marker in its own batch: `version` is the ETag the batch answered. The card
   * is drawn after the answer, and the marker cleared at that version, so a change stored since (here or in another
   * process) writes it again and the clear fails, which draws once more. No request of its own.
   */
  marked<C extends SharedCard>(card: C, version: string, fields: Record<string, unknown>, draw: DrawCard<C>): void {
    const key = `${card.workloadId}\n${cardSyncId(card)}`;
    this.written.set(key, version);
    this.markedAhead.add(key);
    this.redraw(card, fields, draw);
  }

  /** Draws the card from the store in the background and clears its marker unless a change asked again meanwhile. */
  redraw<C extends SharedCard>(card: C, fields: Record<string, unknown>, draw: DrawCard<C>): void {
    const id = cardSyncId(card);
    const key = `${card.workloadId}\n${id}`;
    this.updates.request(key, `${card.kind}.card_update`, fields, async () => {
      this.markedAhead.delete(key);
      // Read before drawing (or known from the change's batch): a change stored after it writes the marker again, and the clear below fails.
      const known = this.written.get(key);
      this.written.delete(key);
      const version = known ?? (await this.repo.version(card.workloadId, id));
      try {
        await draw(card, known !== undefined);
      } catch (error) {
        if (!cannotUpdate(error) || version === undefined) throw error;
        this.log.warn({ event: 'cardsync.card_gone', ...fields, err: error }, 'the shared card can no longer be updated');
      }
      if (version === undefined) return;
      const cleared = await this.repo.clear(card.workloadId, id, version);
      // 'gone': another instance drew and cleared it; ours may have landed after theirs, so draw once more.
      if (cleared !== 'cleared') this.redraw(card, fields, draw);
    });
  }
}

/**
 * Starts a redraw of every shared card a stopped or crashed process left marked; answers how many.
 * Run at start-up and on the sweep's timer (see startLiftoff); it keeps nothing in memory.
 */
export async function resumeMarkedCards(repo: CardSyncRepository, resume: (marker: CardSyncMarker) => void, log: Logger, limit = 200): Promise<number> {
  const pending = await repo.pending(limit);
  for (const marker of pending) resume(marker);
  if (pending.length) log.info({ event: 'cardsync.resumed', cards: pending.length }, 'drawing shared cards left stale');
  return pending.length;
}
