import type { Card, Notice } from '../../cards/render';
import type { ConversationTarget, Messenger } from '../conversations/messenger';
import type { SharedCard, SharedCardSync } from '../conversations/sharedCards';

/** A message in a chat that shows a workload's checklist. */
export interface ChecklistMessage {
  target: ConversationTarget;
  activityId: string;
}

/** The shared card of a checklist message. */
export type ChecklistCard = Extract<SharedCard, { kind: 'checklist' }>;

/**
 * Redraws a checklist message after a gate changed elsewhere (a final sign-off on the sign-off card, a
 * notice the sender finished, a retrospective that moved on or closed): the message is marked in Cosmos
 * before the answer, drawn after it through the one outbound pipeline, and requests for the same message
 * arriving together fold into one or two updates, the last drawing the latest state. A restart draws what
 * a stopped process left marked; the marker goes once the message is drawn, so nothing is drawn twice for
 * nothing and nothing is lost.
 */
export class ChecklistMessages {
  constructor(
    private readonly draw: (workloadId: string, banner?: Notice) => Promise<Card | undefined>,
    private readonly messenger: Messenger,
    private readonly cards: SharedCardSync,
  ) {}

  /** Call once the change is stored and before answering. */
  redraw(message: ChecklistMessage, workloadId: string, banner?: Notice): Promise<void> {
    // An update names the message; the conversation reference is only needed to start a conversation.
    const { conversationId, serviceUrl, tenantId } = message.target;
    const card: ChecklistCard = { kind: 'checklist', workloadId, target: { conversationId, serviceUrl, tenantId, reference: {} }, activityId: message.activityId, ...(banner ? { banner } : {}) };
    return this.cards.stale(card, { workloadId, messageId: message.activityId }, this.drawCard);
  }

  /** Draws a checklist message found marked in the store (left by a stopped or crashed process). */
  resume(card: ChecklistCard): void {
    this.cards.redraw(card, { workloadId: card.workloadId, messageId: card.activityId, trigger: 'resume' }, this.drawCard);
  }

  private readonly drawCard = async (card: ChecklistCard): Promise<void> => {
    const drawn = await this.draw(card.workloadId, card.banner);
    if (drawn) await this.messenger.update(card.target, card.activityId, drawn);
  };
}
