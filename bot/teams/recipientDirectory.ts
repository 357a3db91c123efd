import type { PersonAddress, Recipient } from '../broadcast/model';
import type { RecipientDirectory } from '../broadcast/repository';
import { ConversationRecord, ConversationRepository, personalKey } from '../conversations/model';
import type { TeamsDeliveryClient } from './deliveryClient';

const personsOf = (chats: ConversationRecord[]): Recipient[] =>
  chats
    .filter((c) => c.user)
    .map((c) => ({ kind: 'person' as const, aadObjectId: c.user!.aadObjectId, teamsUserId: c.user!.teamsUserId, name: c.user!.name, serviceUrl: c.serviceUrl, conversationId: c.conversationId }));

/** Recipients from where Liftoff is installed (stored on install) and from team rosters (read from Teams). */
export class TeamsRecipientDirectory implements RecipientDirectory {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly client: TeamsDeliveryClient,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async channels(tenantId: string, channelIds: string[]): Promise<Recipient[]> {
    const found: Recipient[] = [];
    for (const id of channelIds) {
      const record = await this.conversations.get(id);
      if (record && record.kind === 'channel' && record.tenantId === tenantId) {
        found.push({ kind: 'conversation', conversationId: record.conversationId, serviceUrl: record.serviceUrl, ...(record.name ? { name: record.name } : {}) });
      }
    }
    return found;
  }

  async teamMembers(tenantId: string, teamId: string): Promise<Recipient[]> {
    const channel = (await this.conversations.channelsOf(teamId)).find((c) => c.tenantId === tenantId);
    if (!channel) return [];
    const members = await this.client.teamMembers(channel.serviceUrl, teamId);
    return members
      .filter((m) => m.aadObjectId && m.id)
      .map((m) => ({ kind: 'person' as const, aadObjectId: m.aadObjectId!, teamsUserId: m.id, name: m.name || m.email || m.aadObjectId!, serviceUrl: channel.serviceUrl }));
  }

  async everyone(tenantId: string): Promise<Recipient[]> {
    return personsOf(await this.conversations.inTenant(tenantId, 'personal'));
  }

  async *everyoneInPages(tenantId: string, pageSize: number): AsyncIterable<Recipient[]> {
    for await (const chats of this.conversations.inTenantPages(tenantId, 'personal', pageSize)) yield personsOf(chats);
  }

  async personalConversation(aadObjectId: string): Promise<string | undefined> {
    return (await this.conversations.personalChatOf(aadObjectId))?.conversationId;
  }

  async rememberPersonalConversation(person: PersonAddress, tenantId: string, conversationId: string): Promise<void> {
    await this.conversations.save({
      id: personalKey(person.aadObjectId),
      conversationId,
      kind: 'personal',
      tenantId,
      serviceUrl: person.serviceUrl,
      user: { aadObjectId: person.aadObjectId, teamsUserId: person.teamsUserId, name: person.name },
      reference: {
        serviceUrl: person.serviceUrl,
        channelId: 'msteams',
        conversation: { id: conversationId, conversationType: 'personal', tenantId },
        user: { id: person.teamsUserId, name: person.name, aadObjectId: person.aadObjectId },
      },
      installedAt: this.clock().toISOString(),
    });
  }
}
