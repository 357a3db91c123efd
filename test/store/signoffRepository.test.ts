import { strict as assert } from 'node:assert';
import type { AuditEvent, Workload } from '../../bot/release/model';
import { newWorkload } from '../../bot/release/rules';
import { Approver, SignoffCycle } from '../../bot/signoff/model';
import type { SignoffRepository } from '../../bot/signoff/repository';
import { checkVote, openCycle, sealFor } from '../../bot/signoff/rules';
import { SignoffService } from '../../bot/signoff/service';
import { CosmosStore } from '../../bot/store/cosmos';
import { CosmosSignoffRepository } from '../../bot/store/signoffRepository';
import { CosmosWorkloadRepository } from '../../bot/store/workloadRepository';
import { embeddedStore } from '../support/cosmos';
import { cycleRequest, NOW, person, scope } from '../support/builders';

const pm = person('Priya');
const owner = person('Bea');
const tester = (name: string): Approver => ({ ...person(name), teamsUserId: `29:${name}` });
const [tom, tina, tess] = [tester('Tom'), tester('Tina'), tester('Tess')];
const DUE = '2026-11-25T16:00:00.000Z';
const AFTER_DUE = '2026-11-25T16:00:01.000Z';

/** A promise with its resolve exposed, to hold one side of a race at a chosen point. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('CosmosSignoffRepository and the sign-off service on the embedded Cosmos server', () => {
  let store: CosmosStore;
  let repo: CosmosSignoffRepository;
  let workloads: CosmosWorkloadRepository;

  before(async () => {
    store = await embeddedStore();
    repo = new CosmosSignoffRepository(store.workloads);
    workloads = new CosmosWorkloadRepository(store.workloads);
  });
  after(() => store.close());

  async function workloadNamed(name: string): Promise<Workload> {
    const { workload, event } = newWorkload({ name, slug: name.toLowerCase(), scope: scope(), creator: pm, now: NOW });
    const withOwner = { ...workload, roles: { ...workload.roles, businessOwner: [owner] } };
    assert.equal(await workloads.create(withOwner, event), 'created');
    return (await workloads.get(withOwner.workloadId))!;
  }

  async function openedCycle(
    name: string,
    options: { rule?: 'all' | 'any' | 'atLeast'; atLeast?: number; rejection?: 'failsCycle' | 'countsAgainst'; testers?: Approver[] } = {},
  ): Promise<SignoffCycle> {
    const workload = await workloadNamed(name);
    const result = openCycle(
      cycleRequest(
        { workload, testers: options.testers ?? [tom, tina, tess], finalApprovers: [{ ...owner, teamsUserId: '29:Bea' }], actor: pm },
        { rule: options.rule ?? 'all', ...(options.atLeast ? { atLeast: options.atLeast } : {}), rejection: options.rejection ?? 'failsCycle' },
      ),
    );
    assert.equal(result.kind, 'opened');
    const { cycle, event } = result;
    assert.equal(await repo.createCycle(cycle, event), 'created');
    return cycle;
  }

  const events = async (workloadId: string): Promise<AuditEvent[]> => {
    const { resources } = await store.workloads.items
      .query<AuditEvent>({ query: 'SELECT * FROM c WHERE c.workloadId = @w AND c.type = "event"', parameters: [{ name: '@w', value: workloadId }] }, { partitionKey: workloadId })
      .fetchAll();
    return resources;
  };

  const voteOf = (cycle: SignoffCycle, who: Approver, decision: 'approve' | 'reject' = 'approve') => {
    const check = checkVote(cycle, { actor: who, decision, comment: decision === 'reject' ? 'Wrong totals' : '', evidence: '', now: NOW });
    assert.ok(check.ok);
    return check;
  };

  /** A service over the real repository whose castVote and seal can be held at a gate. */
  function heldService(clock: string, hold: { castVote?: Promise<void>; seal?: Promise<void> }): SignoffService {
    const held: SignoffRepository = Object.create(repo) as SignoffRepository;
    held.castVote = async (vote, event) => {
      await hold.castVote;
      return repo.castVote(vote, event);
    };
    held.recordVote = async (vote, event, marker) => {
      await hold.castVote;
      return repo.recordVote(vote, event, marker);
    };
    held.seal = async (seal) => {
      await hold.seal;
      return repo.seal(seal);
    };
    return new SignoffService(held, () => new Date(clock));
  }

  describe('the repository', () => {
    it('stores a cycle with its audit event, refuses a second one with the same number, and lists cycles by number', async () => {
      const cycle = await openedCycle('payroll');
      assert.equal(
        await repo.createCycle({ ...cycle, openedBy: person('Mallory') }, { workloadId: cycle.workloadId, type: 'event', at: NOW, actor: pm, action: 'cycle.opened', summary: 'x' }),
        'exists',
      );
      assert.equal((await repo.cycle(cycle.workloadId, cycle.id))?.openedBy.name, 'Priya');
      assert.deepEqual((await events(cycle.workloadId)).map((e) => e.action).sort(), ['cycle.opened', 'workload.created']);
      const second = { ...cycle, id: 'uat-2', number: 2 };
      await repo.createCycle(second, { workloadId: cycle.workloadId, type: 'event', at: NOW, actor: pm, action: 'cycle.opened', summary: 'second' });
      assert.deepEqual(
        (await repo.cycles(cycle.workloadId)).map((c) => c.number),
        [1, 2],
      );
    });

    it("records a tester's decision with its event exactly once; a second attempt finds the place taken", async () => {
      const cycle = await openedCycle('billing');
      const first = voteOf(cycle, tom);
      const results = await Promise.all([repo.castVote(first.vote, first.event), repo.castVote(first.vote, first.event), repo.castVote(voteOf(cycle, tom, 'reject').vote, first.event)]);
      assert.deepEqual(results.sort(), ['recorded', 'taken', 'taken']);
      const snapshot = await repo.snapshot(cycle.workloadId, cycle.id);
      assert.equal(snapshot?.votes.length, 1);
      assert.equal((await events(cycle.workloadId)).filter((e) => e.action.startsWith('vote.')).length, 1);
      assert.equal((await repo.slot(cycle.workloadId, first.vote.id))?.type, 'vote');
    });

    it('refuses a decision whose place a seal took, and a seal where a decision is', async () => {
      const cycle = await openedCycle('crm');
      assert.equal(await repo.seal(sealFor(cycle, tina, 'expired', NOW)), 'sealed');
      assert.equal(await repo.castVote(voteOf(cycle, tina).vote, voteOf(cycle, tina).event), 'taken');
      const tom1 = voteOf(cycle, tom);
      assert.equal(await repo.castVote(tom1.vote, tom1.event), 'recorded');
      assert.equal(await repo.seal(sealFor(cycle, tom, 'expired', NOW)), 'taken');
      const snapshot = await repo.snapshot(cycle.workloadId, cycle.id);
      assert.deepEqual([snapshot?.votes.map((v) => v.voter.name), snapshot?.seals.map((s) => s.aadObjectId)], [['Tom'], [tina.aadObjectId]]);
    });

    it("reads a snapshot of one cycle only: not another cycle's decisions, not another workload's", async () => {
      const a = await openedCycle('alpha');
      const b = await openedCycle('beta');
      const other = { ...a, id: 'uat-2', number: 2 };
      await repo.createCycle(other, { workloadId: a.workloadId, type: 'event', at: NOW, actor: pm, action: 'cycle.opened', summary: 'x' });
      for (const c of [a, b, other]) await repo.castVote(voteOf(c, tom).vote, voteOf(c, tom).event);
      const snapshot = await repo.snapshot(a.workloadId, a.id);
      assert.deepEqual(
        snapshot?.votes.map((v) => [v.workloadId, v.cycleId]),
        [[a.workloadId, 'uat-1']],
      );
      assert.equal(await repo.snapshot(a.workloadId, 'uat-9'), undefined);
    });

    it('loses none of 20 concurrent changes to one cycle (ETag, re-read, retry), each with its event', async () => {
      const cycle = await openedCycle('erp');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          repo.changeCycle(cycle.workloadId, cycle.id, (c) => ({
            kind: 'changed',
            cycle: { ...c, scopeNotes: `${c.scopeNotes}x` },
            event: { workloadId: c.workloadId, type: 'event', at: NOW, actor: pm, action: 'cycle.opened', cycleId: c.id, summary: `change ${i}` },
          })),
        ),
      );
      assert.ok(results.every((r) => r?.kind === 'changed'));
      assert.equal((await repo.cycle(cycle.workloadId, cycle.id))?.scopeNotes, 'x'.repeat(20));
      assert.equal((await events(cycle.workloadId)).filter((e) => e.summary.startsWith('change ')).length, 20);
    });

    it('passes the cycle and the business-testing gate in one transaction, losing no concurrent change to the workload', async () => {
      const cycle = await openedCycle('hr');
      await repo.changeCycle(cycle.workloadId, cycle.id, (c) => ({ kind: 'changed', cycle: { ...c, state: 'awaitingFinal' } }));
      let raced: Promise<unknown> | undefined;
      const service = new SignoffService(
        Object.assign(Object.create(repo) as SignoffRepository, {
          finalize: (w: string, c: string, rule: Parameters<SignoffRepository['finalize']>[2]) =>
            repo.finalize(w, c, (cy, wl) => {
              // Someone changes the workload while the sign-off is being written; whichever lands second re-reads and retries.
              raced ??= workloads.change(w, (cur) => ({
                kind: 'changed',
                workload: { ...cur, rolesRev: cur.rolesRev + 1 },
                event: { workloadId: w, type: 'event', at: NOW, actor: pm, action: 'roles.assigned', summary: 'race' },
              }));
              return rule(cy, wl);
            }),
        }),
        () => new Date(NOW),
      );
      const outcome = await service.final(cycle.workloadId, cycle.id, cycle.tenantId, { actor: owner, decision: 'approve', comment: '' });
      assert.equal(outcome.kind, 'changed');
      await raced;
      const workload = await workloads.get(cycle.workloadId);
      assert.equal(workload?.gates.find((g) => g.id === 'uat-approved')?.status, 'passed');
      assert.equal(workload?.rolesRev, 2, 'the concurrent change to the workload was kept');
      assert.equal((await repo.cycle(cycle.workloadId, cycle.id))?.state, 'passed');
      const actions = (await events(cycle.workloadId)).map((e) => e.action);
      assert.equal(actions.filter((a) => a === 'cycle.passed').length, 1);
      assert.equal(actions.filter((a) => a === 'gate.passed').length, 1);
    });

    it('finds cycles past their due time, open or waiting for the final sign-off, across workloads', async () => {
      const open = await openedCycle('due-open');
      const waiting = await openedCycle('due-waiting');
      await repo.changeCycle(waiting.workloadId, waiting.id, (c) => ({ kind: 'changed', cycle: { ...c, state: 'awaitingFinal' } }));
      const closed = await openedCycle('due-closed');
      await repo.changeCycle(closed.workloadId, closed.id, (c) => ({ kind: 'changed', cycle: { ...c, state: 'failed' } }));
      const due = await repo.dueCycles(DUE, 100);
      const ids = due.map((d) => d.workloadId);
      assert.ok(ids.includes(open.workloadId) && ids.includes(waiting.workloadId));
      assert.ok(!ids.includes(closed.workloadId));
      assert.equal((await repo.dueCycles('2026-11-25T15:59:59.999Z', 100)).filter((d) => [open.workloadId, waiting.workloadId].includes(d.workloadId)).length, 0);
    });
  });

  describe('decisions racing state changes', () => {
    it('refuses a decision that reaches the store after a rejection closed the cycle, storing nothing', async () => {
      const cycle = await openedCycle('race-reject', { rejection: 'failsCycle' });
      const hold = gate();
      const slow = heldService(NOW, { castVote: hold.promise });
      const late = slow.decide(cycle.workloadId, cycle.id, cycle.tenantId, { actor: tina, decision: 'approve', comment: '', evidence: '' });
      await new Promise((r) => setTimeout(r, 20)); // Tina's decision has read the cycle as open and waits at the store.
      const fast = new SignoffService(repo, () => new Date(NOW));
      const rejected = await fast.decide(cycle.workloadId, cycle.id, cycle.tenantId, { actor: tom, decision: 'reject', comment: 'Wrong totals', evidence: '' });
      assert.equal(rejected.kind, 'recorded');
      assert.equal((await repo.cycle(cycle.workloadId, cycle.id))?.state, 'failed');
      hold.open();
      const outcome = await late;
      assert.equal(outcome.kind, 'refused');
      assert.match((outcome as { message: string }).message, /has closed\. Nothing was recorded\./);
      const snapshot = await repo.snapshot(cycle.workloadId, cycle.id);
      assert.deepEqual(
        snapshot?.votes.map((v) => v.voter.name),
        ['Tom'],
      );
      assert.equal((await events(cycle.workloadId)).filter((e) => e.action === 'vote.approved').length, 0);
    });

    it('counts a decision stored while the cycle was being closed: the outcome is computed after every place is filled', async () => {
      const cycle = await openedCycle('race-expire', { rule: 'atLeast', atLeast: 1, rejection: 'countsAgainst' });
      const hold = gate();
      const sweeper = heldService(AFTER_DUE, { seal: hold.promise });
      const expiring = sweeper.expire(cycle.workloadId, cycle.id);
      await new Promise((r) => setTimeout(r, 20)); // The expiry decided to close and waits before sealing.
      const tom1 = voteOf(cycle, tom);
      assert.equal(await repo.castVote(tom1.vote, tom1.event), 'recorded', 'a decision checked just before the due time lands');
      hold.open();
      assert.equal(await expiring, true);
      const stored = await repo.cycle(cycle.workloadId, cycle.id);
      assert.equal(stored?.state, 'expired');
      assert.equal(stored?.testersClosed?.approved, 1, 'the decision that landed is counted, not lost');
      const snapshot = await repo.snapshot(cycle.workloadId, cycle.id);
      assert.equal(snapshot?.seals.length, 2, 'the two empty places were sealed; Tom kept his');
    });

    it('closes a cycle once when many processes notice at the same moment', async () => {
      const cycle = await openedCycle('race-close', { rule: 'any' });
      const tom1 = voteOf(cycle, tom);
      await repo.castVote(tom1.vote, tom1.event);
      const instances = Array.from({ length: 5 }, () => new SignoffService(repo, () => new Date(NOW)));
      await Promise.all(instances.map((s) => s.closeTestersOf(cycle.workloadId, cycle.id)));
      assert.equal((await repo.cycle(cycle.workloadId, cycle.id))?.state, 'awaitingFinal');
      assert.equal((await events(cycle.workloadId)).filter((e) => e.action === 'cycle.testersApproved').length, 1);
    });

    it('refuses a decision that reaches the store after a cancel, storing nothing: every empty place was sealed first', async () => {
      const cycle = await openedCycle('race-cancel-late');
      const workload = (await workloads.get(cycle.workloadId))!;
      const hold = gate();
      const slow = heldService(NOW, { castVote: hold.promise });
      const late = slow.decide(cycle.workloadId, cycle.id, cycle.tenantId, { actor: tina, decision: 'approve', comment: '', evidence: '' });
      await new Promise((r) => setTimeout(r, 20)); // Tina's decision has read the cycle as open and waits at the store.
      const canceller = new SignoffService(repo, () => new Date(NOW));
      const cancelled = await canceller.cancel(workload, cycle.id, { actor: owner, reason: 'Wrong testers' });
      assert.equal(cancelled.kind, 'changed');
      hold.open();
      const outcome = await late;
      assert.equal(outcome.kind, 'refused');
      assert.match((outcome as { message: string }).message, /has closed\. Nothing was recorded\./);
      const snapshot = await repo.snapshot(cycle.workloadId, cycle.id);
      assert.equal(snapshot?.cycle.state, 'cancelled');
      assert.deepEqual(snapshot?.votes, []);
      assert.deepEqual(
        snapshot?.seals.map((s) => s.reason),
        ['cancelled', 'cancelled', 'cancelled'],
      );
      const actions = (await events(cycle.workloadId)).map((e) => e.action);
      assert.equal(actions.filter((a) => a === 'vote.approved').length, 0);
      assert.equal(actions.filter((a) => a === 'cycle.cancelled').length, 1);
    });

    it('keeps a decision stored while the cancel was sealing: it shows on the cancelled cycle, and nothing is half-applied', async () => {
      const cycle = await openedCycle('race-cancel-seal', { rule: 'any' });
      const workload = (await workloads.get(cycle.workloadId))!;
      const hold = gate();
      const canceller = heldService(NOW, { seal: hold.promise });
      const cancelling = canceller.cancel(workload, cycle.id, { actor: pm, reason: 'Scope changed' });
      await new Promise((r) => setTimeout(r, 20)); // The cancel has read the cycle as open and waits before sealing.
      const deciding = new SignoffService(repo, () => new Date(NOW));
      const decided = await deciding.decide(cycle.workloadId, cycle.id, cycle.tenantId, { actor: tom, decision: 'approve', comment: '', evidence: '' });
      assert.equal(decided.kind, 'recorded', 'a decision that reached the store first is kept');
      hold.open();
      const outcome = await cancelling;
      const stored = await repo.snapshot(cycle.workloadId, cycle.id);
      // Tom's approval met the rule ("any"), so the testers' part closed; the cancel then finds the cycle waiting for the final sign-off and cancels it.
      assert.equal(outcome.kind, 'changed');
      assert.equal(stored?.cycle.state, 'cancelled');
      assert.deepEqual(
        stored?.votes.map((v) => v.voter.name),
        ['Tom'],
      );
      assert.equal(stored?.seals.length, 2, 'the two other places are sealed; Tom kept his');
      const actions = (await events(cycle.workloadId)).map((e) => e.action);
      assert.equal(actions.filter((a) => a === 'cycle.cancelled').length, 1);
    });

    it('lets either the final sign-off or the cancel win, never both: the gate is passed exactly when the cycle is', async () => {
      const cycle = await openedCycle('race-cancel-final');
      await repo.changeCycle(cycle.workloadId, cycle.id, (c) => ({ kind: 'changed', cycle: { ...c, state: 'awaitingFinal' } }));
      const workload = (await workloads.get(cycle.workloadId))!;
      const signer = new SignoffService(repo, () => new Date(NOW));
      const canceller = new SignoffService(repo, () => new Date(NOW));
      const [signed, cancelled] = await Promise.all([
        signer.final(cycle.workloadId, cycle.id, cycle.tenantId, { actor: owner, decision: 'approve', comment: '' }),
        canceller.cancel(workload, cycle.id, { actor: pm, reason: 'Wrong testers' }),
      ]);
      const state = (await repo.cycle(cycle.workloadId, cycle.id))?.state;
      assert.ok(state === 'passed' || state === 'cancelled', state);
      assert.equal(signed.kind === 'changed', state === 'passed');
      assert.equal(cancelled.kind === 'changed', state === 'cancelled');
      const gateStatus = (await workloads.get(cycle.workloadId))?.gates.find((g) => g.id === 'uat-approved')?.status;
      assert.equal(gateStatus, state === 'passed' ? 'passed' : 'pending');
      const closing = (await events(cycle.workloadId)).filter((e) => e.action === 'cycle.passed' || e.action === 'cycle.cancelled');
      assert.equal(closing.length, 1);
    });

    it('lets either the final sign-off or the expiry win, never both: the gate is passed exactly when the cycle is', async () => {
      const cycle = await openedCycle('race-final');
      await repo.changeCycle(cycle.workloadId, cycle.id, (c) => ({ kind: 'changed', cycle: { ...c, state: 'awaitingFinal' } }));
      const signer = new SignoffService(repo, () => new Date('2026-11-25T15:59:59.000Z'));
      const sweeper = new SignoffService(repo, () => new Date(AFTER_DUE));
      await Promise.all([signer.final(cycle.workloadId, cycle.id, cycle.tenantId, { actor: owner, decision: 'approve', comment: '' }), sweeper.expire(cycle.workloadId, cycle.id)]);
      const state = (await repo.cycle(cycle.workloadId, cycle.id))?.state;
      assert.ok(state === 'passed' || state === 'expired', state);
      const gateStatus = (await workloads.get(cycle.workloadId))?.gates.find((g) => g.id === 'uat-approved')?.status;
      assert.equal(gateStatus, state === 'passed' ? 'passed' : 'pending');
      const closing = (await events(cycle.workloadId)).filter((e) => e.action === 'cycle.passed' || e.action === 'cycle.expired');
      assert.equal(closing.length, 1);
    });
  });
});
