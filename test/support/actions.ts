import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { Container, OperationInput } from '@azure/cosmos';
import type { Person, Workload } from '../../bot/release/model';
import { BUSINESS_TESTING_GATE, cycleIdOf } from '../../bot/signoff/model';
import { TENANT } from './builders';
import { cardText, Harness } from './liftoff';
import { Place, teamsUserId, workloadIdIn } from './teams';

/**
 * The per-action turns whose Cosmos requests the request-count specs and the actions benchmark measure,
 * and the scenes they play in: workloads brought to the state an action needs, through the bot where
 * that is the action's own business and straight in the store where it is another spec's.
 */

/** A date a week from now, as a person picks it on a card. */
export const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

export const slugOf = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** Puts people on the roster Teams answers for the place's team. */
export function rosterOf(h: Harness, place: Place, people: Person[]): void {
  h.fake.setRoster(
    place.teamId!,
    people.map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: place.tenantId ?? TENANT })),
  );
}

/**
 * A workload created through the bot by its project manager, who is its business owner too and, when `promoted`,
 * has passed every gate up to the traffic cutover but business testing (the release itself is specified in the release specs).
 */
export async function workloadReady(h: Harness, pm: Person, place: Place, name: string, options: { promoted?: boolean } = {}): Promise<string> {
  assert.match(cardText(await h.say(h.activities.message(pm, `new ${name}`, place))), new RegExp(`Created ${name}`));
  const workloadId = workloadIdIn(place, slugOf(name));
  const item = h.app.cosmos.workloads.item(workloadId, workloadId);
  const current = (await item.read<Workload>()).resource!;
  const cutover = current.gates.findIndex((g) => g.id === 'traffic-rerouted');
  const gates = options.promoted ? current.gates.map((g, i) => (i <= cutover && g.id !== BUSINESS_TESTING_GATE ? { ...g, status: 'passed' as const, rev: g.rev + 1 } : g)) : current.gates;
  await item.replace({ ...current, roles: { ...current.roles, businessOwner: [pm] }, rolesRev: current.rolesRev + 1, gates });
  return workloadId;
}

/** Grows a workload's audit trail by `count` events, in batches of 100 as a long release would leave them. */
export async function addHistory(container: Container, workloadId: string, count: number): Promise<void> {
  for (let done = 0; done < count; done += 100) {
    const operations: OperationInput[] = Array.from({ length: Math.min(100, count - done) }, (_, i) => ({
      operationType: 'Create',
      partitionKey: workloadId,
      resourceBody: { id: randomUUID(), workloadId, type: 'event', at: new Date(Date.UTC(2026, 0, 1) + (done + i) * 1000).toISOString(), action: 'gate.failed', summary: `Event ${done + i}` },
    }));
    const { result } = await container.items.batch(operations, workloadId);
    assert.ok(result?.every((r) => r.statusCode === 201));
  }
}

/** The project manager fails the retrospective gate again (a decision whose rule needs no earlier gate): a write every time. */
export const gateDecision = (h: Harness, pm: Person, place: Place, workloadId: string, rev: number): Record<string, unknown> =>
  h.activities.execute(pm, 'gate.decide', { workloadId, gateId: 'retro-held', decision: 'fail', note: `Not yet, round ${rev}`, revs: { 'retro-held': rev } }, place);

/** Opens the workload's next UAT cycle for these testers. */
export const uatOpen = (h: Harness, pm: Person, place: Place, workloadId: string, testers: Person[]): Record<string, unknown> =>
  h.activities.execute(
    pm,
    'signoff.open',
    {
      workloadId,
      testers: testers.map((t) => t.aadObjectId).join(','),
      rule: 'all',
      rejection: 'countsAgainst',
      dueDate: inDays(7),
      dueTime: '17:00',
      timeZone: 'UTC',
      testPlanUrl: 'https://contoso.example/plan',
      scopeNotes: '',
    },
    place,
  );

/** A tester approves the workload's first UAT cycle. */
export const uatApproval = (h: Harness, tester: Person, place: Place, workloadId: string): Record<string, unknown> =>
  h.activities.execute(tester, 'signoff.decide', { workloadId, cycleId: cycleIdOf(1), decision: 'approve' }, place, `signoff-${workloadId}`);

/** Starts the workload's first retrospective (the workload is promoted). */
export const retroStart = (h: Harness, pm: Person, place: Place, workloadId: string): Record<string, unknown> =>
  h.activities.execute(pm, 'retro.start', { workloadId, template: 'caf', anonymous: 'true', deadlineDate: inDays(7), deadlineTime: '17:00', timeZone: 'Europe/Paris', votes: '3' }, place);

/** A team member adds one entry to the workload's first retrospective. */
export const retroEntry = (h: Harness, who: Person, place: Place, workloadId: string, text: string): Record<string, unknown> =>
  h.activities.execute(who, 'retro.entry.add', { workloadId, retroId: `${workloadId}:retro-1`, q_well: text }, place, `retro-${workloadId}`);

/** Posts an invoke and answers the card the bot drew, failing when it did not draw one. */
export async function press(h: Harness, activity: Record<string, unknown>): Promise<string> {
  const res = await h.post(activity);
  assert.equal(res.status, 200);
  const body = res.body as { statusCode?: number; value?: unknown };
  assert.equal(body.statusCode, 200);
  return cardText(body.value);
}
