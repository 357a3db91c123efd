/** Where Liftoff can speak proactively: captured when the app is installed, removed when it is uninstalled. */
export interface ConversationRecord {
  /** The document key: the conversation id, or `user:<aadObjectId>` for a personal chat, so it is found by a point read. */
  id: string;
  /** The Teams conversation id (a personal chat, a group chat, or a team channel). */
  conversationId: string;
  kind: 'personal' | 'groupChat' | 'channel';
  tenantId: string;
  serviceUrl: string;
  /** Set for team channels. */
  teamId?: string;
  /** The channel or chat name where Teams gives one. */
  name?: string;
  /** Set for personal chats: whom the chat is with. */
  user?: { aadObjectId: string; teamsUserId: string; name: string };
  /** The Bot Framework conversation reference, kept opaque outside the Teams edge. */
  reference: Record<string, unknown>;
  installedAt: string;
}

export interface ConversationRepository {
  save(record: ConversationRecord): Promise<void>;
  get(id: string): Promise<ConversationRecord | undefined>;
  /** The personal chat with a person, by AAD object id, for 1:1 messages. */
  personalChatOf(aadObjectId: string): Promise<ConversationRecord | undefined>;
  remove(id: string): Promise<void>;
  /** Removes every channel of a team (the app was removed from the team). */
  removeTeam(teamId: string): Promise<number>;
  channelsOf(teamId: string): Promise<ConversationRecord[]>;
  /** Every conversation of one kind in a tenant: personal chats are everyone who has Liftoff installed. */
  inTenant(tenantId: string, kind: ConversationRecord['kind']): Promise<ConversationRecord[]>;
  /**
   * Claims the welcome of one install (a personal chat, a group chat or a team, by its key): true for the
   * first claim only, so a retried or doubled install event posts one welcome. The claim lasts until released.
   */
  claimWelcome(key: string, at: string): Promise<boolean>;
  /** Releases the claim: after an uninstall, or when the welcome could not be posted. */
  releaseWelcome(key: string): Promise<void>;
  /** The same, read a page of at most `pageSize` records at a time (a broadcast's fan-out to everyone). */
  inTenantPages(tenantId: string, kind: ConversationRecord['kind'], pageSize: number): AsyncIterable<ConversationRecord[]>;
}

/** The key of the personal chat with a person. */
export const personalKey = (aadObjectId: string): string => `user:${aadObjectId}`;
