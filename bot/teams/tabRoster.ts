import type { ConversationRepository } from '../conversations/model';
import type { Logger } from '../log';
import type { WorkloadScope } from '../release/model';
import type { TeamsDeliveryClient } from './deliveryClient';

/**
 * Answers "is this person a member of that team or chat?" for requests that come from the tab, where no
 * activity carries a roster: Teams is asked through the Bot Connector, at the serviceUrl stored when Liftoff
 * was installed there. Where Liftoff was never installed there is no one to ask, and the answer is no.
 */
export class TeamsRoster {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly teams: Pick<TeamsDeliveryClient, 'isMember'>,
    private readonly log: Logger,
  ) {}

  async isMember(scope: WorkloadScope, aadObjectId: string): Promise<boolean> {
    try {
      const record = (await this.conversations.channelsOf(scope.scopeId))[0] ?? (await this.conversations.get(scope.conversationId));
      if (!record || record.tenantId !== scope.tenantId) return false;
      return await this.teams.isMember(record.serviceUrl, scope.scopeId, aadObjectId);
    } catch (error) {
      // Unknown is not yes: a roster Teams could not give is a refusal, logged for the operator.
      this.log.warn({ event: 'tab.roster_failed', scopeId: scope.scopeId, err: error }, 'roster check failed');
      return false;
    }
  }
}
