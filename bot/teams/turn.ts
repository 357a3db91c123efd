import { TeamsInfo, TurnContext } from 'botbuilder';
import type { ConversationTarget } from '../conversations/messenger';
import type { Person, WorkloadScope } from '../release/model';

/** What a handler needs to know about the turn, free of the Bot Framework types. */
export interface Turn {
  actor: Person;
  tenantId: string;
  scope: WorkloadScope;
  /** Whether this conversation belongs to a team or is a chat. */
  place: 'team' | 'chat';
  activityId: string;
  /** This conversation, for posting or updating messages after the turn. */
  target: ConversationTarget;
  /** For a card action: the id of the message holding the card. */
  messageId?: string;
  /** For a card action: pressed by the person, or an automatic refresh by the client (which must not update the message). */
  trigger: 'manual' | 'automatic' | 'message';
  /** The members of this conversation (or team), read from Teams when asked. */
  roster(): Promise<Person[]>;
  /** The same members with their Teams user ids (`29:...`), which user-specific card views need. */
  members(): Promise<Member[]>;
  /** The person's time zone (IANA name) as their Teams client reports it, when it does. */
  timeZone?: string;
  /** Whether Teams lists this person as a member of another team or chat (asked once per turn and place). */
  isMemberOf(scope: WorkloadScope): Promise<boolean>;
}

/** A member of a conversation: the person, and their Teams user id. */
export interface Member extends Person {
  teamsUserId: string;
}

/** Most members read from Teams for one roster. */
const ROSTER_MAX = 500;

export function tenantOf(context: TurnContext): string | undefined {
  const activity = context.activity;
  return activity.conversation?.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
}

export function teamIdOf(context: TurnContext): string | undefined {
  return (context.activity.channelData as { team?: { id?: string } } | undefined)?.team?.id;
}

/** Builds the Turn; undefined when the activity lacks the identity Liftoff needs (no AAD user or no tenant). */
export function buildTurn(context: TurnContext): Turn | undefined {
  const activity = context.activity;
  const aadObjectId = activity.from?.aadObjectId;
  const tenantId = tenantOf(context);
  if (!aadObjectId || !tenantId) return undefined;
  const teamId = teamIdOf(context);
  // A channel message's conversation id names its thread; the channel is the part before ";messageid=".
  const conversationId = activity.conversation.id.split(';')[0] ?? activity.conversation.id;
  const members = async (): Promise<Member[]> => {
    const people: Member[] = [];
    let token: string | undefined;
    do {
      const page = await TeamsInfo.getPagedMembers(context, 100, token);
      for (const m of page.members) {
        if (m.aadObjectId) people.push({ aadObjectId: m.aadObjectId, name: m.name || m.email || m.aadObjectId, teamsUserId: m.id });
      }
      token = page.continuationToken || undefined;
    } while (token && people.length < ROSTER_MAX);
    return people;
  };
  const memberships = new Map<string, Promise<boolean>>();
  const isMemberOf = (scope: WorkloadScope): Promise<boolean> => {
    if (scope.tenantId !== tenantId) return Promise.resolve(false);
    let answer = memberships.get(scope.scopeId);
    if (!answer) {
      // The team id (or the chat's id) names the roster; Teams answers 404 for someone not in it.
      answer = TeamsInfo.getTeamMember(context, scope.scopeId, activity.from.id).then(
        (member) => member?.aadObjectId === aadObjectId,
        () => false,
      );
      memberships.set(scope.scopeId, answer);
    }
    return answer;
  };
  return {
    actor: { aadObjectId, name: activity.from.name || 'Someone' },
    tenantId,
    scope: { tenantId, scopeId: teamId ?? conversationId, conversationId },
    place: teamId ? 'team' : 'chat',
    activityId: activity.id ?? '',
    target: {
      conversationId: activity.conversation.id,
      serviceUrl: activity.serviceUrl,
      tenantId,
      reference: TurnContext.getConversationReference(activity),
    },
    ...(activity.replyToId ? { messageId: activity.replyToId } : {}),
    trigger: activity.type === 'invoke' ? ((activity.value as { trigger?: string } | undefined)?.trigger === 'automatic' ? 'automatic' : 'manual') : 'message',
    ...(activity.localTimezone ? { timeZone: activity.localTimezone } : {}),
    async roster() {
      return (await members()).map(({ aadObjectId, name }) => ({ aadObjectId, name }));
    },
    members,
    isMemberOf,
  };
}
