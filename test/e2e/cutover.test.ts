import { strict as assert } from 'node:assert';
import type { CutoverWindow, GoNoGoAnswer } from '../../bot/cutover/model';
import type { AuditEvent, Workload } from '../../bot/release/model';
import { person } from '../support/builders';
import { cardText, findAction, Harness, startHarness } from '../support/liftoff';
import { embeddedStore } from '../support/cosmos';
import { startFakeConnector } from '../support/fakeConnector';
import { partitionDocs, readyForPromotion, storedWorkload, teamOfOwn, teamOfOwnIn } from '../support/release';
import { Place, workloadIdIn } from '../support/teams';

/** A date some days from now (UTC), as a planner picks it on the card. */
const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('The release window over HTTP, end to end', () => {
  let h: Harness;
  const priya = person('Priya PM');
  const miguel = person('Miguel Migrator');
  const olga = person('Olga Operator');
  const bea = person('Bea Owner');
  const wes = person('Wes Architect');
  const tom = person('Tom Teammate');
  const everyone = [priya, miguel, olga, bea, wes, tom];
  const stakeholders = [bea, miguel, wes, olga];

  /** Each spec plays in a tenant and a team of its own, with its own Payroll API ready for promotion. */
  let team: Place;
  let payroll: string;
  let scenes = 0;

  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  beforeEach(async () => {
    scenes += 1;
    const tenantId = `c0f0e000-0000-4000-8000-${String(scenes).padStart(12, '0')}`;
    team = teamOfOwn(h, tenantId, `window-${scenes}`, everyone);
    payroll = workloadIdIn(team, 'payroll-api');
    await say(priya, 'new Payroll API');
    // The release up to promotion is specified in release.test.ts: here every gate before it is closed and the roles are held.
    await readyForPromotion(h, payroll, { migrationEngineer: [miguel], cloudOperations: [olga], businessOwner: [bea], workloadArchitect: [wes], changeManager: [priya] });
  });

  const say = (who: typeof priya, text: string): Promise<any> => h.say(h.activities.message(who, text, team));

  async function press(who: typeof priya, verb: string, data: Record<string, unknown>): Promise<any> {
    const res = await h.post(h.activities.execute(who, verb, data, team, 'window-card'));
    assert.equal(res.status, 200);
    assert.equal(res.body.statusCode, 200, JSON.stringify(res.body));
    return res.body.value;
  }

  const stored = (): Promise<Workload> => storedWorkload(h, payroll);
  const docs = <T>(type: string): Promise<T[]> => partitionDocs<T>(h, payroll, type);

  const windowData = (overrides: Record<string, unknown> = {}) => ({
    workloadId: payroll,
    startDate: inDays(2),
    startTime: '20:00',
    endDate: inDays(2),
    endTime: '23:00',
    timeZone: 'Europe/Paris',
    model: 'single',
    shares: '',
    oldRecord: 'payroll.contoso.com CNAME onprem-lb.contoso.com',
    newRecord: 'payroll.contoso.com CNAME payroll.azurefd.net',
    ttlSeconds: 300,
    ...overrides,
  });

  /** Priya plans a window from the card the cutover command answers with. */
  async function plan(overrides: Record<string, unknown> = {}): Promise<any> {
    const card = await say(priya, 'cutover Payroll API');
    const action = findAction(card, 'cutover.plan');
    return press(priya, 'cutover.plan', { ...action.data, ...windowData(overrides) });
  }

  const answer = (who: typeof priya, windowId: string, said: 'go' | 'noGo', comment = '') => press(who, 'cutover.answer', { workloadId: payroll, windowId, answer: said, comment });
  const tick = (who: typeof priya, windowId: string, stepId: string, outcome: 'done' | 'failed' = 'done', note = '') =>
    press(who, 'cutover.step', { workloadId: payroll, windowId, stepId, outcome, note });

  async function allGo(windowId: string): Promise<any> {
    let card: any;
    for (const p of stakeholders) card = await answer(p, windowId, 'go', 'ready');
    return card;
  }

  it('offers the release window on the checklist once ready for production is done', async () => {
    const checklist = await say(priya, 'status Payroll API');
    const action = findAction(checklist, 'cutover.show');
    assert.match(cardText(await press(priya, 'cutover.show', action.data)), /Plan the window/);
  });

  it('plans a window with its time zone and the CAF runbook prefilled, each step with an owner role and a planned time', async () => {
    const text = cardText(await plan());
    assert.match(text, /Window 1 is planned/);
    // In the one date format: "Sat 5 Dec 2026, 20:00 to 23:00 Europe/Paris".
    const day = `\\w{3} ${Number(inDays(2).slice(8, 10))} \\w{3} ${inDays(2).slice(0, 4)}`;
    assert.match(text, new RegExp(`${day}, 20:00 to 23:00 Europe/Paris`));
    assert.match(text, new RegExp(`answer Go or No-go on this card before ${day}, 20:00 Europe/Paris\\.`));
    assert.match(text, /Final replication and data synchronization/);
    assert.match(text, /Migration engineer · 30 min, planned by 20:30 Europe\/Paris/);
    // The rollback steps, shown while the runbook can be edited, have no time before a rollback.
    assert.match(text, /Rollback: point DNS or IP back \(.+\)\nMigration engineer · 15 min, runs only on a rollback/);
    assert.doesNotMatch(text, /Rollback: unfreeze writes on the source\nCloud operations · 10 min, planned by/);
    assert.match(text, /Switch DNS or IP: payroll.contoso.com CNAME onprem-lb.contoso.com → payroll.contoso.com CNAME payroll.azurefd.net, TTL 300 s/);
    assert.match(text, /Waiting for go\/no-go from Bea Owner, Miguel Migrator, Wes Architect, Olga Operator/);
    const [window] = await docs<CutoverWindow>('window');
    assert.equal(window?.start.timeZone, 'Europe/Paris');
    // 20:00 in Paris in winter or summer is 18:00 or 19:00 UTC.
    assert.match(window?.start.at ?? '', /T1[89]:00:00\.000Z$/);
    assert.deepEqual(
      window?.stakeholders.map((s) => s.name),
      ['Bea Owner', 'Miguel Migrator', 'Wes Architect', 'Olga Operator'],
    );
  });

  it('plans a staged promotion with a routing step per share', async () => {
    const text = cardText(await plan({ model: 'staged', shares: '10, 50, 100' }));
    assert.match(text, /staged promotion by share: 10%, 50%, 100%/);
    for (const share of [10, 50, 100]) assert.match(text, new RegExp(`Route ${share}% of users`));
  });

  it('refuses a window that overlaps a blackout set by the change manager, with a sentence naming it, and stores nothing', async () => {
    const refused = cardText(
      await press(tom, 'blackout.add', {
        workloadId: payroll,
        blackoutName: 'Sneaky',
        blackoutStartDate: inDays(1),
        blackoutStartTime: '00:00',
        blackoutEndDate: inDays(4),
        blackoutEndTime: '00:00',
        blackoutTimeZone: 'UTC',
      }),
    );
    assert.match(refused, /Only a project manager or a change manager/);
    const set = cardText(
      await press(priya, 'blackout.add', {
        workloadId: payroll,
        blackoutName: 'Quarter-end close',
        blackoutStartDate: inDays(1),
        blackoutStartTime: '00:00',
        blackoutEndDate: inDays(4),
        blackoutEndTime: '00:00',
        blackoutTimeZone: 'UTC',
      }),
    );
    assert.match(set, /Blackout "Quarter-end close" is set/);
    const text = cardText(await plan());
    assert.match(text, /overlaps the blackout "Quarter-end close" \(.* set by Priya PM\); pick times outside it/);
    assert.deepEqual(await docs('window'), []);
    // Outside the blackout the window is planned.
    assert.match(cardText(await plan({ startDate: inDays(5), endDate: inDays(5) })), /Window 1 is planned/);
  });

  it('holds the window on one No-go, takes each answer once, and opens the runbook when every stakeholder of a new window says Go', async () => {
    await plan();
    assert.doesNotMatch(cardText(await tick(miguel, 'window-1', 'final-sync')), /marked a step/);
    const held = cardText(await answer(bea, 'window-1', 'noGo', 'Payroll run on Friday'));
    assert.match(held, /Held: No-go from Bea Owner/);
    assert.match(held, /Bea Owner \(Business owner\): ⛔ No-go: Payroll run on Friday/);
    assert.match(cardText(await answer(bea, 'window-1', 'go', 'changed my mind')), /You already answered No-go; each stakeholder answers once/);
    assert.match(cardText(await answer(tom, 'window-1', 'go')), /Only the stakeholders listed/);
    assert.match(cardText(await tick(miguel, 'window-1', 'final-sync')), /held by a no-go/);
    assert.equal((await docs<GoNoGoAnswer>('goNoGo')).length, 1);

    // A held window is planned again; the new one has its own frozen list.
    assert.match(cardText(await plan({ startDate: inDays(3), endDate: inDays(3) })), /Window 2 is planned/);
    const open = cardText(await allGo('window-2'));
    assert.match(open, /Go: every stakeholder said Go; the runbook is open/);
    const answers = await docs<GoNoGoAnswer>('goNoGo');
    assert.deepEqual(answers.map((a) => a.id).sort(), [`window-1:${bea.aadObjectId}`, ...stakeholders.map((p) => `window-2:${p.aadObjectId}`)].sort());
  });

  it('records a retried Go once', async () => {
    await plan();
    await answer(bea, 'window-1', 'go');
    const again = cardText(await answer(bea, 'window-1', 'go'));
    assert.doesNotMatch(again, /already answered/);
    assert.equal((await docs<GoNoGoAnswer>('goNoGo')).length, 1);
  });

  it('runs the runbook with two owners at once, updates the shared card for everyone, and finishing passes traffic rerouted with the window as its evidence', async () => {
    await plan();
    await allGo('window-1');
    assert.match(cardText(await tick(olga, 'window-1', 'final-sync')), /Migration engineer's step \(Miguel Migrator\)/);
    const before = h.fake.lastSeq;
    await Promise.all([tick(miguel, 'window-1', 'final-sync'), tick(olga, 'window-1', 'freeze-writes')]);
    const [both] = await docs<CutoverWindow>('window');
    assert.deepEqual(
      both?.steps.filter((s) => s.status === 'done').map((s) => `${s.id}:${s.by?.name}`),
      ['final-sync:Miguel Migrator', 'freeze-writes:Olga Operator'],
    );
    await h.fake.waitFor((r) => r.seq > before && r.kind === 'update' && r.activityId === 'window-card');
    assert.match(cardText(await tick(bea, 'window-1', 'smoke-test', 'failed')), /Workload architect's step/);
    assert.match(cardText(await tick(wes, 'window-1', 'smoke-test', 'failed')), /a failed step needs a note/);
    await tick(miguel, 'window-1', 'switch');
    await tick(wes, 'window-1', 'smoke-test', 'done', 'p95 210 ms');
    await tick(bea, 'window-1', 'business-verification');
    assert.equal((await stored()).gates.find((g) => g.id === 'traffic-rerouted')?.status, 'pending', 'not before the last step');
    const finishedCard = await tick(priya, 'window-1', 'go-live');
    const finished = cardText(finishedCard);
    assert.match(finished, /The runbook is complete: traffic rerouted is passed/);
    assert.match(finished, /Finished \w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d \S+: traffic rerouted/, 'in the one date format');
    // No UAT cycle ran in Liftoff before: the post-cutover verification opens the UAT form to pick testers.
    assert.match(finished, /Post-cutover business verification\nTraffic is rerouted\. .* pick its testers/);
    assert.match(cardText(await press(priya, 'signoff.form', findAction(finishedCard, 'signoff.form').data)), /Open a UAT cycle for Payroll API/);
    const gate = (await stored()).gates.find((g) => g.id === 'traffic-rerouted');
    assert.equal(gate?.status, 'passed');
    assert.match(
      gate?.evidence ?? '',
      /Release window 1, .* Europe\/Paris, single-step promotion\. DNS\/IP payroll.contoso.com CNAME onprem-lb.contoso.com → payroll.contoso.com CNAME payroll.azurefd.net \(TTL 300 s\)\. Final replication and data synchronization by Miguel Migrator at/,
    );
    const events = await docs<AuditEvent>('event');
    assert.ok(events.some((e) => e.action === 'window.finished'));
    assert.ok(events.some((e) => e.action === 'gate.passed' && e.gateId === 'traffic-rerouted'));
  });

  it('rolls a window back with a reason: the rollback is recorded, its steps run, and the gate stays pending', async () => {
    await plan();
    await allGo('window-1');
    await tick(miguel, 'window-1', 'final-sync');
    assert.match(cardText(await press(tom, 'cutover.rollback', { workloadId: payroll, windowId: 'window-1', reason: 'x' })), /Only the project manager or the migration engineer/);
    assert.match(cardText(await press(priya, 'cutover.rollback', { workloadId: payroll, windowId: 'window-1', reason: '' })), /Say why/);
    const rolled = cardText(await press(priya, 'cutover.rollback', { workloadId: payroll, windowId: 'window-1', reason: 'Smoke test found 500s on /pay' }));
    assert.match(rolled, /Rolled back by Priya PM: Smoke test found 500s on \/pay/);
    // Once rolled back, its steps are planned from the rollback on.
    assert.match(rolled, /Rollback: point DNS or IP back \(.+\)\nMigration engineer · 15 min, planned by \d\d:\d\d Europe\/Paris/);
    assert.match(cardText(await tick(miguel, 'window-1', 'switch')), /forward steps are closed/);
    assert.match(cardText(await tick(miguel, 'window-1', 'rollback-route')), /marked a step done/);
    assert.equal((await stored()).gates.find((g) => g.id === 'traffic-rerouted')?.status, 'pending');
    const [window] = await docs<CutoverWindow>('window');
    assert.equal(window?.state, 'rolledBack');
    assert.ok((await docs<AuditEvent>('event')).some((e) => e.action === 'window.rolledBack' && /Smoke test found 500s/.test(e.summary)));
  });
});

describe('a release window across a restart', () => {
  const priya = person('Priya PM');
  const miguel = person('Miguel Migrator');
  const bea = person('Bea Owner');

  it('loses nothing: answers and ticked steps stay, and the run goes on after the restart', async () => {
    const store = await embeddedStore();
    const fake = await startFakeConnector();
    try {
      const team = teamOfOwnIn(fake, 'c0f0e000-0000-4000-8000-0000000000ff', 'restart', [priya, miguel, bea]);
      const payroll = workloadIdIn(team, 'payroll-api');
      let h = await startHarness({}, { store, fake });
      const press = async (who: typeof priya, verb: string, data: Record<string, unknown>) => (await h.post(h.activities.execute(who, verb, data, team, 'window-card'))).body.value;
      await h.say(h.activities.message(priya, 'new Payroll API', team));
      const everyRole = [miguel];
      await readyForPromotion(h, payroll, { migrationEngineer: everyRole, cloudOperations: everyRole, workloadArchitect: everyRole, businessOwner: [bea] });
      await press(priya, 'cutover.plan', {
        workloadId: payroll,
        startDate: inDays(2),
        startTime: '20:00',
        endDate: inDays(2),
        endTime: '23:00',
        timeZone: 'UTC',
        oldRecord: 'old',
        newRecord: 'new',
        ttlSeconds: '60',
      });
      await press(bea, 'cutover.answer', { workloadId: payroll, windowId: 'window-1', answer: 'go' });
      await press(miguel, 'cutover.answer', { workloadId: payroll, windowId: 'window-1', answer: 'go' });
      await press(miguel, 'cutover.step', { workloadId: payroll, windowId: 'window-1', stepId: 'final-sync', outcome: 'done' });
      await h.close();

      h = await startHarness({}, { store, fake });
      const text = cardText(await h.say(h.activities.message(priya, 'cutover Payroll API', team)));
      assert.match(text, /Bea Owner \(Business owner\): ✅ Go/);
      assert.match(text, /done by Miguel Migrator/);
      for (const stepId of ['freeze-writes', 'switch', 'smoke-test']) await press(miguel, 'cutover.step', { workloadId: payroll, windowId: 'window-1', stepId, outcome: 'done' });
      await press(bea, 'cutover.step', { workloadId: payroll, windowId: 'window-1', stepId: 'business-verification', outcome: 'done' });
      assert.match(cardText(await press(priya, 'cutover.step', { workloadId: payroll, windowId: 'window-1', stepId: 'go-live', outcome: 'done' })), /traffic rerouted is passed/);
      await h.close();
    } finally {
      await fake.close();
      await store.close();
    }
  });
});
