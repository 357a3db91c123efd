import { renderPlan, renderPlanEdit } from '../../cards/planCards';
import { Card, ChecklistSection, Notice as Banner } from '../../cards/render';
import { personText } from '../../cards/text';
import type { PersonAddress } from '../broadcast/model';
import { isRole, PlanAudience, PlanResult, timingText } from '../broadcast/plan';
import type { CommPlanService } from '../broadcast/planService';
import type { ConversationRepository } from '../conversations/model';
import type { Workload } from '../release/model';
import { attention, outcomeBanner, VerbOutcome } from './router';
import type { Turn } from './turn';
import type { PlanEntryData, PlanSaveData, PlanSwitchData } from './planRoutes';

/** Most people an edit card offers. */
const PEOPLE_LIMIT = 100;

/** The communication plan as Teams sees it: the plan card, the edit form, preview, approve, turn off or on. */
export class PlanHandlers {
  constructor(
    private readonly plans: CommPlanService,
    private readonly conversations: ConversationRepository,
  ) {}

  private async addressesOf(turn: Turn): Promise<PersonAddress[]> {
    const members = await turn.members().catch(() => []);
    return members.map((m) => ({ aadObjectId: m.aadObjectId, teamsUserId: m.teamsUserId, name: m.name, serviceUrl: turn.target.serviceUrl }));
  }

  /** Learns, from this turn in the workload's own conversation, where that conversation is and how to reach its role holders. */
  private async learn(turn: Turn, workload: Workload): Promise<void> {
    if (turn.scope.conversationId !== workload.scope.conversationId) return;
    await this.plans.learn(workload, { serviceUrl: turn.target.serviceUrl, members: await this.addressesOf(turn) });
  }

  async card(turn: Turn, workload: Workload, banner?: Banner, preview?: string): Promise<Card> {
    const plan = await this.plans.view(workload);
    return renderPlan(
      plan,
      { now: this.plans.now(), ...(turn.timeZone ? { timeZone: turn.timeZone } : {}), ...(preview ? { preview } : {}), approvalRequired: this.plans.options.approvalRequired },
      banner,
    );
  }

  /** `plan <workload>`. */
  async command(turn: Turn, workload: Workload): Promise<Card> {
    // Follows the window again first: a process that stopped between a window change and the plan's is mended here.
    await this.plans.windowChanged(workload.workloadId);
    await this.learn(turn, workload);
    return this.card(turn, workload);
  }

  async preview(turn: Turn, data: PlanEntryData, workload: Workload): Promise<VerbOutcome> {
    const plan = await this.plans.view(workload);
    if (!plan.entries.some((e) => e.id === data.entryId)) return { card: await this.card(turn, workload, attention('That planned notice is no longer in the plan.')) };
    return { card: await this.card(turn, workload, undefined, data.entryId) };
  }

  async edit(turn: Turn, data: PlanEntryData, workload: Workload, banner?: Banner, typed?: Record<string, string>): Promise<VerbOutcome> {
    const plan = await this.plans.view(workload);
    const entry = data.entryId ? plan.entries.find((e) => e.id === data.entryId) : undefined;
    if (data.entryId && !entry && !typed) return { card: await this.card(turn, workload, attention('That planned notice is no longer in the plan.')) };
    if (entry?.state === 'sent') return { card: await this.card(turn, workload, attention(`"${personText(entry.title, 80)}" has already gone out; it can no longer be edited.`)) };
    const [channels, members] = await Promise.all([this.conversations.inTenant(turn.tenantId, 'channel'), turn.members().catch(() => [])]);
    return {
      card: renderPlanEdit(
        {
          workloadId: workload.workloadId,
          workloadName: workload.name,
          entryId: entry?.id ?? (data.entryId || this.plans.newEntryId()),
          rev: entry?.rev ?? 0,
          ...(entry ? { entry } : {}),
          ...(typed ? { typed } : {}),
          channels: channels.map((c) => ({ title: c.name ?? 'General', value: c.id })).sort((a, b) => a.title.localeCompare(b.title)),
          people: members.slice(0, PEOPLE_LIMIT).map((m) => ({ title: m.name, value: m.aadObjectId })),
        },
        banner,
      ),
    };
  }

