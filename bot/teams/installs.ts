import { CardFactory, ConversationReference, MessageFactory, TeamsInfo, TurnContext } from 'botbuilder';
import { renderWelcome, WelcomePlace } from '../../cards/render';
import { ConversationRecord, ConversationRepository, personalKey } from '../conversations/model';
import type { Logger } from '../log';
import { teamIdOf, tenantOf } from './turn';

/** Keeps the conversations where Liftoff is installed, so it can speak there later. */
export class InstallRecorder {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Records the conversation of this activity; in a team, every channel of the team Teams will list. */
  async installed(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const tenantId = tenantOf(context);
    if (!tenantId) return;
    const reference = TurnContext.getConversationReference(activity) as ConversationReference;
    const conversationId = activity.conversation.id.split(';')[0] ?? activity.conversation.id;
    const base = { tenantId, serviceUrl: activity.serviceUrl, installedAt: this.clock().toISOString() };
    const type = activity.conversation.conversationType;
    const teamId = teamIdOf(context);

    if (type === 'personal') {
      const aadObjectId = activity.from?.aadObjectId;
      if (!aadObjectId) return;
      await this.conversations.save({
        ...base,
        id: personalKey(aadObjectId),
        conversationId,
        kind: 'personal',
        user: { aadObjectId, teamsUserId: activity.from.id, name: activity.from.name ?? '' },
        reference: { ...reference, conversation: { ...reference.conversation, id: conversationId } },
      });
    } else if (teamId) {
      const channels = await this.teamChannels(context, teamId, conversationId);
      for (const channel of channels) {
        const record: ConversationRecord = {
          ...base,
          id: channel.id,
          conversationId: channel.id,
          kind: 'channel',
          teamId,
          ...(channel.name ? { name: channel.name } : {}),
          reference: { ...reference, conversation: { ...reference.conversation, id: channel.id } },
        };
        await this.conversations.save(record);
      }
    } else {
      await this.conversations.save({
        ...base,
        id: conversationId,
        conversationId,
        kind: 'groupChat',
        ...(activity.conversation.name ? { name: activity.conversation.name } : {}),
        reference: { ...reference, conversation: { ...reference.conversation, id: conversationId } },
      });
    }
    this.log.info({ event: 'install.recorded', tenantId, conversationType: type, teamId, activityId: activity.id }, 'installation recorded');
  }

  /**
   * Posts the welcome card where Liftoff was just added, once per install: the first install event claims it
   * in Cosmos, so a retried activity or the second event of the same install (Teams sends both
   * installationUpdate and conversationUpdate) posts nothing more. A welcome Teams did not take is released,
   * so the retry Teams makes of a failed turn posts it.
   */
  async welcome(context: TurnContext): Promise<void> {
    const install = installOf(context);
    if (!install) return;
    if (!(await this.conversations.claimWelcome(install.key, this.clock().toISOString()))) return;
    try {
      await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(renderWelcome(install.place))));
    } catch (error) {
      await this.conversations.releaseWelcome(install.key);
      throw error;
    }
    this.log.info({ event: 'install.welcomed', place: install.place, activityId: context.activity.id }, 'welcome card posted');
  }

  /** Forgets the conversations of this activity: the person's chat, the group chat, or the whole team. */
  async uninstalled(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const teamId = teamIdOf(context);
    const type = activity.conversation.conversationType;
    if (type === 'personal' && activity.from?.aadObjectId) await this.conversations.remove(personalKey(activity.from.aadObjectId));
    else if (teamId) await this.conversations.removeTeam(teamId);
    else await this.conversations.remove(activity.conversation.id.split(';')[0] ?? activity.conversation.id);
    // A later install is a new one, welcomed again.
    const install = installOf(context);
    if (install) await this.conversations.releaseWelcome(install.key);
    this.log.info({ event: 'uninstall.recorded', conversationType: type, teamId, activityId: activity.id }, 'installation removed');
  }

  private async teamChannels(context: TurnContext, teamId: string, fallbackId: string): Promise<Array<{ id: string; name?: string }>> {
    try {
      const channels = await TeamsInfo.getTeamChannels(context, teamId);
      const listed = channels.filter((c): c is { id: string; name?: string } => typeof c.id === 'string');
      if (listed.length > 0) return listed.map((c) => ({ id: c.id, ...(c.name ? { name: c.name } : {}) }));
    } catch (error) {
      this.log.warn({ event: 'install.channels_unavailable', teamId, err: error }, 'could not list team channels; keeping this one');
    }
    return [{ id: fallbackId }];
  }
}

/** Which install an activity belongs to: the person's chat, the group chat, or the whole team (one welcome for all its channels). */
function installOf(context: TurnContext): { key: string; place: WelcomePlace } | undefined {
  const activity = context.activity;
  if (!tenantOf(context)) return undefined;
  const teamId = teamIdOf(context);
  if (activity.conversation?.conversationType === 'personal') {
    const aadObjectId = activity.from?.aadObjectId;
    return aadObjectId ? { key: personalKey(aadObjectId), place: 'personal' } : undefined;
  }
  if (teamId) return { key: `team:${teamId}`, place: 'team' };
  const conversationId = activity.conversation?.id?.split(';')[0];
  return conversationId ? { key: conversationId, place: 'groupChat' } : undefined;
}
