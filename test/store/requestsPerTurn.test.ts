import { strict as assert } from 'node:assert';
import type { Person, Workload } from '../../bot/release/model';
import { cycleIdOf, SignoffCycle } from '../../bot/signoff/model';
import { ReleaseService } from '../../bot/release/service';
import { CosmosWorkloadRepository } from '../../bot/store/workloadRepository';
import { addHistory, gateDecision, press, retroEntry, retroStart, rosterOf, uatApproval, uatOpen, workloadReady } from '../support/actions';
import { person } from '../support/builders';
import { countedStore, CountingProxy, difference, RequestCounts } from '../support/cosmosRequests';
import { cardText, Harness, startHarness } from '../support/liftoff';
import { teamChannel } from '../support/teams';

/**
 * What one turn costs in Cosmos requests, counted by a proxy in front of the embedded server (counts, not times).
 * Each path is measured on a fresh workload and on one whose partition holds 2,000 more audit events.
 */
describe('Cosmos requests per turn', function () {
  this.timeout(60_000);
  let h: Harness;
  let proxy: CountingProxy;
  let closeStore: () => Promise<void>;
  const pm = person('Priya Costs');
  const testers: Person[] = [person('Tom Costs'), person('Tina Costs')];
  let places = 0;

  before(async () => {
    const counted = await countedStore();
    proxy = counted.proxy;
    closeStore = counted.close;
    // No periodic sweep: what is counted is the turn's own requests.
    h = await startHarness({ RETRO_PSEUDONYM_SECRET: 'retro-costs-secret-that-is-long-enough-0123456789', SIGNOFF_SWEEP_SECONDS: '0' }, { store: counted.store });
    // Start-up recovery reads, once, across partitions: the shared cards left marked and the notices left unsettled. No turn's cost.
    while (proxy.counts().crossPartitionQuery < 2) await new Promise((resolve) => setTimeout(resolve, 20));
  });
  after(async () => {
    await h.close();
    await closeStore();
  });

  /** A team of its own for each spec, with the project manager and two testers on its roster. */
  const place = () => {
    places += 1;
    const team = teamChannel(`costs-${places}`);
    rosterOf(h, team, [pm, ...testers]);
    return team;
  };

  /** The requests one turn makes, background work after the answer included. */
  async function cost(turn: () => Promise<unknown>): Promise<RequestCounts> {
    await h.app.background.drain();
    const before = proxy.counts();
    await turn();
    await h.app.background.drain();
    return difference(proxy.counts(), before);
  }

  const noQueries = (counts: RequestCounts, what: string) => {
    assert.equal(counts.crossPartitionQuery, 0, `${what}: no cross-partition query`);
    assert.equal(counts.queryPlan, 0, `${what}: no query plan`);
    assert.equal(counts.query, 0, `${what}: no query`);
  };

  it('answers help without a request to Cosmos', async () => {
    const team = place();
    // The first message from a team is where Liftoff learns of the conversation; every later help costs nothing.
    await h.say(h.activities.message(pm, 'help', team));
    assert.equal((await cost(() => h.say(h.activities.message(pm, 'help', team)))).total, 0);
  });

  it('draws status with two point reads (the workload, the team’s open action items), as many after 2,000 audit events', async () => {
    const team = place();
    const fresh = await workloadReady(h, pm, team, 'Status Fresh');
    const long = await workloadReady(h, pm, team, 'Status Long');
    await addHistory(h.app.cosmos.workloads, long, 2000);
    const first = await cost(() => h.say(h.activities.message(pm, 'status Status Fresh', team)));
    const later = await cost(() => h.say(h.activities.message(pm, 'status Status Long', team)));
    assert.equal(first.read, 2);
    assert.equal(first.total, 2);
    noQueries(first, 'status');
    assert.deepEqual(later, first);
    assert.ok(fresh);
  });

  it('records a gate decision with a read, a batch and the read of the team’s action items, as many after 2,000 audit events', async () => {
    const team = place();
    const fresh = await workloadReady(h, pm, team, 'Gate Fresh');
    const long = await workloadReady(h, pm, team, 'Gate Long');
    await addHistory(h.app.cosmos.workloads, long, 2000);
    let text = '';
    const first = await cost(async () => (text = await press(h, gateDecision(h, pm, team, fresh, 1))));
    assert.match(text, /failed "Retrospective held/);
    const later = await cost(() => press(h, gateDecision(h, pm, team, long, 1)));
    assert.deepEqual({ read: first.read, batch: first.batch, total: first.total }, { read: 2, batch: 1, total: 3 });
    noQueries(first, 'a gate decision');
    assert.deepEqual(later, first);
  });

  it('pages the history with the same requests whatever the length of the audit trail', async () => {
    const team = place();
    const long = await workloadReady(h, pm, team, 'History Long');
    await addHistory(h.app.cosmos.workloads, long, 2000);
    const counts = await cost(() => h.say(h.activities.message(pm, 'history History Long', team)));
    const history = new ReleaseService(new CosmosWorkloadRepository(h.app.cosmos.workloads));
    // The page and the count of events, each one single-partition query.
    assert.deepEqual({ read: counts.read, queryPlan: counts.queryPlan, query: counts.query, total: counts.total }, { read: 1, queryPlan: 2, query: 2, total: 5 });
    const first = await history.history(long, 0);
    const second = await history.history(long, 1);
    assert.equal(first.events.length, 15);
    assert.equal(second.events.length, 15);
    assert.ok(second.events[0]!.at < first.events[14]!.at, 'the second page starts below the first');
  });

  it('takes the approval that closes the testers’ part in 3 requests too, and answers a late decision with a sentence, changing nothing', async () => {
    const team = place();
    const workloadId = await workloadReady(h, pm, team, 'Closing Costs', { promoted: true });
    assert.match(await press(h, uatOpen(h, pm, team, workloadId, testers)), /opened UAT cycle 1/);
    assert.match(await press(h, uatApproval(h, testers[0]!, team, workloadId)), /You approved UAT cycle 1/);
    let text = '';
    // Every tester must approve: the second approval decides. Its batch holds the close (the workload's summary on its
    // ETag, the cycle, the close's event) beside the decision, its event, the tally marked closed and the card's marker.
    const closing = await cost(async () => (text = await press(h, uatApproval(h, testers[1]!, team, workloadId))));
    assert.match(text, /You approved UAT cycle 1 .*The testers' rule is met: the cycle now waits for the final sign-off\./);
    assert.deepEqual(
      { read: closing.read, queryPlan: closing.queryPlan, query: closing.query, batch: closing.batch, write: closing.write, total: closing.total },
      { read: 1, queryPlan: 0, query: 0, batch: 1, write: 1, total: 3 },
    );
    noQueries(closing, 'the closing approval');
    const { resource: cycle } = await h.app.cosmos.workloads.item(cycleIdOf(1), workloadId).read<SignoffCycle>();
    assert.equal(cycle!.state, 'awaitingFinal');
    assert.deepEqual({ ...cycle!.testersClosed, at: undefined }, { at: undefined, reason: 'ruleMet', approved: 2, rejected: 0 });
    const { resource: workload } = await h.app.cosmos.workloads.item(workloadId, workloadId).read<Workload>();
    assert.equal(workload!.summaries?.signoff?.find((c) => c.id === cycleIdOf(1))?.state, 'awaitingFinal', 'the checklist’s summary moved with the cycle');
    // The same invoke again: the decision is there once, nothing more is stored.
    assert.match(await press(h, uatApproval(h, testers[1]!, team, workloadId)), /UAT cycle 1/);
    const { resources: votes } = await h.app.cosmos.workloads.items
      .query({ query: 'SELECT * FROM c WHERE c.workloadId = @w AND c.type = "vote"', parameters: [{ name: '@w', value: workloadId }] }, { partitionKey: workloadId })
      .fetchAll();
    assert.equal(votes.length, 2);
  });

  it('takes approvals that come faster than the shared card is redrawn without a query, and the card ends showing all of them', async () => {
    const team = teamChannel('costs-redraw');
    const four = [0, 1, 2, 3].map((i) => person(`Rita Redraw ${i}`));
    rosterOf(h, team, [pm, ...four]);
    const workloadId = await workloadReady(h, pm, team, 'Redraw Costs', { promoted: true });
    assert.match(await press(h, uatOpen(h, pm, team, workloadId, four)), /opened UAT cycle 1/);
    await h.app.background.drain();
    // Teams takes its time with the first redraw: the second approval's marker waits behind it, and the third finds the
    // card marked already (it writes no marker; the waiting redraw serves it too).
    const held = h.fake.hold((req) => req.kind === 'update');
    const before = proxy.counts();
    const seq = h.fake.lastSeq;
    assert.match(await press(h, uatApproval(h, four[0]!, team, workloadId)), /You approved UAT cycle 1/);
    while (held.count === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.match(await press(h, uatApproval(h, four[1]!, team, workloadId)), /You approved UAT cycle 1/);
    assert.match(await press(h, uatApproval(h, four[2]!, team, workloadId)), /You approved UAT cycle 1/);
    held.release();
    await h.app.background.drain();
    const counts = difference(proxy.counts(), before);
    noQueries(counts, 'three approvals and their redraws');
    assert.ok(counts.total <= 9, `${counts.total} requests for three approvals: ${JSON.stringify(counts)}`);
    const updates = h.fake.activities.filter((a) => a.seq > seq && a.kind === 'update' && a.conversationId.startsWith(team.conversationId));
    assert.ok(updates.length >= 1 && updates.length <= 3, `${updates.length} updates of the shared card for three approvals`);
    assert.match(cardText(updates[updates.length - 1]?.activity?.attachments?.[0]?.content), /Approved 3 · Rejected 0 · Waiting for 1/);
  });

  it('opens a UAT cycle, takes an approval in 3 requests and adds a retro entry in 4, without crossing partitions, as many after 2,000 audit events', async () => {
    const team = place();
    const measured: Record<string, RequestCounts[]> = { open: [], approval: [], entry: [] };
    for (const name of ['Acts Fresh', 'Acts Long']) {
      const workloadId = await workloadReady(h, pm, team, name, { promoted: true });
      if (name === 'Acts Long') await addHistory(h.app.cosmos.workloads, workloadId, 2000);
      measured.open!.push(await cost(async () => assert.match(await press(h, uatOpen(h, pm, team, workloadId, testers)), /opened UAT cycle 1/)));
      measured.approval!.push(await cost(async () => assert.match(await press(h, uatApproval(h, testers[0]!, team, workloadId)), /You approved UAT cycle 1/)));
      assert.match(cardText(await h.post(retroStart(h, pm, team, workloadId)).then((r) => (r.body as { value: unknown }).value)), /Retrospective|retro/i);
      measured.entry!.push(await cost(() => press(h, retroEntry(h, testers[1]!, team, workloadId, 'The cutover went well'))));
    }
    for (const [what, [fresh, long]] of Object.entries(measured)) {
      assert.equal(fresh!.crossPartitionQuery + long!.crossPartitionQuery, 0, `${what}: no cross-partition query`);
      // The shared card redrawn after the answer coalesces its reads with the turn's, so reads may differ by one; queries may not.
      const queries = (c: RequestCounts) => ({ queryPlan: c.queryPlan, query: c.query, batch: c.batch, write: c.write });
      assert.deepEqual(queries(long!), queries(fresh!), `${what}: as many queries and writes after 2,000 audit events`);
    }
    const [approval] = measured.approval!;
    const [entry] = measured.entry!;
    // An approval: the turn's workload (the check uses its cycle summary), one batch (decision, event, the cycle's tally,
    // the shared card's marker: the answer and the shared card are drawn from the tally the batch answered), the marker's clear.
    assert.deepEqual(
      { read: approval!.read, queryPlan: approval!.queryPlan, query: approval!.query, batch: approval!.batch, write: approval!.write, total: approval!.total },
      { read: 1, queryPlan: 0, query: 0, batch: 1, write: 1, total: 3 },
    );
    // An entry: the workload and the retro (the router's load; the retro keeps a copy of its entries while collecting), one
    // batch (the entry, the retro with it, the channel card's marker: the answer and the channel card are drawn from the
    // retro the batch answered; the team had no open action items to carry when the retro started), the marker's clear.
    assert.deepEqual(
      { read: entry!.read, queryPlan: entry!.queryPlan, query: entry!.query, batch: entry!.batch, write: entry!.write, total: entry!.total },
      { read: 2, queryPlan: 0, query: 0, batch: 1, write: 1, total: 4 },
    );
  });
});
