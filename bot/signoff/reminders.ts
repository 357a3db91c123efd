import type { Card } from '../../cards/render';
import { DeliveryError, Messenger } from '../conversations/messenger';
import type { ConversationRepository } from '../conversations/model';
import type { Logger } from '../log';
import type { Person } from '../release/model';
import { forEachLimited } from '../shared/coalesce';
import { sleep } from '../shared/retry';
import type { Approver } from './model';

/** Why a tester could not be reminded. */
export type Unreachable = 'noPersonalChat' | 'blocked' | 'notFound' | 'failed';

export interface ReminderReport {
  reminded: Person[];
  unreachable: Array<{ person: Person; why: Unreachable }>;
}

/** Teams allows a bot about 50 messages a second per tenant; reminders stay well under it. */
const SENDS_PER_SECOND = 20;
const CONCURRENCY = 4;

/** Nudges testers one to one, in the personal chat Liftoff stored when each of them installed it. */
export class Reminders {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly messenger: Messenger,
    private readonly log: Logger,
  ) {}

  async send(testers: Approver[], card: (tester: Approver) => Card, summary: string, fields: Record<string, unknown>): Promise<ReminderReport> {
    const report: ReminderReport = { reminded: [], unreachable: [] };
    let nextSlot = Date.now();
    await forEachLimited(testers, CONCURRENCY, async (tester) => {
      const person = { aadObjectId: tester.aadObjectId, name: tester.name };
      const chat = await this.conversations.personalChatOf(tester.aadObjectId);
      if (!chat) {
        report.unreachable.push({ person, why: 'noPersonalChat' });
        return;
      }
      const wait = nextSlot - Date.now();
      nextSlot = Math.max(nextSlot, Date.now()) + 1000 / SENDS_PER_SECOND;
      if (wait > 0) await sleep(wait);
      try {
        await this.messenger.post(chat, card({ ...tester, teamsUserId: tester.teamsUserId || chat.user?.teamsUserId || '' }), summary);
        report.reminded.push(person);
      } catch (error) {
        const status = error instanceof DeliveryError ? error.status : 0;
        const why: Unreachable = status === 403 ? 'blocked' : status === 404 ? 'notFound' : 'failed';
        this.log.warn({ event: 'signoff.reminder_failed', ...fields, tester: tester.aadObjectId, status, code: error instanceof DeliveryError ? error.code : undefined, err: error }, 'could not remind a tester');
        report.unreachable.push({ person, why });
      }
    });
    return report;
  }
}
