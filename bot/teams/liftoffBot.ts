import { CardFactory, InvokeResponse, MessageFactory, TeamsActivityHandler, TurnContext } from 'botbuilder';
import { Card, renderHelp, renderMessage } from '../../cards/render';
import type { Logger } from '../log';
import type { BackgroundWork } from '../shared/background';
import type { Messenger } from '../conversations/messenger';
import type { InstallRecorder } from './installs';
import { actionInvokeValue } from './payloads';
import { echo, Router } from './router';
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

/** The longest message Liftoff reads: commands are a word and a name, so anything longer is not one. */
export const MAX_MESSAGE_CHARS = 4000;
const TOO_LONG = `That message is longer than ${MAX_MESSAGE_CHARS.toLocaleString('en-US')} characters, so Liftoff did not read it. Type a command such as help or status Payroll API.`;

/**
 * Replaces each `<...>` tag with a space in one pass. A `<` with no `>` after it ends the tags: the rest is text.
 * (A regex such as /<[^>]*>/g retries from every unclosed `<`, which is quadratic in the length of the message.)
 */
function stripTags(text: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = text.indexOf('<', from);
    if (open === -1) break;
    const close = text.indexOf('>', open + 1);
    if (close === -1) break;
    out += `${text.slice(from, open)} `;
    from = close + 1;
  }
  return out + text.slice(from);
}

/** Reads the command word and its arguments from a message, without the @mention and markup. */
export function parseCommand(text: string): { command: string; args: string } {
  const plain = stripTags(text)
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .trim();
  const [first = '', ...rest] = plain.split(/\s+/);
  return { command: first.toLowerCase().replace(/^\//, ''), args: rest.join(' ') };
}

/** The message text without the bot's @mention; a malformed activity's text reads as empty. */
function messageText(context: TurnContext): string {
  const { text, recipient, entities } = context.activity;
  if (typeof text !== 'string') return '';
  const wellFormed = typeof recipient?.id === 'string' && (entities === undefined || (Array.isArray(entities) && entities.every(isWellFormedEntity)));
  return wellFormed ? (TurnContext.removeRecipientMention(context.activity) ?? text) : text;
}

const isWellFormedEntity = (entity: unknown): boolean => {
  const e = entity as { type?: unknown; mentioned?: { id?: unknown }; text?: unknown } | null;
  return !!e && typeof e === 'object' && (e.type !== 'mention' || (typeof e.mentioned?.id === 'string' && typeof e.text === 'string'));
};

const invokeCard = (card: Card): InvokeResponse => ({ status: 200, body: { statusCode: 200, type: CARD_CONTENT_TYPE, value: card } });
/** The answer to an invoke whose turn failed: the apology card, so Teams shows a sentence, not a server error. */
export const invokeSorry = (): InvokeResponse => invokeCard(renderMessage(SORRY));
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
    const raw = context.activity.text;
    if (typeof raw === 'string' && raw.length > MAX_MESSAGE_CHARS) {
      this.deps.log.info({ event: 'message.too_long', length: raw.length, ...this.fields(context) }, 'message not read: too long');
      await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(renderMessage(TOO_LONG))));
      return;
    }
    const { command, args } = parseCommand(messageText(context));
    const route = this.deps.router.command(command);
    let card: Card;
    if (!route) {
      card = renderHelp(command ? `Liftoff doesn't know "${echo(command)}". Here is what it can do.` : '');
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
      return invokeError(400, `Liftoff doesn't know the action "${echo(verb)}". Type help for a fresh card.`);
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
      this.deps.log.info(
        { event: 'verb.done', verb, workloadId, trigger: turn.trigger, shared: outcome.shareWithEveryone === true, ms: Date.now() - started, ...this.fields(context) },
        'card action answered',
      );
      const messageId = turn.messageId;
      // An automatic refresh only redraws one person's view; updating the message from it would loop.
      if (outcome.shareWithEveryone && messageId && turn.trigger === 'manual') {
        this.deps.background.run('card.update', { verb, messageId, ...this.fields(context) }, () => this.deps.messenger.update(turn.target, messageId, outcome.card));
      }
      return invokeCard(outcome.card);
    } catch (error) {
      this.deps.log.error({ event: 'verb.failed', verb, workloadId, ms: Date.now() - started, ...this.fields(context), err: error }, 'card action failed');
      return invokeSorry();
    }
  }
}
