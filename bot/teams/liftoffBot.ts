import {
  CardFactory,
  InvokeResponse,
  MessageFactory,
  TeamsActivityHandler,
  TurnContext,
} from 'botbuilder';
import { Card, renderHelp, renderMessage } from '../../cards/render';
import type { Logger } from '../log';
import type { BackgroundWork } from '../shared/background';
import type { Messenger } from '../conversations/messenger';
import type { InstallRecorder } from './installs';
import { actionInvokeValue } from './payloads';
import type { Router } from './router';
import { buildTurn } from './turn';

export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
const ERROR_CONTENT_TYPE = 'application/vnd.microsoft.error';

/** What a person sees when something broke on our side; the details go to the log only. */
export const SORRY = 'Liftoff hit a problem and could not finish that. Nothing you did is lost; try again in a moment.';
const NO_IDENTITY = 'Liftoff works with Microsoft Teams accounts of an organization; it could not tell who you are here.';

export interface LiftoffBotDeps {
  router: Router;
  installs: InstallRecorder;
  background: BackgroundWork;
  messenger: Messenger;
  log: Logger;
}

/** Reads the command word and its arguments from a message, without the @mention and markup. */
export function parseCommand(text: string): { command: string; args: string } {
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .trim();
  const [first = '', ...rest] = plain.split(/\s+/);
  return { command: first.toLowerCase().replace(/^\//, ''), args: rest.join(' ') };
}

const invokeCard = (card: Card): InvokeResponse => ({ status: 200, body: { statusCode: 200, type: CARD_CONTENT_TYPE, value: card } });
const invokeError = (status: number, message: string): InvokeResponse => ({
  status: 200,
  body: { statusCode: status, type: ERROR_CONTENT_TYPE, value: { code: status === 400 ? 'BadRequest' : 'InternalServerError', message } },
});

/** The Teams edge: routes messages, card verbs and install events to the handlers. */
export class LiftoffBot extends TeamsActivityHandler {
  constructor(private readonly deps: LiftoffBotDeps) {
    super();
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.deps.installs.installed(context);
      await next();
    });
    this.onInstallationUpdateRemove(async (context, next) => {
      await this.deps.installs.uninstalled(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      // Older clients announce an install only as the bot joining the conversation.
      const botId = context.activity.recipient?.id;
      if (context.activity.membersAdded?.some((m) => m.id === botId)) await this.deps.installs.installed(context);
      await next();
    });
  }

  private fields(context: TurnContext): Record<string, unknown> {
    return { activityId: context.activity.id, conversationId: context.activity.conversation?.id };
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const turn = buildTurn(context);
    if (!turn) {
      await context.sendActivity(NO_IDENTITY);
      return;
    }
    const text = TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '';
    const { command, args } = parseCommand(text);
    const route = this.deps.router.command(command);
    let card: Card;
    if (!route) {
      card = renderHelp(command ? `Liftoff doesn't know "${command}". Here is what it can do.` : '');
    } else {
      try {
        card = await this.deps.router.runCommand(route, turn, command, args);
      } catch (error) {
        this.deps.log.error({ event: 'command.failed', command, ...this.fields(context), err: error }, 'command failed');
        card = renderMessage(SORRY);
      }
    }
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
  }

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name !== 'adaptiveCard/action') return super.onInvokeActivity(context);
    const parsed = actionInvokeValue.safeParse(context.activity.value);
    if (!parsed.success) return invokeError(400, 'Liftoff could not read that card action. Type help for a fresh card.');
    const { verb, data } = parsed.data.action;
    const route = this.deps.router.verb(verb);
    if (!route) {
      this.deps.log.warn({ event: 'verb.unknown', verb, ...this.fields(context) }, 'unknown card verb');
      return invokeError(400, `Liftoff doesn't know the action "${verb.slice(0, 40)}". Type help for a fresh card.`);
    }
    const turn = buildTurn(context);
    if (!turn) return invokeCard(renderMessage(NO_IDENTITY));
    const input = route.schema.safeParse(data ?? {});
    if (!input.success) {
      this.deps.log.warn({ event: 'verb.malformed', verb, ...this.fields(context), issues: input.error.issues.map((i: { path: PropertyKey[] }) => i.path.join('.')) }, 'malformed card data');
      return invokeError(400, 'This card is damaged or out of date, so nothing was changed. Type help for a fresh card.');
    }
    const started = Date.now();
    const workloadId = (input.data as { workloadId?: unknown }).workloadId;
    try {
      const outcome = await this.deps.router.runVerb(route, turn, input.data);
      this.deps.log.info({ event: 'verb.done', verb, workloadId, trigger: turn.trigger, shared: outcome.shareWithEveryone === true, ms: Date.now() - started, ...this.fields(context) }, 'card action answered');
      const messageId = turn.messageId;
      // An automatic refresh only redraws one person's view; updating the message from it would loop.
      if (outcome.shareWithEveryone && messageId && turn.trigger === 'manual') {
        this.deps.background.run('card.update', { verb, messageId, ...this.fields(context) }, () =>
          this.deps.messenger.update(turn.target, messageId, outcome.card),
        );
      }
      return invokeCard(outcome.card);
    } catch (error) {
      this.deps.log.error({ event: 'verb.failed', verb, workloadId, ms: Date.now() - started, ...this.fields(context), err: error }, 'card action failed');
      return invokeCard(renderMessage(SORRY));
    }
  }

}
