import { CardFactory, CloudAdapter, ConversationReference, MessageFactory, TurnContext } from 'botbuilder';
import type { Card } from '../../cards/render';
import { ConversationTarget, DeliveryError, Messenger } from '../conversations/messenger';

function referenceOf(target: ConversationTarget): Partial<ConversationReference> {
  const stored = target.reference as Partial<ConversationReference>;
  return { ...stored, serviceUrl: target.serviceUrl, conversation: { ...(stored.conversation ?? {}), id: target.conversationId } as ConversationReference['conversation'] };
}

/** Turns the connector's errors into DeliveryError, keeping Teams' status, code and Retry-After. */
export function asDeliveryError(error: unknown): DeliveryError {
  const e = error as { statusCode?: number; code?: string; response?: { headers?: { get?(name: string): string | undefined } }; details?: { error?: { code?: string } } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
  const code = e.details?.error?.code ?? (typeof e.code === 'string' ? e.code : 'Unknown');
  const retryAfter = Number(e.response?.headers?.get?.('retry-after'));
  return new DeliveryError(status, code, Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined);
}

/** The Messenger over botbuilder's CloudAdapter (continueConversationAsync). */
export class AdapterMessenger implements Messenger {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
  ) {}

  private async within<T>(target: ConversationTarget, work: (context: TurnContext) => Promise<T>): Promise<T> {
    let result: T | undefined;
    let failure: { error: unknown } | undefined;
    try {
      await this.adapter.continueConversationAsync(this.appId, referenceOf(target), async (context) => {
        // Caught here: the adapter would hand an error to onTurnError, which logs it and lets the call succeed.
        try {
          result = await work(context);
        } catch (error) {
          failure = { error };
        }
      });
    } catch (error) {
      throw asDeliveryError(error);
    }
    if (failure) throw asDeliveryError(failure.error);
    return result as T;
  }

  async post(target: ConversationTarget, card: Card, summary?: string): Promise<string> {
    return this.within(target, async (context) => {
      const activity = MessageFactory.attachment(CardFactory.adaptiveCard(card));
      if (summary) activity.summary = summary;
      // The continuation turn names a made-up activity that botbuilder would reply to; a post is a new message.
      context.onSendActivities(async (_context, activities, next) => {
        for (const sending of activities) delete sending.replyToId;
        return next();
      });
      const sent = await context.sendActivity(activity);
      return sent?.id ?? '';
    });
  }

  async update(target: ConversationTarget, activityId: string, card: Card): Promise<void> {
    await this.within(target, async (context) => {
      await context.updateActivity({ id: activityId, type: 'message', attachments: [CardFactory.adaptiveCard(card)] });
    });
  }

  async remove(target: ConversationTarget, activityId: string): Promise<void> {
    await this.within(target, async (context) => {
      await context.deleteActivity(activityId);
    });
  }
}
