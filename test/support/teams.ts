import { randomUUID } from 'node:crypto';
import type { Person } from '../../bot/release/model';
import { workloadIdOf } from '../../bot/release/rules';
import { TENANT } from './builders';

/** Where a test activity happens: a personal chat, a group chat, or a team channel. */
export interface Place {
  conversationId: string;
  conversationType: 'personal' | 'groupChat' | 'channel';
  teamId?: string;
  tenantId?: string;
}

export const teamChannel = (name = 'general'): Place => ({
  conversationId: `19:${name}@thread.tacv2`,
  conversationType: 'channel',
  teamId: `19:team-${name}@thread.tacv2`,
});
export const groupChat = (name = 'release'): Place => ({ conversationId: `19:${name}@thread.v2`, conversationType: 'groupChat' });
export const personalChat = (who: Person): Place => ({ conversationId: `a:personal-${who.aadObjectId}`, conversationType: 'personal' });

export const BOT = { id: '28:liftoff-bot', name: 'Liftoff' };

/** The Teams user id of a person in tests. */
export const teamsUserId = (who: Person): string => `29:${who.aadObjectId}`;

/** Builds Teams-shaped activities as the Bot Connector would post them. */
export class ActivityFactory {
  constructor(private readonly serviceUrl: string) {}

  private base(type: string, who: Person, place: Place): Record<string, unknown> {
    const tenantId = place.tenantId ?? TENANT;
    return {
      type,
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      channelId: 'msteams',
      serviceUrl: this.serviceUrl,
      from: { id: teamsUserId(who), name: who.name, aadObjectId: who.aadObjectId },
      recipient: BOT,
      conversation: { id: place.conversationId, conversationType: place.conversationType, tenantId, isGroup: place.conversationType !== 'personal' },
      channelData: {
        tenant: { id: tenantId },
        ...(place.teamId ? { team: { id: place.teamId }, channel: { id: place.conversationId } } : {}),
      },
    };
  }

  /** A message; in channels and group chats it @mentions the bot as Teams requires. */
  message(who: Person, text: string, place: Place): Record<string, unknown> {
    const mention = place.conversationType === 'personal' ? '' : `<at>${BOT.name}</at> `;
    const activity = { ...this.base('message', who, place), text: `${mention}${text}`, textFormat: 'plain' };
    return mention ? { ...activity, entities: [{ type: 'mention', text: `<at>${BOT.name}</at>`, mentioned: BOT }] } : activity;
  }

  /** An Action.Execute invoke from a card in the message `replyToId`: a button pressed, or the client's automatic refresh. */
  execute(who: Person, verb: string, data: Record<string, unknown>, place: Place, replyToId = 'card-message-1', trigger: 'manual' | 'automatic' = 'manual'): Record<string, unknown> {
    return {
      ...this.base('invoke', who, place),
      name: 'adaptiveCard/action',
      replyToId,
      value: { action: { type: 'Action.Execute', verb, data }, trigger },
    };
  }

  installation(who: Person, action: 'add' | 'remove', place: Place): Record<string, unknown> {
    return { ...this.base('installationUpdate', who, place), action };
  }

  /** A conversationUpdate: Liftoff (the bot) joining the conversation, as Teams announces an install too. */
  botAdded(who: Person, place: Place): Record<string, unknown> {
    return { ...this.base('conversationUpdate', who, place), membersAdded: [{ id: BOT.id }] };
  }
}

/** The id of a workload created under this slug in this place (names are unique per team or chat). */
export function workloadIdIn(place: Place, slug: string): string {
  return workloadIdOf({ tenantId: place.tenantId ?? TENANT, scopeId: place.teamId ?? place.conversationId }, slug);
}
