import { strict as assert } from 'node:assert';
import type { Workload } from '../../bot/release/model';
import { newWorkload } from '../../bot/release/rules';
import { ReleaseService } from '../../bot/release/service';
import type { Retro, RetroEntry } from '../../bot/retro/model';
import { RetroService } from '../../bot/retro/service';
import { Approver } from '../../bot/signoff/model';
import { openCycle } from '../../bot/signoff/rules';
import { SignoffService } from '../../bot/signoff/service';
import { CosmosStore } from '../../bot/store/cosmos';
import { CycleTallyDoc, tallyId } from '../../bot/store/cycleTally';
import { CosmosRetroRepository } from '../../bot/store/retroRepository';
import { CosmosSignoffRepository } from '../../bot/store/signoffRepository';
import { CosmosWorkloadRepository } from '../../bot/store/workloadRepository';
import { cycleRequest, NOW, person, scope, TENANT } from '../support/builders';
import { embeddedStore } from '../support/cosmos';
import { inPartition } from '../support/partition';
import { startRequest } from '../support/retro';

const pm = person('Priya Tally');
const owner = person('Bea Tally');
const tester = (name: string): Approver => ({ ...person(name), teamsUserId: `29:${name}` });
const SECRET = 'tallies-spec-secret-that-is-long-enough-0123456789';

/**
 * The documents an answer is drawn from without a query: a cycle's tally and a collecting retro's copy of its entries.
 * Two repositories on one store stand for two processes, so their batches race for the same ETag.
 */
