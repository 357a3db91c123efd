import type { Card } from '../../cards/render';
import type { Logger } from '../log';
import type { Person } from '../release/model';
import { forEachLimited } from '../shared/coalesce';
import { DeliveryError, Messenger } from './messenger';
import type { ConversationRecord, ConversationRepository } from './model';
import { FinalStatus, finalStatus } from './outbound';

/** A person Liftoff can nudge one to one: the personal chat stored when they installed it. */
export interface Reachable<P extends Person> {
  person: P;
  chat: ConversationRecord;
}

/** Someone a reminder did not reach, and why. */
export interface Unreached<P extends Person> {
  person: P;
  why: FinalStatus;
}

/** Lookups and sends in flight at once; the pipeline's budget does the pacing. */
const CONCURRENCY = 8;

/** One-to-one reminders (sign-off testers, retro members), sent through the outbound pipeline. */
export class Reminders {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly messenger: Messenger,
    private readonly log: Logger,
  ) {}

  /** Splits people into those with a personal chat with Liftoff in this tenant and those without one. */
  async reach<P extends Person>(people: readonly P[], tenantId: string): Promise<{ reachable: Array<Reachable<P>>; noPersonalChat: P[] }> {
    const chats = new Map<string, ConversationRecord>();
    await forEachLimited(people, CONCURRENCY, async (person) => {
      const chat = await this.conversations.personalChatOf(person.aadObjectId);
      if (chat && chat.tenantId === tenantId) chats.set(person.aadObjectId, chat);
    });
    const reachable: Array<Reachable<P>> = [];
    const noPersonalChat: P[] = [];
    for (const person of people) {
      const chat = chats.get(person.aadObjectId);
      if (chat) reachable.push({ person, chat });
      else noPersonalChat.push(person);
    }
    return { reachable, noPersonalChat };
  }

  /** Sends each person their card; answers, in the order given, those Teams did not take it for. Meant for background work. */
  async send<P extends Person>(reachable: ReadonlyArray<Reachable<P>>, card: (to: Reachable<P>) => Card, summary: string, fields: Record<string, unknown>): Promise<Array<Unreached<P>>> {
    const unreached = new Map<string, Unreached<P>>();
    await forEachLimited(reachable, CONCURRENCY, async (to) => {
      try {
        await this.messenger.post(to.chat, card(to), summary);
      } catch (error) {
        const why = finalStatus(error);
        const failure = error instanceof DeliveryError ? { status: error.status, code: error.code } : { err: error };
        this.log.warn({ event: 'reminder.unreached', ...fields, person: to.person.aadObjectId, why, ...failure }, 'a reminder did not reach its person');
        unreached.set(to.person.aadObjectId, { person: to.person, why });
      }
    });
    this.log.info({ event: 'reminder.sent', ...fields, sent: reachable.length - unreached.size, unreached: unreached.size }, 'reminders sent');
    return reachable.flatMap((to) => unreached.get(to.person.aadObjectId) ?? []);
  }
}
