import type { ConversationRecord, ConversationRepository } from '../conversations/model';
import { FreshReads } from '../shared/coalesce';

/**
 * The stored conversations as the tab asks them where Teams' roster is (bot/teams/tabRoster.ts): the two
 * look-ups a roster check makes are shared by the checks that ask at the same moment (a burst of people opening
 * the board), each still answered by a read that started after it asked. Everything else is the repository's own.
 */
export function sharedLookups(conversations: ConversationRepository): ConversationRepository {
  const channels = new FreshReads<ConversationRecord[]>((teamId) => conversations.channelsOf(teamId));
  const records = new FreshReads<ConversationRecord | undefined>((id) => conversations.get(id));
  return {
    save: (record) => conversations.save(record),
    get: (id) => records.read(id),
    personalChatOf: (aadObjectId) => conversations.personalChatOf(aadObjectId),
    remove: (id) => conversations.remove(id),
    removeTeam: (teamId) => conversations.removeTeam(teamId),
    channelsOf: (teamId) => channels.read(teamId),
    inTenant: (tenantId, kind) => conversations.inTenant(tenantId, kind),
    inTenantPages: (tenantId, kind, pageSize) => conversations.inTenantPages(tenantId, kind, pageSize),
    claimWelcome: (key, at) => conversations.claimWelcome(key, at),
    releaseWelcome: (key) => conversations.releaseWelcome(key),
  };
}
