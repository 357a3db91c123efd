import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, Request, Response } from 'botbuilder';
import type { Config } from '../config';
import type { Logger } from '../log';
import { SORRY } from './liftoffBot';

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

/** The CloudAdapter: checks the Bot Framework JWT on every request unless running anonymously. */
export function createAdapter(auth: Config['auth'], log: Logger, authentication = createBotAuthentication(auth)): CloudAdapter {
  const adapter = new CloudAdapter(authentication);
  adapter.onTurnError = async (context, error) => {
    log.error({ event: 'turn.failed', activityId: context.activity.id, type: context.activity.type, err: error }, 'unhandled error in a turn');
    if (context.activity.type === 'message') {
      try {
        await context.sendActivity(SORRY);
      } catch (sendError) {
        log.error({ event: 'turn.apology_failed', activityId: context.activity.id, err: sendError }, 'could not tell the user about the error');
      }
    }
  };
  return adapter;
}

export const botAppId = (auth: Config['auth']): string => (auth.mode === 'anonymous' ? '' : auth.appId);

/** The messaging endpoint's work: authenticate the request, run the turn, write the answer. */
export function activityProcessor(adapter: CloudAdapter, bot: ActivityHandler) {
  return (req: Request, res: Response): Promise<void> => adapter.process(req, res, (context) => bot.run(context));
}
