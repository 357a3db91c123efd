import { strict as assert } from 'node:assert';
import type { CutoverWindow } from '../../bot/cutover/model';
import type { AuditEvent } from '../../bot/release/model';
import { teamPartitionOf } from '../../bot/release/rules';
import type { SignoffCycle } from '../../bot/signoff/model';
import type { Wave, WaveEvent, WaveReview } from '../../bot/waves/model';
import { person } from '../support/builders';
import { embeddedStore } from '../support/cosmos';
import { startFakeConnector } from '../support/fakeConnector';
import { cardText, findAction, Harness, startHarness } from '../support/liftoff';
import { partitionDocs, readyForPromotion, storedWorkload, teamOfOwnIn } from '../support/release';
import { workloadIdIn } from '../support/teams';

const DAY_MS = 86_400_000;

/**
 * The story over HTTP: a wave of three workloads released window by window, its business priorities
 * review, and the next wave showing the review's decisions; Liftoff restarts in the middle of a window.
 */
describe('a wave of three workloads released through their windows, over HTTP', () => {
  const priya = person('Priya PM');
  const miguel = person('Miguel Migrator');
  const olga = person('Olga Operator');
  const bea = person('Bea Owner');
  const wes = person('Wes Architect');
  const tom = person('Tom Tester');
  const everyone = [priya, miguel, olga, bea, wes, tom];
  const roles = { migrationEngineer: [miguel], cloudOperations: [olga], businessOwner: [bea], workloadArchitect: [wes], changeManager: [priya] };

  it('refuses a window in a blackout, holds one on a No-go, runs one with two owners at once across a restart, rolls one back, and reviews the wave', async () => {
    const store = await embeddedStore();
    const fake = await startFakeConnector();
    // Liftoff's clock: the story moves it to the window's start.
    let nowMs = Date.parse(`${new Date().toISOString().slice(0, 10)}T08:00:00.000Z`);
    const clock = (): Date => new Date(nowMs);
    const started = nowMs;
    const day = (days: number): string => new Date(started + days * DAY_MS).toISOString().slice(0, 10);
    const today = day(0);
    const team = teamOfOwnIn(fake, 'c0f0e000-0000-4000-8000-00000000aa01', 'wave-release', everyone);
    const [payroll, billing, hr, lake] = ['payroll-api', 'billing', 'hr-portal', 'data-lake'].map((slug) => workloadIdIn(team, slug)) as [string, string, string, string];
    let h: Harness = await startHarness({}, { store, fake, clock });
    try {
      const say = async (who: typeof priya, text: string): Promise<any> => h.say(h.activities.message(who, text, team));
      const press = async (who: typeof priya, verb: string, data: Record<string, unknown>, card = 'window-card'): Promise<any> => {
        const res = await h.post(h.activities.execute(who, verb, data, team, card));
        assert.equal(res.body?.statusCode, 200, JSON.stringify(res.body));
        return res.body.value;
      };
      const text = async (who: typeof priya, verb: string, data: Record<string, unknown>, card?: string): Promise<string> => cardText(await press(who, verb, data, card));
      const window = (workloadId: string, start: string, end: string) => ({
        workloadId,
        startDate: start.slice(0, 10),
        startTime: start.slice(11),
        endDate: end.slice(0, 10),
        endTime: end.slice(11),
        timeZone: 'UTC',
        model: 'single',
        shares: '',
        oldRecord: `${workloadId} CNAME onprem-lb.contoso.com`,
        newRecord: `${workloadId} CNAME cloud.azurefd.net`,
        ttlSeconds: 300,
      });
      const allGo = async (workloadId: string, windowId: string): Promise<string> => {
        let last = '';
        for (const p of [bea, miguel, wes, olga]) last = await text(p, 'cutover.answer', { workloadId, windowId, answer: 'go', comment: 'ready' });
        return last;
      };
      const tick = (who: typeof priya, workloadId: string, stepId: string, outcome = 'done', note = '') =>
        text(who, 'cutover.step', { workloadId, windowId: workloadId === billing ? 'window-2' : 'window-1', stepId, outcome, note });
      const windows = (workloadId: string): Promise<CutoverWindow[]> => partitionDocs<CutoverWindow>(h, workloadId, 'window');
      const teamPartition = teamPartitionOf({ tenantId: team.tenantId!, scopeId: team.teamId! });

      for (const name of ['Payroll API', 'Billing', 'HR Portal', 'Data Lake']) await say(priya, `new ${name}`);
      const rolesCard = findAction(await say(priya, 'roles Payroll API'), 'roles.save');
      await press(priya, 'roles.save', { ...rolesCard.data, role: 'businessOwner', people: bea.aadObjectId });
      // Payroll API's business testing ran with Tom and Bea (a cycle opened and then cancelled, as signoff.test.ts shows).
      await press(priya, 'signoff.open', {
        workloadId: payroll,
        testers: `${tom.aadObjectId},${bea.aadObjectId}`,
        rule: 'all',
        rejection: 'failsCycle',
        dueDate: day(2),
        dueTime: '17:00',
        timeZone: 'UTC',
        testPlanUrl: 'https://contoso.example/payroll-plan',
        scopeNotes: '',
      });
      await press(priya, 'signoff.cancel', { workloadId: payroll, cycleId: 'uat-1', reason: 'Tested outside Liftoff' });
      for (const id of [payroll, billing, hr]) await readyForPromotion(h, id, roles);

      // Wave 3 holds the three; Wave 4, later, holds Data Lake.
      assert.match(await text(priya, 'wave.plan', { name: 'Wave 3', start: today, end: day(3), workloads: [payroll, billing, hr].join(',') }, 'wave-card'), /Wave 3 is planned with 3 workloads/);
      assert.match(await text(priya, 'wave.plan', { name: 'Wave 4', start: day(4), end: day(14), workloads: lake }, 'wave-card'), /Wave 4 is planned with 1 workload/);

      // Payroll API: a window planned into the change manager's blackout is refused, naming it.
      await press(priya, 'blackout.add', {
        workloadId: payroll,
        blackoutName: 'Quarter-end close',
        blackoutStartDate: day(1),
        blackoutStartTime: '00:00',
        blackoutEndDate: day(2),
        blackoutEndTime: '00:00',
        blackoutTimeZone: 'UTC',
      });
      assert.match(await text(priya, 'cutover.plan', window(payroll, `${day(1)} 20:00`, `${day(1)} 23:00`)), /overlaps the blackout "Quarter-end close"/);
      assert.deepEqual(await windows(payroll), []);
      assert.match(await text(priya, 'cutover.plan', window(payroll, `${day(2)} 08:00`, `${day(2)} 12:00`)), /Window 1 is planned/);

      // Billing: a No-go holds window 1; window 2 gets Go from everyone.
      await press(priya, 'cutover.plan', window(billing, `${day(2)} 08:00`, `${day(2)} 12:00`));
      assert.match(await text(bea, 'cutover.answer', { workloadId: billing, windowId: 'window-1', answer: 'noGo', comment: 'Invoice run that morning' }), /Held: No-go from Bea Owner/);
      assert.match(await text(priya, 'cutover.plan', window(billing, `${day(2)} 13:00`, `${day(2)} 16:00`)), /Window 2 is planned/);
      assert.match(await allGo(billing, 'window-2'), /Go: every stakeholder said Go/);

      // HR Portal: its runbook is edited before the window opens; two planners editing the same card, one wins.
      await press(priya, 'cutover.plan', window(hr, `${day(2)} 08:00`, `${day(2)} 12:00`));
      const edit = (who: typeof priya, fields: Record<string, unknown>) => text(who, 'cutover.runbook', { workloadId: hr, windowId: 'window-1', rev: 1, ...fields });
      const [first, second] = await Promise.all([
        edit(priya, { op: 'edit', editStepId: 'smoke-test', stepMinutes: '45' }),
        edit(miguel, { op: 'add', editStepId: 'smoke-test', stepTitle: 'Warm the cache', stepOwner: 'cloudOperations', stepMinutes: '5' }),
      ]);
      assert.equal([first, second].filter((t) => /changed since this card was drawn/.test(t)).length, 1, `${first}\n---\n${second}`);
      const [hrWindow] = await windows(hr);
      assert.equal(hrWindow?.rev, 2);
      assert.equal((await partitionDocs<AuditEvent>(h, hr, 'event')).filter((e) => e.action === 'window.runbookEdited').length, 1);
      assert.match(await edit(priya, { rev: 2, op: 'remove', editStepId: 'freeze-writes' }), /Priya PM removed step "Freeze writes on the source"/);
      await allGo(hr, 'window-1');
      assert.match(await edit(priya, { rev: 3, op: 'remove', editStepId: 'smoke-test' }), /runbook of window 1 is fixed/);

      // Payroll API: every stakeholder says Go; at the start, the owners tick their steps, two at once.
      await allGo(payroll, 'window-1');
      nowMs = Date.parse(`${day(2)}T08:45:00.000Z`);
      const late = cardText(await say(priya, 'cutover Payroll API'));
      assert.match(late, /⏰ Final replication and data synchronization\nMigration engineer · 30 min, planned by 08:30 UTC · running late/);
      const before = h.fake.lastSeq;
      await Promise.all([tick(miguel, payroll, 'final-sync'), tick(olga, payroll, 'freeze-writes')]);
      const [both] = await windows(payroll);
      assert.deepEqual(
        both?.steps.filter((s) => s.status === 'done').map((s) => `${s.id}:${s.by?.name}`),
        ['final-sync:Miguel Migrator', 'freeze-writes:Olga Operator'],
      );
      // The window card in the channel is redrawn in place for everyone.
      await h.fake.waitFor((r) => r.seq > before && r.kind === 'update' && r.activityId === 'window-card');

      // Liftoff restarts in the middle of the window: nothing is lost, and the run goes on.
      await h.close();
      h = await startHarness({}, { store, fake, clock });
      const resumed = cardText(await say(priya, 'cutover Payroll API'));
      assert.match(resumed, /Freeze writes on the source\nCloud operations · 10 min, planned by 08:40 UTC · done by Olga Operator/);
      assert.match(resumed, /Bea Owner \(Business owner\): ✅ Go: ready/);
      await tick(miguel, payroll, 'switch');
      await tick(wes, payroll, 'smoke-test', 'done', 'p95 210 ms');
      await tick(bea, payroll, 'business-verification');
      const finished = await press(priya, 'cutover.step', { workloadId: payroll, windowId: 'window-1', stepId: 'go-live', outcome: 'done', note: '' });
      assert.match(cardText(finished), /The runbook is complete: traffic rerouted is passed with window 1 as its evidence/);
      const gate = (await storedWorkload(h, payroll)).gates.find((g) => g.id === 'traffic-rerouted');
      assert.equal(gate?.status, 'passed');
      assert.match(
        gate?.evidence ?? '',
        /Release window 1, .* UTC, single-step promotion\. DNS\/IP .* CNAME onprem-lb.contoso.com → .* CNAME cloud.azurefd.net \(TTL 300 s\)\. Final replication and data synchronization by Miguel Migrator/,
      );

      // Finishing offers the post-cutover business verification: a UAT cycle with the last cycle's testers.
      assert.match(cardText(finished), /the testers of the last cycle \(Tom Tester, Bea Owner\)/);
      const verify = findAction(finished, 'signoff.open');
      assert.match(await text(priya, 'signoff.open', verify.data, 'window-card'), /opened UAT cycle 2 of Payroll API: 2 testers/);
      const cycles = await partitionDocs<SignoffCycle>(h, payroll, 'cycle');
      const cycle2 = cycles.find((c) => c.number === 2);
      assert.deepEqual(cycle2?.testers.map((t) => t.name).sort(), ['Bea Owner', 'Tom Tester']);
      assert.match(cycle2?.scopeNotes ?? '', /Post-cutover business verification of release window 1/);

      // Billing: window 2 starts, then is aborted and rolled back; the gate stays open.
      nowMs = Date.parse(`${day(2)}T13:10:00.000Z`);
      await tick(miguel, billing, 'final-sync');
      assert.match(
        await text(priya, 'cutover.rollback', { workloadId: billing, windowId: 'window-2', reason: 'Smoke test found 500s on /invoices' }),
        /Rolled back by Priya PM: Smoke test found 500s/,
      );
      assert.match(await tick(miguel, billing, 'rollback-route'), /marked a step done/);
      assert.equal((await storedWorkload(h, billing)).gates.find((g) => g.id === 'traffic-rerouted')?.status, 'pending');

      // Wave 3 ends and is closed: its business priorities review opens once, for the business owners, with the outcome.
      nowMs = Date.parse(`${day(4)}T09:00:00.000Z`);
      assert.match(await text(priya, 'wave.close', { waveId: 'wave-wave-3' }, 'wave-card'), /Wave 3 is closed/);
      const reviewCard = await say(bea, 'wave review');
      const review = cardText(reviewCard);
      // Its buttons change the next wave, as decisions of this review.
      const moveIn = findAction(reviewCard, 'wave.change', { op: 'in' });
      assert.deepEqual([moveIn.data.waveId, moveIn.data.reviewOf], ['wave-wave-4', 'wave-wave-3']);
      assert.match(review, /The priorities review of Wave 3 is open for Bea Owner/);
      assert.match(review, /Business priorities review of Wave 3/);
      assert.match(review, /Released\nPayroll API\nNot released\nBilling; HR Portal\nWindows run\n1 finished, 1 rolled back\nRolled back\nBilling, window 2: Smoke test found 500s on \/invoices/);
      assert.match(review, /record your decisions on Wave 4/);
      assert.doesNotMatch(cardText(await say(priya, 'wave review')), /is open for/, 'a second review command shows the same review');
      assert.equal((await partitionDocs<WaveReview>(h, teamPartition, 'waveReview')).length, 1);

      // The stakeholders decide on Wave 4: Billing moves in and goes first; someone without a role cannot.
      const decide = (who: typeof priya, fields: Record<string, unknown>) => text(who, 'wave.change', { ...moveIn.data, ...fields }, 'review-card');
      assert.match(await decide(tom, { op: 'in', moveInId: billing, reason: 'me too' }), /Only a business owner or the project manager of a workload of Wave 3/);
      assert.match(await decide(bea, { op: 'in', moveInId: billing, reason: '' }), /needs a reason/);
      assert.match(await decide(bea, { op: 'in', moveInId: billing, reason: 'Retry after the fix' }), /Bea Owner moved Billing into Wave 4 \(priorities review of Wave 3\): Retry after the fix/);
      assert.match(await decide(bea, { op: 'in', moveInId: billing, reason: 'Retry after the fix' }), /already reads that way/);
      assert.match(await decide(bea, { op: 'place', workloadId: billing, place: 1, reason: 'Invoices matter most' }), /moved Billing to place 1 of Wave 4/);
      const [wave4] = (await partitionDocs<Wave>(h, teamPartition, 'wave')).filter((w) => w.waveId === 'wave-wave-4');
      assert.deepEqual(wave4?.workloadIds, [billing, lake]);

      // The next wave's card shows the decisions, with the reasons, and its audit trail.
      const next = cardText(await say(miguel, 'wave'));
      assert.match(next, /Wave 4: /);
      assert.match(next, /▶️ 1\. Billing/);
      assert.match(
        next,
        /Decisions of the priorities review\n• .*Bea Owner moved Billing into Wave 4 \(priorities review of Wave 3\): Retry after the fix\n• .*Bea Owner moved Billing to place 1 of Wave 4 \(priorities review of Wave 3\): Invoices matter most/,
      );
      assert.match(next, /Audit trail\n.*Priya PM planned Wave 4/);
      const trail = (await partitionDocs<WaveEvent>(h, teamPartition, 'waveEvent')).filter((e) => e.waveId === 'wave-wave-4').map((e) => e.action);
      assert.deepEqual(trail.sort(), ['wave.movedIn', 'wave.planned', 'wave.reordered']);
    } finally {
      await h.close();
      await fake.close();
      await store.close();
    }
  });
});
