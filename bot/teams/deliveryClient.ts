import { CardFactory, TeamsChannelAccount } from 'botbuilder';
import { AuthenticationConstants, BotFrameworkAuthentication, ClaimsIdentity, ConnectorClient } from 'botframework-connector';
import type { Card } from '../../cards/render';
import type { PersonAddress } from '../broadcast/model';
import type { DeliveryTransport } from '../broadcast/repository';
import { DeliveryError } from '../conversations/messenger';
import type { Address } from '../conversations/outbound';

/** The pipeline of a ConnectorClient, reached past its compat wrapper so its own retries can be taken out. */
interface PipelineHolder {
  client?: { pipeline?: { removePolicy(options: { phase?: string; name?: string }): unknown } };
}

/** Turns the connector's errors into DeliveryError, keeping Teams' status, code and Retry-After. */
export function asDeliveryError(error: unknown): DeliveryError {
  const e = error as { statusCode?: number; code?: string; response?: { headers?: { get?(name: string): string | undefined } }; details?: { error?: { code?: string } } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
  const code = e.details?.error?.code ?? (typeof e.code === 'string' ? e.code : 'Unknown');
  const retryAfter = Number(e.response?.headers?.get?.('retry-after'));
  return new DeliveryError(status, code, Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined);
}

/**
 * The outbound pipeline's line to Teams: Bot Connector calls with no retries of their own, so the pipeline
 * alone applies Retry-After, backoff and the rate limits (botbuilder's client would otherwise repeat 429s and
 * 5xx up to three times, unseen and unpaced). One client per serviceUrl, kept for the life of the process.
 */
export class TeamsDeliveryClient implements DeliveryTransport {
  private readonly clients = new Map<string, Promise<ConnectorClient>>();

  constructor(
    private readonly authentication: BotFrameworkAuthentication,
    private readonly appId: string,
    private readonly timeoutMs: number,
  ) {}

  private connector(serviceUrl: string): Promise<ConnectorClient> {
    const cached = this.clients.get(serviceUrl);
    if (cached) return cached;
    const identity = new ClaimsIdentity([
      { type: AuthenticationConstants.AudienceClaim, value: this.appId },
      { type: AuthenticationConstants.AppIdClaim, value: this.appId },
    ]);
    const created = this.authentication
      .createConnectorFactory(identity)
      .create(serviceUrl)
      .then((connector: ConnectorClient) => {
        (connector as unknown as PipelineHolder).client?.pipeline?.removePolicy({ phase: 'Retry' });
        return connector;
      });
    created.catch(() => this.clients.delete(serviceUrl));
    this.clients.set(serviceUrl, created);
    return created;
  }

  private async call<T>(serviceUrl: string, request: (connector: ConnectorClient) => Promise<T>): Promise<T> {
    const connector = await this.connector(serviceUrl);
    try {
      return await request(connector);
    } catch (error) {
      throw asDeliveryError(error);
    }
  }

  async post(address: Address, card: Card, summary?: string): Promise<string> {
    const activity = { type: 'message', ...(summary ? { summary } : {}), attachments: [CardFactory.adaptiveCard(card)], channelData: { tenant: { id: address.tenantId } } };
    const response = await this.call(address.serviceUrl, (c) => c.conversations.sendToConversation(address.conversationId, activity, { timeout: this.timeoutMs }));
    return response.id ?? '';
  }

  async update(address: Address, activityId: string, card: Card): Promise<void> {
    await this.call(address.serviceUrl, (c) =>
      c.conversations.updateActivity(address.conversationId, activityId, { id: activityId, type: 'message', attachments: [CardFactory.adaptiveCard(card)] }, { timeout: this.timeoutMs }),
    );
  }

  async remove(address: Address, activityId: string): Promise<void> {
    await this.call(address.serviceUrl, (c) => c.conversations.deleteActivity(address.conversationId, activityId, { timeout: this.timeoutMs }));
  }

  async createPersonalConversation(person: PersonAddress, tenantId: string): Promise<string> {
    const response = await this.call(person.serviceUrl, (c) =>
      c.conversations.createConversation(
        {
          isGroup: false,
          bot: { id: `28:${this.appId}`, name: 'Liftoff' },
          members: [{ id: person.teamsUserId, name: person.name }],
          tenantId,
          channelData: { tenant: { id: tenantId } },
        },
        { timeout: this.timeoutMs },
      ),
    );
    return response.id ?? '';
  }

  /** Whether Teams lists this person (by AAD object id) in a team's or chat's roster; Teams answers 404 for someone not in it. */
  async isMember(serviceUrl: string, conversationId: string, aadObjectId: string): Promise<boolean> {
    try {
      const member = await this.call(serviceUrl, (c) => c.conversations.getConversationMember(conversationId, aadObjectId, { timeout: this.timeoutMs }));
      return (member as TeamsChannelAccount).aadObjectId === aadObjectId;
    } catch (error) {
      if (error instanceof DeliveryError && error.status === 404) return false;
      throw error;
    }
  }

  /** Every member of a team, read a page at a time. */
  async teamMembers(serviceUrl: string, teamId: string): Promise<TeamsChannelAccount[]> {
    const members: TeamsChannelAccount[] = [];
    let token = '';
    do {
      const options: { pageSize: number; timeout: number; continuationToken?: string } = { pageSize: 500, timeout: this.timeoutMs };
      if (token) options.continuationToken = token;
      const page = await this.call(serviceUrl, (c) => c.conversations.getConversationPagedMembers(teamId, options as { pageSize: number; continuationToken: string }));
      members.push(...((page.members ?? []) as TeamsChannelAccount[]));
      token = page.continuationToken ?? '';
    } while (token);
    return members;
  }
}