describe('A cycle’s tally and a retro’s copy of its entries, in step with the documents under concurrency', () => {
  let store: CosmosStore;
  const budget = { budgetMs: 30_000 };
  let workloads: CosmosWorkloadRepository;

  before(async () => {
    store = await embeddedStore();
    workloads = new CosmosWorkloadRepository(store.workloads, budget);
  });
  after(() => store.close());

  async function workloadNamed(name: string): Promise<Workload> {
    const { workload, event } = newWorkload({ name, slug: name.toLowerCase(), scope: scope({ scopeId: `team-${name}` }), creator: pm, now: NOW });
    assert.equal(await workloads.create({ ...workload, roles: { ...workload.roles, businessOwner: [owner] } }, event), 'created');
    return (await workloads.get(workload.workloadId))!;
  }

  it('holds each of 60 decisions exactly once when testers decide at once in two processes, each invoke sent twice', async () => {
    const workload = await workloadNamed('Tallied');
    const { workloadId } = workload;
    const testers = Array.from({ length: 60 }, (_, i) => tester(`Taller${i}`));
    // Every tester must approve: the testers' part stays open until the last decision.
    const opened = openCycle(cycleRequest({ workload, testers, finalApprovers: [{ ...owner, teamsUserId: '29:Bea' }], actor: pm }));
    assert.equal(opened.kind, 'opened');
    const first = new CosmosSignoffRepository(store.workloads, budget);
    const second = new CosmosSignoffRepository(store.workloads, budget);
    assert.equal(await first.createCycle(opened.cycle, opened.event), 'created');
    const services = [new SignoffService(first, () => new Date(NOW)), new SignoffService(second, () => new Date(NOW))];
    const decide = (who: Approver, n: number) => services[n % 2]!.decide(workloadId, opened.cycle.id, TENANT, { actor: who, decision: 'approve', comment: `said ${who.name}`, evidence: '' });
    const outcomes = await Promise.all(testers.flatMap((who, i) => [decide(who, 2 * i), decide(who, 2 * i + 1)]));

    assert.equal(outcomes.filter((o) => o.kind === 'recorded').length, 60, 'each tester recorded once');
    const { resource: tally } = await store.workloads.item(tallyId(opened.cycle.id), workloadId).read<CycleTallyDoc>();
    const snapshot = (await first.snapshot(workloadId, opened.cycle.id))!;
    assert.equal(snapshot.votes.length, 60);
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    const plain = ({ id, voter, decision, comment, at }: (typeof snapshot.votes)[number]) => ({ id, voter: voter.aadObjectId, decision, comment, at });
    assert.deepEqual(tally!.votes.map(plain).sort(byId), snapshot.votes.map(plain).sort(byId), 'the tally holds the stored decisions, each once');
    // What a recorded decision answered: the tally after its own batch, its own decision in it.
    for (const o of outcomes) if (o.kind === 'recorded') assert.ok(o.view.votes.some((v) => v.id === o.vote.id));
  });

  it('closes the testers’ part once, in the deciding batch, when 50 testers decide at once in two processes, each invoke sent twice: later ones are refused and stored nowhere', async () => {
    const workload = await workloadNamed('Closed Tally');
    const { workloadId } = workload;
    const testers = Array.from({ length: 50 }, (_, i) => tester(`Closer${i}`));
    // At least 20 of 50 must approve: the decision that makes 20 settles the cycle, and the others come too late.
    const opened = openCycle(cycleRequest({ workload, testers, finalApprovers: [{ ...owner, teamsUserId: '29:Bea' }], actor: pm }, { rule: 'atLeast', atLeast: 20 }));
    assert.equal(opened.kind, 'opened');
    const cycleId = opened.cycle.id;
    const repos = [new CosmosSignoffRepository(store.workloads, budget), new CosmosSignoffRepository(store.workloads, budget)];
    assert.equal(await repos[0]!.createCycle(opened.cycle, opened.event), 'created');
    const services = repos.map((r) => new SignoffService(r, () => new Date(NOW)));
    const target = { conversationId: 'c', serviceUrl: 'https://smba.example', tenantId: TENANT, reference: {} };
    await services[0]!.recordCard(workloadId, cycleId, { target, activityId: 'card-1' });
    // Each turn reads the workload as the router does: its summary shows the cycle open.
    const read = (await workloads.get(workloadId))!;
    const decide = (who: Approver, n: number) => services[n % 2]!.decide(workloadId, cycleId, TENANT, { actor: who, decision: 'approve', comment: `said ${who.name}`, evidence: '', workload: read });
    const outcomes = await Promise.all(testers.flatMap((who, i) => [decide(who, 2 * i), decide(who, 2 * i + 1)]));

    const { resource: tally } = await store.workloads.item(tallyId(cycleId), workloadId).read<CycleTallyDoc>();
    const snapshot = (await repos[0]!.snapshot(workloadId, cycleId))!;
    const recorded = outcomes.filter((o) => o.kind === 'recorded');
    assert.ok(recorded.length >= 20, `at least 20 recorded, ${recorded.length} were`);
    assert.equal(new Set(recorded.map((o) => (o as { vote: { id: string } }).vote.id)).size, recorded.length, 'each decision recorded once');
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    const plain = ({ id, decision, comment, at }: (typeof snapshot.votes)[number]) => ({ id, decision, comment, at });
    assert.deepEqual(snapshot.votes.map(plain).sort(byId), tally!.votes.map(plain).sort(byId), 'the stored decisions are the tally’s, each once');
    assert.equal(snapshot.votes.length, recorded.length, 'every stored decision was answered as recorded, and no refused one was stored');
    assert.equal(snapshot.cycle.state, 'awaitingFinal');
    assert.equal(snapshot.seals.length, 0, 'closed in the deciding batch, without sealing the empty places');
    assert.equal(tally!.closed, true);
    assert.equal(snapshot.cycle.testersClosed?.approved, snapshot.votes.length, 'the cycle closed on every stored decision');
    assert.equal(snapshot.cycle.card?.activityId, 'card-1', 'the cycle kept its card');
    const summary = (await workloads.get(workloadId))!.summaries?.signoff?.find((c) => c.id === cycleId);
    assert.deepEqual({ state: summary?.state, approved: summary?.testersClosed?.approved }, { state: 'awaitingFinal', approved: snapshot.votes.length }, 'the summary is in step');
    const events = await inPartition<{ action: string }>(store.workloads, workloadId, 'SELECT c.action', 'c.type = "event" AND c.cycleId = @c', { c: cycleId });
    assert.equal(events.filter((e: { action: string }) => e.action === 'vote.approved').length, snapshot.votes.length, 'one event per stored decision');
    assert.equal(events.filter((e: { action: string }) => e.action === 'cycle.testersApproved').length, 1, 'closed once');
    const voted = new Set(snapshot.votes.map((v) => v.voter.aadObjectId));
    for (const o of outcomes) {
      if (o.kind === 'recorded') continue;
      assert.ok(o.kind === 'already' || o.kind === 'refused', `a later decision is refused or found, not ${o.kind}`);
      if (o.kind === 'refused') assert.match(o.message, /has closed\. Nothing was recorded\.|is complete: .*Nothing was recorded\./);
      if (o.kind === 'already') assert.ok(voted.has(o.vote.voter.aadObjectId));
    }
  });

  async function startedRetro(name: string): Promise<{ retro: Retro; services: RetroService[]; repos: CosmosRetroRepository[] }> {
    const workload = await workloadNamed(name);
    const repos = [new CosmosRetroRepository(store.workloads, budget), new CosmosRetroRepository(store.workloads, budget)];
    const services = repos.map((r) => new RetroService(r, new ReleaseService(workloads, () => new Date(NOW)), SECRET, () => new Date(NOW)));
    const { retroId: _id, number: _n, existing: _e, now: _now, ...request } = startRequest(workload, pm);
    const started = await services[0]!.start(request);
    assert.equal(started.kind, 'started');
    const retro = (started as { retro: Retro }).retro;
    assert.deepEqual(retro.collected, [], 'a new retro keeps a copy of its entries');
    assert.equal(retro.carriesActions, false, 'its team had no open action items to carry');
    return { retro, services, repos };
  }

  const sameEntries = (copy: RetroEntry[] | undefined, stored: RetroEntry[]) => {
    const plain = ({ id, questionId, text, authorKey, author }: RetroEntry) => ({ id, questionId, text, authorKey, author });
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    assert.deepEqual((copy ?? []).map(plain).sort(byId), stored.map(plain).sort(byId));
  };

  it('keeps the retro’s copy equal to the entries when 40 people add at once in two processes, each twice, and through edits and deletes', async () => {
    const { retro, services, repos } = await startedRetro('Copied');
    const question = retro.questions[0]!.id;
    const people = Array.from({ length: 40 }, (_, i) => person(`Copier${i}`));
    const add = (who: (typeof people)[number], n: number) => services[n % 2]!.addEntries(retro, who, [{ questionId: question, text: `What ${who.name} saw` }]);
    const outcomes = await Promise.all(people.flatMap((who, i) => [add(who, 2 * i), add(who, 2 * i + 1)]));
    assert.equal(
      outcomes.reduce((sum, o) => sum + o.added, 0),
      40,
      'each entry stored once',
    );
    const entries = await repos[0]!.entriesOf(retro.workloadId, retro.retroId);
    assert.equal(entries.length, 40);
    let current = (await repos[0]!.getRetro(retro.workloadId, retro.retroId))!;
    sameEntries(current.collected, entries);
    assert.ok(
      current.collected!.every((e) => e.author === undefined),
      'an anonymous retro keeps no author in its copy either',
    );

    // An edit and a delete while collecting change the copy in the same batch.
    const edited = await services[1]!.editEntry(current, people[0]!, entries.find((e) => e.text === `What ${people[0]!.name} saw`)!.id, 'Changed my mind');
    assert.equal(edited?.kind, 'changed');
    const deleted = await services[0]!.deleteEntry(current, people[1]!, entries.find((e) => e.text === `What ${people[1]!.name} saw`)!.id);
    assert.equal(deleted.kind, 'changed');
    current = (await repos[1]!.getRetro(retro.workloadId, retro.retroId))!;
    const after = await repos[1]!.entriesOf(retro.workloadId, retro.retroId);
    assert.equal(after.length, 39);
    assert.ok(after.some((e) => e.text === 'Changed my mind'));
    sameEntries(current.collected, after);

    // Revealed: the copy goes, and the entries are read from their documents.
    const revealed = await services[0]!.advance(current, pm, 'collect');
    assert.equal(revealed?.kind, 'changed');
    const stored = (await repos[0]!.getRetro(retro.workloadId, retro.retroId))!;
    assert.equal(stored.phase, 'group');
    assert.equal(stored.collected, undefined);
    assert.equal((await services[1]!.snapshot(stored, { workload: undefined })).entries.length, 39);
  });
});
