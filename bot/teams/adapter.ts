import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import { z } from 'zod';
import { Activity, ActivityHandler, ActivityTypes, CloudAdapter, ConfigurationBotFrameworkAuthentication, Request, Response, TurnContext } from 'botbuilder';
import type { Config } from '../config';
import type { Logger } from '../log';
import { invokeSorry, SORRY } from './liftoffBot';

/** Bot Framework settings in the names botbuilder reads. */
function authOptions(auth: Config['auth']): Record<string, string> {
  switch (auth.mode) {
    case 'anonymous':
      return {};
    case 'password':
      return {
        MicrosoftAppId: auth.appId,
        MicrosoftAppPassword: auth.password,
        MicrosoftAppType: auth.appType,
        ...(auth.tenantId ? { MicrosoftAppTenantId: auth.tenantId } : {}),
      };
    case 'managedIdentity':
      return { MicrosoftAppId: auth.appId, MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: auth.tenantId };
  }
}

/** Bot Framework authentication from the config: JWT checks for the adapter, credentials for outgoing calls. */
export function createBotAuthentication(auth: Config['auth']): ConfigurationBotFrameworkAuthentication {
  return new ConfigurationBotFrameworkAuthentication(authOptions(auth));
}

/** What a caller without a valid Bot Framework token is told; why exactly goes to the log only. */
const NOT_AUTHENTICATED = 'Liftoff accepts only requests signed by the Bot Framework for this bot.';
const KEYS_UNAVAILABLE = 'Liftoff could not check the signature of this request right now; try again later.';

/**
 * botbuilder writes to the console on the request path (a rejected token's error and stack, a missing activity
 * type). While a request is served, those writes become one JSON log line of this request's logger instead.
 */
const consoleOwner = new AsyncLocalStorage<Logger>();
let consoleRouted = false;
function routeLibraryConsole(): void {
  if (consoleRouted) return;
  consoleRouted = true;
  for (const level of ['error', 'warn', 'log', 'info', 'debug'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const log = consoleOwner.getStore();
      if (!log) return original(...args);
      // Only the first line: the rest is a stack or a key, which the log does not need.
      const text = args
        .map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : format('%s', a)))
        .join(' ')
        .split('\n')[0]!
        .slice(0, 200);
      log.debug({ event: 'botbuilder.console', level, text }, 'botbuilder wrote to the console');
    };
  }
}

/** Why a token was refused, as a kind for the log (never the token, the key or the library's message). */
function refusalKind(header: string, error: unknown): string {
  if (!header) return 'no-token';
  const { name, message, statusCode } = (error ?? {}) as { name?: string; message?: string; statusCode?: number };
  if (name === 'TokenExpiredError' || (typeof statusCode === 'number' && /expired/i.test(message ?? ''))) return 'expired';
  if (name === 'NotBeforeError') return 'not-yet-valid';
  if (name === 'JsonWebTokenError') return 'invalid-token';
  // botbuilder's AuthenticationError carries a status: 500 when the signing keys could not be loaded.
  if (typeof statusCode === 'number') return statusCode >= 500 ? 'keys-unavailable' : 'not-authorized';
  if (name === 'FetchError') return 'keys-unavailable';
  return 'other';
}

const text = z.string().nullish();
const account = z.looseObject({ id: z.string().min(1), name: text, aadObjectId: text, role: text });
/**
 * The envelope of an activity as the Bot Connector sends it: the parts the edge and botbuilder read without checking.
 * What the activity carries (text, value, entities) is checked where it is read.
 */
const activityEnvelope = z.looseObject({
  type: z.string().min(1),
  id: text,
  channelId: z.string().min(1),
  serviceUrl: z.string().min(1),
  from: account,
  recipient: account,
  conversation: z.looseObject({ id: z.string().min(1), tenantId: text, conversationType: text, name: text, isGroup: z.boolean().nullish() }),
  replyToId: text,
  name: text,
  text,
  localTimezone: text,
  channelData: z.looseObject({ tenant: z.looseObject({ id: text }).nullish(), team: z.looseObject({ id: text }).nullish() }).nullish(),
  membersAdded: z.array(account).nullish(),
  membersRemoved: z.array(account).nullish(),
});
const MALFORMED = 'The request body must be a Bot Framework activity.';
const NOT_HANDLED = 'Liftoff does not handle this kind of request.';

