import type { Container } from '@azure/cosmos';
import { ConversationRecord, ConversationRepository, personalKey } from '../conversations/model';
import { queryPages } from './documents';

type Stored = ConversationRecord & { type: 'conversation' };

function toRecord(doc: Stored & { _rid?: string; _self?: string; _etag?: string; _ts?: number; _attachments?: string }): ConversationRecord {
  const { _rid, _self, _etag, _ts, _attachments, type, ...record } = doc;
  return record;
}

/**
 * Conversations read per round trip by a fan-out (a page of 1:1 conversation references is ~1 KB each: a few MB at
 * most, dropped once its deliveries are written).
 */
export const AUDIENCE_READ_PAGE = 5000;

/** The document that says an install was welcomed; not a conversation, so no conversation query reads it. */
const welcomeId = (key: string): string => `welcome:${key}`;
const inTenantQuery = (tenantId: string, kind: ConversationRecord['kind']) => ({
  query: 'SELECT * FROM c WHERE c.type = "conversation" AND c.kind = @kind AND c.tenantId = @tenantId',
  parameters: [
    { name: '@kind', value: kind },
    { name: '@tenantId', value: tenantId },
  ],
});

/** Conversation references in the `conversations` container, one document per conversation (partition key /id). */
export class CosmosConversationRepository implements ConversationRepository {
  constructor(
    private readonly container: Container,
    /** Conversations read per round trip by `inTenantPages`. */
    private readonly audienceReadPage: number = AUDIENCE_READ_PAGE,
  ) {}

  async save(record: ConversationRecord): Promise<void> {
    const doc: Stored = { ...record, type: 'conversation' };
    await this.container.items.upsert(doc);
  }

  async get(id: string): Promise<ConversationRecord | undefined> {
    const { resource } = await this.container.item(id, id).read<Stored>();
    return resource ? toRecord(resource) : undefined;
  }

  personalChatOf(aadObjectId: string): Promise<ConversationRecord | undefined> {
    return this.get(personalKey(aadObjectId));
  }

  async remove(id: string): Promise<void> {
    try {
      await this.container.item(id, id).delete();
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  }

  async channelsOf(teamId: string): Promise<ConversationRecord[]> {
    const { resources } = await this.container.items
      .query<Stored>({
        query: 'SELECT * FROM c WHERE c.type = "conversation" AND c.teamId = @teamId',
        parameters: [{ name: '@teamId', value: teamId }],
      })
      .fetchAll();
    return resources.map(toRecord);
  }

  async inTenant(tenantId: string, kind: ConversationRecord['kind']): Promise<ConversationRecord[]> {
    // Cross-partition by nature (one conversation per partition); run once per compose card, not per message.
    const { resources } = await this.container.items.query<Stored>(inTenantQuery(tenantId, kind)).fetchAll();
    return resources.map(toRecord);
  }

  async claimWelcome(key: string, at: string): Promise<boolean> {
    const id = welcomeId(key);
    try {
      // A create, not an upsert: Cosmos refuses a second one (409), whichever instance or retry asks.
      await this.container.items.create({ id, type: 'welcome', at });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 409) return false;
      throw error;
    }
  }

  releaseWelcome(key: string): Promise<void> {
    return this.remove(welcomeId(key));
  }

  async *inTenantPages(tenantId: string, kind: ConversationRecord['kind'], pageSize: number): AsyncIterable<ConversationRecord[]> {
    // Cross-partition too, once per fan-out; a page at a time, so a tenant of any size is never in memory at once.
    // The store is read in pages of at least AUDIENCE_READ_PAGE (one continuation of one query, no ORDER BY), handed on
    // in slices of `pageSize`: fewer round trips, and the embedded server runs the whole query again for each one.
    const size = Math.max(1, pageSize);
    for await (const page of queryPages<Stored>(this.container, inTenantQuery(tenantId, kind), Math.max(size, this.audienceReadPage))) {
      for (let at = 0; at < page.length; at += size) yield page.slice(at, at + size).map(toRecord);
    }
  }

  async removeTeam(teamId: string): Promise<number> {
    const channels = await this.channelsOf(teamId);
    for (const channel of channels) await this.remove(channel.id);
    return channels.length;
  }
}