  async save(turn: Turn, data: PlanSaveData, workload: Workload): Promise<VerbOutcome> {
    const typed: Record<string, string> = {
      kind: data.kind,
      title: data.title,
      body: data.body,
      when: data.when,
      amount: data.amount,
      unit: data.unit,
      date: data.date,
      time: data.time,
      timeZone: data.timeZone,
      conversation: String(data.conversation),
      team: String(data.team),
      everyone: String(data.everyone),
      roles: data.roles.join(','),
      channels: data.channels.join(','),
      people: data.people.join(','),
    };
    const again = (message: string) => this.edit(turn, { workloadId: workload.workloadId, entryId: data.entryId }, workload, attention(message), typed);
    const roles = data.roles.filter(isRole);
    if (roles.length !== data.roles.length) return again('Pick roles from the list.');
    const members = data.people.length ? await this.addressesOf(turn) : [];
    const people = data.people.map((id) => members.find((m) => m.aadObjectId === id)).filter((m): m is PersonAddress => m !== undefined);
    if (people.length !== data.people.length) return again('Pick people who are members of this conversation.');
    const audience: PlanAudience = { roles, conversation: data.conversation, team: data.team, everyone: data.everyone, channelIds: data.channels, people };
    const result = await this.plans.save(workload, turn.actor, { entryId: data.entryId, kind: data.kind, title: data.title, body: data.body, audience, timing: data, rev: data.rev });
    if (result.kind === 'invalid') return again(result.message);
    if (result.kind === 'changed') await this.learn(turn, workload);
    return this.answer(turn, workload, result, (r) => {
      const entry = r.entry!;
      const going = entry.state === 'awaitingApproval' ? 'It waits for a second change manager to approve it.' : entry.state === 'off' ? 'It stays turned off.' : 'It goes by itself when due.';
      return `Planned "${personText(entry.title, 80)}", ${timingText(entry.timing)}. ${going}`;
    });
  }

  async approve(turn: Turn, data: PlanEntryData, workload: Workload): Promise<VerbOutcome> {
    const result = await this.plans.approve(workload, turn.actor, data.entryId);
    return this.answer(turn, workload, result, (r) => `Approved "${personText(r.entry?.title ?? '', 80)}": it goes when due.`);
  }

  async switch(turn: Turn, data: PlanSwitchData, workload: Workload): Promise<VerbOutcome> {
    const result = await this.plans.switch(workload, turn.actor, data.entryId, data.on);
    return this.answer(turn, workload, result, (r) =>
      data.on ? `"${personText(r.entry?.title ?? '', 80)}" is on again.` : `"${personText(r.entry?.title ?? '', 80)}" is turned off: it will not be sent.`,
    );
  }

  private async answer(turn: Turn, workload: Workload, result: PlanResult, sentence: (r: Exclude<PlanResult, { kind: 'refused' }>) => string): Promise<VerbOutcome> {
    if (result.kind === 'refused') return { card: await this.card(turn, workload, attention(result.message)) };
    return { card: await this.card(turn, workload, outcomeBanner(result.kind, result.kind === 'changed' ? sentence(result) : 'Nothing changed: the plan already says so.')) };
  }

  /** The checklist shows the plan briefly: the next planned notice and how many are planned. */
  readonly checklistSection = (_turn: Turn | undefined, workload: Workload): Promise<ChecklistSection[]> => {
    // The plan's line comes with the workload (its summary, kept in step with every change of the plan): no read here.
    const { planned, sent, next } = workload.summaries?.plan ?? { planned: 0, sent: 0 };
    const line = next ? `${planned} planned, ${sent} sent. Next: "${personText(next.title, 80)}", ${next.when}.` : sent ? `${sent} sent, nothing more planned.` : 'No notice planned yet.';
    return Promise.resolve([{ title: 'Communication plan', lines: [line], actions: [{ title: 'Communication plan', verb: 'plan.show', data: { workloadId: workload.workloadId } }] }]);
  };
}
