import { strict as assert } from 'node:assert';
import type { Person, Workload } from '../../bot/release/model';
import type { SignoffCycle, Vote } from '../../bot/signoff/model';
import { TENANT } from './builders';
import type { ActivityOpRecord } from './fakeConnector';
import { cardText, findAction, Harness } from './liftoff';
import { Place, teamsUserId, workloadIdIn } from './teams';

/** Drives business-test sign-off over HTTP the way people do in Teams, and reads what they would see. */
export class SignoffDriver {
  constructor(
    private readonly h: Harness,
    readonly place: Place,
  ) {}

  workloadId(name: string): string {
    return workloadIdIn(this.place, name.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
  }

  /** Sets the roster Teams answers for this conversation (the team's, in a channel). */
  roster(people: Person[]): void {
    const members = people.map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: this.place.tenantId ?? TENANT }));
    this.h.fake.setRoster(this.place.teamId ?? this.place.conversationId, members);
  }

  async createWorkload(pm: Person, name: string, businessOwner?: Person): Promise<void> {
    await this.h.say(this.h.activities.message(pm, `new ${name}`, this.place));
    if (!businessOwner) return;
    await this.assignBusinessOwner(pm, name, businessOwner);
  }

  async assignBusinessOwner(pm: Person, name: string, businessOwner: Person): Promise<void> {
    const workload = await this.workload(name);
    const res = await this.h.post(
      this.h.activities.execute(pm, 'roles.save', { workloadId: workload.workloadId, rolesRev: workload.rolesRev, role: 'businessOwner', people: businessOwner.aadObjectId }, this.place),
    );
    assert.match(cardText(res.body.value), /Roles saved: Business owner → /);
  }

  async workload(name: string): Promise<Workload> {
    const id = this.workloadId(name);
    const { resource } = await this.h.app.cosmos.workloads.item(id, id).read<Workload>();
    assert.ok(resource, `workload ${name} is stored`);
    return resource;
  }

  async cycle(name: string, cycleId: string): Promise<SignoffCycle> {
    const id = this.workloadId(name);
    const { resource } = await this.h.app.cosmos.workloads.item(cycleId, id).read<SignoffCycle>();
    assert.ok(resource, `cycle ${cycleId} of ${name} is stored`);
    return resource;
  }

  async votes(name: string, cycleId: string): Promise<Vote[]> {
    return this.query<Vote>(name, 'SELECT * FROM c WHERE c.workloadId = @workloadId AND c.type = "vote" AND c.cycleId = @cycleId', cycleId);
  }

  async events(name: string, cycleId: string): Promise<Array<{ action: string; summary: string }>> {
    return this.query(name, 'SELECT * FROM c WHERE c.workloadId = @workloadId AND c.type = "event" AND c.cycleId = @cycleId', cycleId);
  }

  /** The embedded server ignores the partition key of a query, so queries name the workload themselves. */
  private async query<T>(name: string, query: string, cycleId: string): Promise<T[]> {
    const workloadId = this.workloadId(name);
    const parameters = [
      { name: '@cycleId', value: cycleId },
      { name: '@workloadId', value: workloadId },
    ];
    const { resources } = await this.h.app.cosmos.workloads.items.query<T>({ query, parameters }, { partitionKey: workloadId }).fetchAll();
    return resources;
  }

  /** Presses "Open the cycle" on the form `uat <name>` answers; returns the answer and the sign-off card posted in the conversation. */
  async open(
    who: Person,
    name: string,
    inputs: { testers: Person[]; rule?: string; atLeast?: number | string; rejection?: string; dueDate?: string; dueTime?: string; timeZone?: string; testPlanUrl?: string; scopeNotes?: string },
  ): Promise<{ answer: any; cycleId?: string; messageId?: string; card?: any }> {
    const form = await this.h.say(this.h.activities.message(who, `uat ${name}`, this.place));
    const action = findAction(form, 'signoff.open');
    const before = this.h.fake.lastSeq;
    const res = await this.h.post(
      this.h.activities.execute(
        who,
        'signoff.open',
        {
          ...action.data,
          testers: inputs.testers.map((p) => p.aadObjectId).join(','),
          rule: inputs.rule ?? 'all',
          ...(inputs.atLeast !== undefined ? { atLeast: inputs.atLeast } : {}),
          rejection: inputs.rejection ?? 'failsCycle',
          dueDate: inputs.dueDate ?? '2026-11-25',
          dueTime: inputs.dueTime ?? '17:00',
          timeZone: inputs.timeZone ?? 'Europe/Paris',
          testPlanUrl: inputs.testPlanUrl ?? 'https://contoso.example/uat/plan',
          scopeNotes: inputs.scopeNotes ?? 'Month-end payroll run',
        },
        this.place,
        'form-message',
      ),
    );
    assert.equal(res.status, 200);
    const posted = this.h.fake.activities.find((r) => r.seq > before && r.kind === 'send') as ActivityOpRecord | undefined;
    const card = posted?.activity?.attachments?.[0]?.content;
    const cycleId = card ? (findAction(card, 'signoff.view').data.cycleId as string) : undefined;
    return { answer: res.body.value, ...(cycleId ? { cycleId } : {}), ...(posted ? { messageId: posted.activityId, card } : {}) };
  }

  /** A tester pressing Approve or Reject on the card in message `messageId`. */
  decide(who: Person, name: string, cycleId: string, decision: 'approve' | 'reject', extra: { comment?: string; evidence?: string } = {}, messageId = 'signoff-card') {
    return this.h.post(this.h.activities.execute(who, 'signoff.decide', { workloadId: this.workloadId(name), cycleId, decision, ...extra }, this.place, messageId));
  }

  final(who: Person, name: string, cycleId: string, decision: 'approve' | 'reject', comment = '', messageId = 'signoff-card') {
    return this.h.post(this.h.activities.execute(who, 'signoff.final', { workloadId: this.workloadId(name), cycleId, decision, comment }, this.place, messageId));
  }

  /** The business owner or project manager pressing "Cancel the cycle" with a reason, on the card in message `messageId`. */
  cancel(who: Person, name: string, cycleId: string, reason: string, messageId = 'signoff-card') {
    return this.h.post(this.h.activities.execute(who, 'signoff.cancel', { workloadId: this.workloadId(name), cycleId, reason }, this.place, messageId));
  }

  /** Posts a message and answers the card the bot replied with in this conversation. */
  async say(who: Person, text: string): Promise<any> {
    const before = this.h.fake.lastSeq;
    const res = await this.h.post(this.h.activities.message(who, text, this.place));
    assert.equal(res.status, 200);
    const reply = this.h.fake.activities.find((r) => r.seq > before && r.kind === 'reply' && r.conversationId === this.place.conversationId) as ActivityOpRecord | undefined;
    assert.ok(reply, 'the bot replied here');
    return reply.activity?.attachments?.[0]?.content;
  }

  /** The client drawing a person's own view of the card: automatic on sight, or a manual refresh. */
  view(who: Person, name: string, cycleId: string, trigger: 'manual' | 'automatic' = 'automatic', messageId = 'signoff-card') {
    return this.h.post(this.h.activities.execute(who, 'signoff.view', { workloadId: this.workloadId(name), cycleId }, this.place, messageId, trigger));
  }

  /** What everyone sees in the shared message once background updates have finished. */
  async shared(messageId: string, posted: any): Promise<any> {
    await this.h.app.background.drain();
    const updates = this.h.fake.updates(messageId);
    return updates.length ? updates[updates.length - 1]!.activity?.attachments?.[0]?.content : posted;
  }
}

/** The verbs of every Action.Execute on a card. */
export function verbsOn(card: unknown): string[] {
  const verbs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (obj.type === 'Action.Execute') verbs.push(String(obj.verb));
      Object.entries(obj).forEach(([key, value]) => key !== 'refresh' && walk(value));
    }
  };
  walk(card);
  return verbs;
}