/** The CloudAdapter, serving each request itself so that a refused token is a 401 of ours, not the library's 500. */
export class LiftoffAdapter extends CloudAdapter {
  constructor(
    authentication: ConfigurationBotFrameworkAuthentication,
    private readonly log: Logger,
  ) {
    super(authentication);
    routeLibraryConsole();
  }

  /** Authenticates the request, runs the turn, and writes the answer (the invoke response, or 200). */
  serve(req: Request, res: Response, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    return consoleOwner.run(this.log, async () => {
      // The server has checked that the body is an object with a string type, as botbuilder's own process() would.
      const activity = req.body as unknown as Activity;
      const raw = req.headers.authorization ?? req.headers.Authorization;
      const header = typeof raw === 'string' ? raw : '';
      let authenticated: Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;
      try {
        authenticated = await this.botFrameworkAuthentication.authenticateRequest(activity, header);
      } catch (error) {
        const reason = refusalKind(header, error);
        const unavailable = reason === 'keys-unavailable';
        this.log[unavailable ? 'error' : 'warn']({ event: 'auth.refused', reason, activityId: activity.id }, 'request not authenticated');
        end(res, unavailable ? 503 : 401, { message: unavailable ? KEYS_UNAVAILABLE : NOT_AUTHENTICATED });
        return;
      }
      const envelope = activityEnvelope.safeParse(activity);
      if (!envelope.success) {
        this.log.warn({ event: 'activity.malformed', issues: envelope.error.issues.map((i) => i.path.join('.')).slice(0, 10) }, 'activity refused: malformed');
        end(res, 400, { message: MALFORMED });
        return;
      }
      const invokeResponse = await this.processActivity(authenticated, activity, logic);
      // botbuilder answers 501 to an invoke nobody answered (a kind Liftoff does not handle, or one the tenant filter
      // dropped); to Teams a 5xx is a server failure, and this is a request refused.
      if (invokeResponse?.status === 501) end(res, 400, { message: NOT_HANDLED });
      else end(res, invokeResponse?.status ?? 200, invokeResponse?.body);
    });
  }
}

function end(res: Response, status: number, body: unknown): void {
  res.status(status);
  if (body !== undefined) res.send(body);
  res.end();
}

/** The adapter: checks the Bot Framework JWT on every request unless running anonymously. */
export function createAdapter(auth: Config['auth'], log: Logger, authentication = createBotAuthentication(auth)): LiftoffAdapter {
  const adapter = new LiftoffAdapter(authentication, log);
  adapter.onTurnError = async (context, error) => {
    log.error({ event: 'turn.failed', activityId: context.activity.id, type: context.activity.type, err: error }, 'unhandled error in a turn');
    if (context.activity.type === 'message' || context.activity.type === 'invoke') {
      try {
        // An invoke is answered in the HTTP response; without one, botbuilder would answer 501.
        await context.sendActivity(context.activity.type === 'message' ? SORRY : { type: ActivityTypes.InvokeResponse, value: invokeSorry() });
      } catch (sendError) {
        log.error({ event: 'turn.apology_failed', activityId: context.activity.id, err: sendError }, 'could not tell the user about the error');
      }
    }
  };
  return adapter;
}

export const botAppId = (auth: Config['auth']): string => (auth.mode === 'anonymous' ? '' : auth.appId);

/** The messaging endpoint's work: authenticate the request, run the turn, write the answer. */
export function activityProcessor(adapter: LiftoffAdapter, bot: ActivityHandler) {
  return (req: Request, res: Response): Promise<void> => adapter.serve(req, res, (context) => bot.run(context));
}
