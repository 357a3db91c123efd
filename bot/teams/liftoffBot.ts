import { CardFactory, InvokeResponse, MessageFactory, TeamsActivityHandler, TurnContext } from 'botbuilder';
import { Card, renderHelp, renderMessage } from '../../cards/render';
import type { Logger } from '../log';
import type { BackgroundWork } from '../shared/background';
import type { Messenger } from '../conversations/messenger';
import { ATTR, Telemetry, TurnOutcome, TurnSpan } from '../telemetry';
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
  telemetry: Telemetry;
}

/** How the invoke metric names a card action Liftoff does not know: typed or forged verbs are never a label. */
const UNKNOWN_VERB = '(unknown)';

/** Where a turn's span waits for the handler that names it (botbuilder's per-turn state). */
const TURN_SPAN = Symbol('liftoff.turnSpan');

/** Activity types as Teams sends them; anything else is named `other` in a span, never echoed. */
const activityType = (type: unknown): string => (typeof type === 'string' && /^[A-Za-z]{1,40}$/.test(type) ? type : 'other');

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
      await this.deps.installs.welcome(context);
      await next();
    });
    this.onInstallationUpdateRemove(async (context, next) => {
      await this.deps.installs.uninstalled(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      // Older clients announce an install only as the bot joining the conversation.
      const botId = context.activity.recipient?.id;
      if (context.activity.membersAdded?.some((m) => m.id === botId)) {
        await this.deps.installs.installed(context);
        await this.deps.installs.welcome(context);
      }
      await next();
    });
  }

  /** Every turn runs inside its span: named by its activity type here, by its command or verb in the handler. */
  override async run(context: TurnContext): Promise<void> {
    await this.deps.telemetry.turn(activityType(context.activity?.type), async (span) => {
      context.turnState.set(TURN_SPAN, span);
      await super.run(context);
    });
  }

  private span(context: TurnContext): TurnSpan | undefined {
    return context.turnState.get<TurnSpan | undefined>(TURN_SPAN);
  }

  private fields(context: TurnContext): Record<string, unknown> {
    return { activityId: context.activity.id, conversationId: context.activity.conversation?.id };
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const span = this.span(context);
    span?.name('liftoff.command');
    const turn = buildTurn(context);
    if (!turn) {
      span?.outcome('refused');
      await context.sendActivity(NO_IDENTITY);
      return;
    }
    const raw = context.activity.text;
    if (typeof raw === 'string' && raw.length > MAX_MESSAGE_CHARS) {
      span?.outcome('refused');
      this.deps.log.info({ event: 'message.too_long', length: raw.length, ...this.fields(context) }, 'message not read: too long');
      await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(renderMessage(TOO_LONG))));
      return;
    }
    const { command, args } = parseCommand(messageText(context));
    const route = this.deps.router.command(command);
    let card: Card;
    if (!route) {
      // Typed words are not a command's name: the span says refused, and does not repeat them.
      span?.outcome('refused');
      card = renderHelp(command ? `Liftoff doesn't know "${echo(command)}". Here is what it can do.` : '');
    } else {
      span?.name(`liftoff.command ${command}`);
      span?.set({ [ATTR.command]: command });
      try {
        const outcome = await this.deps.router.runCommand(route, turn, command, args);
        if (outcome.workloadId) span?.set({ [ATTR.workloadId]: outcome.workloadId });
        span?.outcome(outcome.workloadMissing ? 'missing' : 'answered');
        card = outcome.card;
      } catch (error) {
        span?.outcome('failed');
        this.deps.log.error({ event: 'command.failed', command, ...this.fields(context), err: error }, 'command failed');
        card = renderMessage(SORRY);
      }
    }
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
  }

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name !== 'adaptiveCard/action') return super.onInvokeActivity(context);
    const span = this.span(context);
    span?.name('liftoff.verb');
    const started = Date.now();
    /** Every answer to a card action ends here: its outcome on the span, its latency in the metric. */
    const answer = (verb: string, outcome: TurnOutcome, response: InvokeResponse): InvokeResponse => {
      span?.outcome(outcome);
      this.deps.telemetry.invokeAnswered(verb, outcome, Date.now() - started);
      return response;
    };
    const parsed = actionInvokeValue.safeParse(context.activity.value);
    if (!parsed.success) return answer(UNKNOWN_VERB, 'refused', invokeError(400, 'Liftoff could not read that card action. Type help for a fresh card.'));
    const { verb, data } = parsed.data.action;
    const route = this.deps.router.verb(verb);
    if (!route) {
      this.deps.log.warn({ event: 'verb.unknown', verb, ...this.fields(context) }, 'unknown card verb');
      return answer(UNKNOWN_VERB, 'refused', invokeError(400, `Liftoff doesn't know the action "${echo(verb)}". Type help for a fresh card.`));
    }
    span?.name(`liftoff.verb ${verb}`);
    span?.set({ [ATTR.verb]: verb });
    const turn = buildTurn(context);
    if (!turn) return answer(verb, 'refused', invokeCard(renderMessage(NO_IDENTITY)));
    const input = route.schema.safeParse(data ?? {});
    if (!input.success) {
      this.deps.log.warn({ event: 'verb.malformed', verb, ...this.fields(context), issues: input.error.issues.map((i: { path: PropertyKey[] }) => i.path.join('.')) }, 'malformed card data');
      return answer(verb, 'refused', invokeError(400, 'This card is damaged or out of date, so nothing was changed. Type help for a fresh card.'));
    }
    const workloadId = (input.data as { workloadId?: unknown }).workloadId;
    if (typeof workloadId === 'string') span?.set({ [ATTR.workloadId]: workloadId });
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
      return answer(verb, outcome.workloadMissing ? 'missing' : 'answered', invokeCard(outcome.card));
    } catch (error) {
      this.deps.log.error({ event: 'verb.failed', verb, workloadId, ms: Date.now() - started, ...this.fields(context), err: error }, 'card action failed');
      return answer(verb, 'failed', invokeSorry());
    }
  }
}
