import type { Card, Notice } from '../../cards/render';
import type { ConversationTarget, Messenger } from '../conversations/messenger';
import type { LatestWins } from '../shared/coalesce';

/** A message in a chat that shows a workload's checklist. */
export interface ChecklistMessage {
  target: ConversationTarget;
  activityId: string;
}

/**
 * Redraws a checklist message after a gate changed elsewhere (a final sign-off on the sign-off card, a
 * notice the sender finished): after the answer, through the one outbound pipeline, and requests for the
 * same message arriving together fold into one or two updates, the last drawing the latest state.
 */
export class ChecklistMessages {
  constructor(
    private readonly draw: (workloadId: string, banner?: Notice) => Promise<Card | undefined>,
    private readonly messenger: Messenger,
    private readonly updates: LatestWins,
  ) {}

  redraw(message: ChecklistMessage, workloadId: string, banner?: Notice): void {
    const fields = { workloadId, messageId: message.activityId };
    this.updates.request(`checklist\n${message.target.conversationId}\n${message.activityId}`, 'checklist.card_update', fields, async () => {
      const card = await this.draw(workloadId, banner);
      if (card) await this.messenger.update(message.target, message.activityId, card);
    });
  }
}
