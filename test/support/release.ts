import { strict as assert } from 'node:assert';
import type { CutoverWindow, GoNoGoAnswer } from '../../bot/cutover/model';
import type { Person, Role, Workload } from '../../bot/release/model';
import type { FakeConnector } from './fakeConnector';
import type { Harness } from './liftoff';
import { inPartition } from './partition';
import { Place, teamChannel, teamsUserId } from './teams';

/** The stored workload document, as Cosmos holds it. */
export async function storedWorkload(h: Harness, workloadId: string): Promise<Workload> {
  const { resource } = await h.app.cosmos.workloads.item(workloadId, workloadId).read<Workload>();
  assert.ok(resource);
  return resource;
}

/**
 * Closes every gate before promotion and hands out roles, as the release specs (release.test.ts) show a team
 * doing one by one: for the specs of what happens from promotion on.
 */
export async function readyForPromotion(h: Harness, workloadId: string, roles: Partial<Record<Role, Person[]>>): Promise<void> {
  const current = await storedWorkload(h, workloadId);
  const promotedAt = current.gates.findIndex((g) => g.id === 'traffic-rerouted');
  const gates = current.gates.map((g, i) => (i < promotedAt ? { ...g, status: 'passed' as const, rev: g.rev + 1 } : g));
  const held = Object.fromEntries(Object.entries(roles).map(([role, people]) => [role, people.map((p) => ({ aadObjectId: p.aadObjectId, name: p.name }))]));
  await h.app.cosmos.workloads.item(workloadId, workloadId).replace({ ...current, roles: { ...current.roles, ...held }, rolesRev: current.rolesRev + 1, gates });
}

/** The documents of one type in one partition (a workload's, or a team's). */
export async function partitionDocs<T>(h: Harness, partition: string, type: string): Promise<T[]> {
  return inPartition<T>(h.app.cosmos.workloads, partition, 'SELECT *', 'c.type = @type', { type });
}

/** Go from every stakeholder on a window's frozen list, as stored answers. */
export function everyoneGo(window: CutoverWindow, at: string): GoNoGoAnswer[] {
  return window.stakeholders.map((s) => ({
    id: `${window.windowId}:${s.aadObjectId}`,
    workloadId: window.workloadId,
    type: 'goNoGo',
    windowId: window.windowId,
    voter: s,
    answer: 'go',
    comment: '',
    at,
  }));
}

/** A team channel in a tenant of its own (one per spec, so no spec reads what another left), its roster these people. */
export function teamOfOwn(h: Harness, tenantId: string, name: string, people: Person[]): Place {
  return teamOfOwnIn(h.fake, tenantId, name, people);
}

/** The same, on a fake connector shared across a restart. */
export function teamOfOwnIn(fake: FakeConnector, tenantId: string, name: string, people: Person[]): Place {
  const team = { ...teamChannel(name), tenantId };
  fake.setRoster(
    team.teamId!,
    people.map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId })),
  );
  return team;
}
