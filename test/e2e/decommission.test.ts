import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { CostReview, DecommissionPlan } from '../../bot/decommission/model';
import type { AuditEvent, Person, Workload } from '../../bot/release/model';
import { CosmosCostReviewRepository } from '../../bot/store/assetRepository';
import { person } from '../support/builders';
import { actionsOf } from '../support/cards';
import { embeddedStore } from '../support/cosmos';
import { startFakeConnector } from '../support/fakeConnector';
import { bannerStyle, cardText, findAction, Harness, startHarness } from '../support/liftoff';
import { partitionDocs, readyForPromotion, storedWorkload, teamOfOwn, teamOfOwnIn } from '../support/release';
import { personalChat, Place, workloadIdIn } from '../support/teams';

const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T09:00:00.000Z');

/** Promotion recorded as the cutover records it (the release window is specified in cutover.test.ts), at the given time. */
async function promote(h: Harness, workloadId: string, at: number, alsoPassed: string[] = []): Promise<void> {
  const current = await storedWorkload(h, workloadId);
  const decided = { status: 'passed' as const, decidedAt: new Date(at).toISOString(), decidedBy: { aadObjectId: 'someone', name: 'Miguel Migrator' } };
  const gates = current.gates.map((g) => (g.id === 'traffic-rerouted' || alsoPassed.includes(g.id) ? { ...g, ...decided, rev: g.rev + 1 } : g));
  await h.app.cosmos.workloads.item(workloadId, workloadId).replace({ ...current, gates });
}

/** Texts of the cards the fake connector got in a conversation after a point. */
function cardsSentTo(h: Harness, conversationId: string, after: number): string[] {
  return h.fake.activities
    .filter((r) => r.seq > after && r.kind === 'send' && r.conversationId === conversationId)
    .map((r) => cardText((r as { activity?: { attachments?: Array<{ content: unknown }> } }).activity?.attachments?.[0]?.content));
}

/** The values of an asset's edit inputs as the card prefills them, by input id. */
function editInputs(card: unknown, assetId: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const obj = node as { type?: string; id?: string; value?: unknown };
      if (obj.type?.startsWith('Input.') && obj.id?.endsWith(`-${assetId}`)) found[obj.id] = typeof obj.value === 'string' || typeof obj.value === 'number' ? String(obj.value) : '';
      Object.values(node).forEach(walk);
    }
  };
  walk(card);
  return found;
}

describe('decommission and the cost review over HTTP, end to end', () => {
  let h: Harness;
  let now = T0;
  const priya = person('Priya PM');
  const olga = person('Olga Operator');
  const wes = person('Wes Architect');
  const tom = person('Tom Teammate');
  const dana = person('Dana DBA');
  const everyone = [priya, olga, wes, tom, dana];

  let team: Place;
  let payroll: string;
  let scenes = 0;

  before(async () => {
    // Amounts in euros (LIFTOFF_CURRENCY): every card, the list and the evidence write them with the code.
    h = await startHarness({ FOLLOW_UP_SWEEP_SECONDS: '0', DECOMMISSION_HOLD_DAYS: '21', LIFTOFF_CURRENCY: 'EUR' }, { clock: () => new Date(now) });
  });
  after(() => h.close());

  beforeEach(async () => {
    scenes += 1;
    now = T0;
    team = teamOfOwn(h, `dec0e000-0000-4000-8000-${String(scenes).padStart(12, '0')}`, `decom-${scenes}`, everyone);
    payroll = workloadIdIn(team, 'payroll-api');
    // Liftoff is installed in the team and in the personal chats of the asset owners and the architect.
    await h.post(h.activities.installation(priya, 'add', team));
    for (const p of [olga, wes, dana]) await h.post(h.activities.installation(p, 'add', { ...personalChat(p), tenantId: team.tenantId! }));
    await say(priya, 'new Payroll API');
    await readyForPromotion(h, payroll, { cloudOperations: [olga], workloadArchitect: [wes], migrationEngineer: [tom], businessOwner: [priya] });
  });

  const say = (who: Person, text: string): Promise<any> => h.say(h.activities.message(who, text, team));
  async function press(who: Person, verb: string, data: Record<string, unknown>): Promise<any> {
    const res = await h.post(h.activities.execute(who, verb, { workloadId: payroll, ...data }, team, 'decommission-card'));
    assert.equal(res.status, 200);
    assert.equal(res.body.statusCode, 200, JSON.stringify(res.body));
    return res.body.value;
  }
  const plan = async (): Promise<DecommissionPlan | undefined> => (await partitionDocs<DecommissionPlan>(h, payroll, 'decommission'))[0];
  const events = (): Promise<AuditEvent[]> => partitionDocs<AuditEvent>(h, payroll, 'event');
  const stripped = (doc: object | undefined) => JSON.stringify(doc, (k, v: unknown) => (k === '_ts' || k === '_etag' ? undefined : v));

  const PASTE = 'payroll-vm-01; VM; DC1 rack 4; 420.50; Olga Operator\npayroll-db; SQL Server 2016; DC1 rack 7; 1,200; Dana DBA';
  const step = (assetId: string, to: string, note = '', holdDays = '') => press(olga, 'decommission.step', { assetId, to, note, holdDays });

  /** Olga lists two assets by pasting lines and one with the card's form. */
  async function listThree(): Promise<void> {
    const card = await say(olga, 'decommission Payroll API');
    assert.ok(findAction(card, 'decommission.list'));
    assert.match(cardText(await press(olga, 'decommission.list', { lines: PASTE })), /Listed 2 assets/);
    const one = cardText(await press(olga, 'decommission.list', { lines: '', assetName: 'payroll-lb', kind: 'load balancer', location: 'DC1', cost: '80', owner: dana.aadObjectId }));
    assert.match(one, /Listed 1 asset\./);
  }

  it('opens the decommission card from the checklist once traffic is rerouted, and by the typed command', async () => {
    await promote(h, payroll, now);
    const checklist = await say(priya, 'status Payroll API');
    assert.match(cardText(checklist), /Monthly savings realised by decommission: EUR 0\./);
    const fromChecklist = await press(priya, 'decommission.show', findAction(checklist, 'decommission.show').data);
    assert.match(cardText(fromChecklist), /Decommission of Payroll API/);
    assert.match(cardText(await say(tom, 'decommission Payroll API')), /No asset is listed yet/);
  });

  it('refuses a malformed paste (naming its lines), a person without the role and a skipped step, and none of them changes anything', async () => {
    await promote(h, payroll, now);
    const before = (await events()).length;
    const wrongRole = await press(tom, 'decommission.list', { lines: PASTE });
    assert.equal(bannerStyle(wrongRole), 'attention');
    assert.match(cardText(wrongRole), /Only someone holding the Cloud operations role lists and retires the assets of Payroll API \(Olga Operator\)/);
    const malformed = cardText(await press(olga, 'decommission.list', { lines: 'payroll-vm-01; VM; DC1; 420\npayroll-db; SQL; DC1; lots; Dana DBA\nok; VM; DC1; 5; Nobody Known' }));
    assert.match(
      malformed,
      /Nothing was listed\. Line 1: give five fields .* not 4\. Line 2: give the monthly cost as a number, for example 420\.50 \(not "lots"\)\. Line 3: nobody named "Nobody Known" is a member/,
    );
    assert.equal(await plan(), undefined);
    assert.equal((await events()).length, before);

    await listThree();
    const listed = await plan();
    // A retried press (the same paste again) adds nothing.
    assert.match(cardText(await press(olga, 'decommission.list', { lines: PASTE })), /Those assets are listed already; nothing was added\./);
    const skipped = await step('asset-1', 'poweredOff');
    assert.equal(bannerStyle(skipped), 'attention');
    assert.match(cardText(skipped), /"payroll-vm-01" is listed; its next step is "Monitored: no traffic since cutover"\. Steps go in order and none is skipped; nothing was changed\./);
    assert.match(cardText(await press(tom, 'decommission.step', { assetId: 'asset-1', to: 'monitored' })), /Only someone holding the Cloud operations role/);
    assert.match(cardText(await step('asset-2', 'kept', '')), /Say why "payroll-db" is kept/);
    assert.equal(stripped(await plan()), stripped(listed));
  });

  it('takes three assets through decommission: one kept with a reason, holds ending with their owners reminded once, and the gate passing with the asset list and the savings', async () => {
    await promote(h, payroll, now);
    await listThree();
    assert.match(cardText(await step('asset-2', 'kept', 'Still the reporting replica until Q2')), /marked "payroll-db" kept/);
    assert.match(cardText(await step('asset-2', 'kept', 'Still the reporting replica until Q2')), /"payroll-db" is kept already; nothing was changed/, 'a retried press');
    for (const id of ['asset-1', 'asset-3']) {
      await step(id, 'monitored', 'No traffic since the cutover in the flow logs');
      await step(id, 'outageTested', 'Off Sat 02:00-06:00, nothing broke');
      await step(id, 'poweredOff');
    }
    assert.match(cardText(await step('asset-1', 'held', '', '14')), /Say how the data of "payroll-vm-01" is retained/);
    assert.match(cardText(await step('asset-1', 'held', 'Snapshot kept 90 days', '14')), /marked "payroll-vm-01" held until Tue 15 Dec 2026, 09:00 UTC/);
    // The other hold takes the configured default (DECOMMISSION_HOLD_DAYS=21).
    assert.match(cardText(await step('asset-3', 'held', 'Configuration exported to the repo')), /marked "payroll-lb" held until Tue 22 Dec 2026, 09:00 UTC/);
    assert.match(cardText(await step('asset-1', 'disposed')), /"payroll-vm-01" is held until Tue 15 Dec 2026, 09:00 UTC; dispose of it when the hold ends/);

    const seq = h.fake.lastSeq;
    // Other specs' workloads share the store: what this one's owners were sent is what counts.
    now = T0 + 13 * DAY;
    await h.app.sweepFollowUps();
    assert.equal(cardsSentTo(h, personalChat(olga).conversationId, seq).length, 0, 'no hold has ended yet');
    now = T0 + 14 * DAY;
    await h.app.sweepFollowUps();
    const toOlga = cardsSentTo(h, personalChat(olga).conversationId, seq);
    assert.equal(toOlga.length, 1);
    assert.match(toOlga[0]!, /Reminder: the hold of "payroll-vm-01" of Payroll API has ended/);
    assert.match(toOlga[0]!, /Checklist/);
    await h.app.sweepFollowUps();
    assert.equal(cardsSentTo(h, personalChat(olga).conversationId, seq).length, 1, 'each owner is reminded once');
    assert.equal(cardsSentTo(h, personalChat(dana).conversationId, seq).length, 0, 'the other hold has not ended');

    assert.match(cardText(await step('asset-1', 'disposed')), /marked "payroll-vm-01" disposed/);
    now = T0 + 21 * DAY;
    await h.app.sweepFollowUps();
    assert.match(cardsSentTo(h, personalChat(dana).conversationId, seq)[0] ?? '', /the hold of "payroll-lb" of Payroll API has ended/);
    const last = cardText(await step('asset-3', 'disposed'));
    assert.match(last, /Every asset is disposed or kept: the decommission gate is passed, EUR 500\.50\/month saved/);

    const workload = await storedWorkload(h, payroll);
    const gate = workload.gates.find((g) => g.id === 'assets-retired');
    assert.equal(gate?.status, 'passed');
    assert.match(
      gate?.evidence ?? '',
      /^3 assets: payroll-vm-01 \(VM, DC1 rack 4, EUR 420\.50\/month\) disposed; payroll-db \(SQL Server 2016, DC1 rack 7, EUR 1,200\/month\) kept: Still the reporting replica until Q2; payroll-lb \(load balancer, DC1, EUR 80\/month\) disposed\. Monthly savings realised: EUR 500\.50\.$/,
    );
    assert.deepEqual(workload.summaries?.decommission, { assets: 3, closed: 3, savingsMonthly: 500.5, currency: 'EUR' });
    const trail = await events();
    assert.equal(trail.filter((e) => e.action === 'asset.reminded').length, 2);
    assert.ok(trail.some((e) => e.action === 'gate.passed' && e.gateId === 'assets-retired'));

    assert.match(cardText(await say(priya, 'status Payroll API')), /Monthly savings realised by decommission: EUR 500\.50\./);
    assert.match(cardText(await say(priya, 'list')), /Savings: EUR 500\.50\/month realised by decommission, EUR 0\/month by optimizations/);
  });

  it('asks for the cost review in the channel 30 days after promotion and reminds its owner, once each; the architect passes it and its savings show on the checklist and the list', async () => {
    await promote(h, payroll, now, ['assets-retired']);
    // Billing's review was done (waived) before the 30 days: it is not asked for.
    await say(priya, 'new Billing');
    const billing = workloadIdIn(team, 'billing');
    await promote(h, billing, now);
    const billingNow = await storedWorkload(h, billing);
    await h.app.cosmos.workloads
      .item(billing, billing)
      .replace({ ...billingNow, gates: billingNow.gates.map((g) => (g.id === 'cost-reviewed' ? { ...g, status: 'waived' as const, reason: 'Reviewed with Payroll', rev: g.rev + 1 } : g)) });
    const due = await new CosmosCostReviewRepository(h.app.cosmos.workloads).reviewsDue(new Date(T0 + DAY).toISOString(), 1000);
    assert.ok(due.includes(payroll));
    assert.ok(!due.includes(billing), 'a review waived already is not looked for again');
    const seq = h.fake.lastSeq;
    now = T0 + 29 * DAY;
    await h.app.sweepFollowUps();
    assert.deepEqual(cardsSentTo(h, team.conversationId, seq), [], 'not before 30 days');
    now = T0 + 30 * DAY;
    await h.app.sweepFollowUps();
    const inChannel = cardsSentTo(h, team.conversationId, seq);
    assert.equal(inChannel.length, 1, 'Payroll API only');
    assert.match(inChannel[0]!, /30 days since Payroll API was promoted: time for the cost review\..* Owner: Wes Architect\./s);
    const toWes = cardsSentTo(h, personalChat(wes).conversationId, seq);
    assert.equal(toWes.length, 1);
    assert.match(toWes[0]!, /Reminder: the cost review of Payroll API is due/);
    now = T0 + 31 * DAY;
    await h.app.sweepFollowUps();
    assert.equal(cardsSentTo(h, team.conversationId, seq).length + cardsSentTo(h, personalChat(wes).conversationId, seq).length, 2, 'asked and reminded once');
    assert.equal((await events()).filter((e) => e.action === 'costReview.asked').length, 2);

    const form = {
      planned: '12,000',
      actual: '10,450',
      optimizations: 'rightsizing; D8s to D4s for the app tier; 310\nreservation; 3-year reserved instances for the database; 900\nadvisor; deleted idle public IPs; 12.50',
      decision: 'Keep the reservation; review the database tier in Q2',
    };
    const card = await say(olga, 'cost-review Payroll API');
    assert.match(cardText(card), /asked for by Liftoff/);
    assert.match(cardText(await press(tom, 'costreview.save', { ...form, pass: 'false' })), /Only the workload architect, cloud operations or the project manager/);
    assert.match(cardText(await press(olga, 'costreview.save', { ...form, optimizations: 'rightsizing; smaller; lots', pass: 'false' })), /Line 1: give the monthly saving as a number/);
    assert.equal((await partitionDocs<CostReview>(h, payroll, 'costReview')).length, 0, 'refusals store nothing');
    assert.match(cardText(await press(olga, 'costreview.save', { ...form, pass: 'false' })), /The cost review is saved; the workload architect passes it/);
    assert.match(cardText(await press(olga, 'costreview.save', { ...form, pass: 'true' })), /Only the Workload architect passes the cost review \(Wes Architect\)/);
    const passed = await press(wes, 'costreview.save', { ...form, pass: 'true' });
    assert.equal(bannerStyle(passed), 'good');
    assert.match(cardText(passed), /Wes Architect passed the cost review/);
    const workload: Workload = await storedWorkload(h, payroll);
    const gate = workload.gates.find((g) => g.id === 'cost-reviewed');
    assert.equal(gate?.status, 'passed');
    assert.match(
      gate?.evidence ?? '',
      /^Planned EUR 12,000\/month, actual EUR 10,450\/month\. Optimizations: Rightsizing: D8s to D4s for the app tier \(EUR 310\/month\); Reservation: .*saving EUR 1,222\.50\/month\. Decision: Keep the reservation/,
    );
    const checklist = cardText(await say(priya, 'status Payroll API'));
    assert.match(checklist, /Monthly savings of the optimizations \(cost review\): EUR 1,222\.50\./);
    assert.match(checklist, /Monthly cost: planned EUR 12,000, actual EUR 10,450\./);
    assert.match(cardText(await say(priya, 'list')), /Savings: EUR 0\/month realised by decommission, EUR 1,222\.50\/month by optimizations/);
  });

  it('edits and removes listed assets for cloud operations, with the savings and the gate recomputed; the wrong role, too late and a stale card are refused and change nothing', async () => {
    await promote(h, payroll, now);
    await listThree();
    const card = await say(olga, 'decommission Payroll API');
    const edit = findAction(card, 'decommission.edit', { assetId: 'asset-1' });
    assert.equal(edit.data.rev, '1');
    const prefilled = editInputs(card, 'asset-1');
    assert.deepEqual(prefilled, { 'name-asset-1': 'payroll-vm-01', 'kind-asset-1': 'VM', 'location-asset-1': 'DC1 rack 4', 'cost-asset-1': '420.5', 'owner-asset-1': 'Olga Operator' });
    assert.equal(JSON.stringify(card).match(/"label":"Monthly cost \(EUR\)"/g)?.length, 4, 'the list form and each asset name the currency');
    assert.ok(findAction(card, 'decommission.remove', { assetId: 'asset-2' }));
    assert.match(cardText(card), /Confirm: remove payroll-db/);
    // A large card asks for one asset's forms at a time (the card spec shows when): the route draws them.
    const focused = await press(olga, 'decommission.show', { focus: 'asset-2' });
    assert.deepEqual(
      actionsOf(focused)
        .filter((a) => a.verb === 'decommission.edit')
        .map((a) => (a.data as { assetId: string }).assetId),
      ['asset-2'],
    );

    const listed = await plan();
    const trail = (await events()).length;
    const corrected = { ...edit.data, ...prefilled, 'name-asset-1': 'payroll-vm-1', 'cost-asset-1': '402.50' };
    const wrongRole = await press(tom, 'decommission.edit', corrected);
    assert.equal(bannerStyle(wrongRole), 'attention');
    assert.match(cardText(wrongRole), /Only someone holding the Cloud operations role/);
    assert.match(cardText(await press(tom, 'decommission.remove', { assetId: 'asset-2' })), /Only someone holding the Cloud operations role/);
    assert.match(cardText(await press(olga, 'decommission.edit', { ...corrected, 'cost-asset-1': 'cheap' })), /Nothing was changed: give the monthly cost as a number/);
    assert.equal(stripped(await plan()), stripped(listed));
    assert.equal((await events()).length, trail);

    const edited = await press(olga, 'decommission.edit', corrected);
    assert.equal(bannerStyle(edited), 'good');
    assert.match(cardText(edited), /Olga Operator edited "payroll-vm-1"/);
    assert.match(cardText(edited), /EUR 402\.50\/month · owner Olga Operator/);
    assert.match(cardText(await press(olga, 'decommission.edit', corrected)), /Nothing changed: the asset already says this\./, 'a retried press');
    // The card drawn before the edit, pressed again with another correction.
    const stale = await press(olga, 'decommission.edit', { ...edit.data, ...prefilled, 'kind-asset-1': 'Virtual machine' });
    assert.equal(bannerStyle(stale), 'attention');
    assert.match(cardText(stale), /"payroll-vm-1" was edited by Olga Operator on Tue 1 Dec 2026, 09:00 UTC after this card was drawn; yours was not recorded/);
    const audit = (await events()).filter((e) => e.action === 'asset.edited');
    assert.deepEqual(
      audit.map((e) => e.summary),
      ['Olga Operator edited "payroll-vm-01": name "payroll-vm-01" → "payroll-vm-1"; monthly cost EUR 420.50 → EUR 402.50.'],
    );

    const removed = await press(olga, 'decommission.remove', { assetId: 'asset-2' });
    assert.equal(bannerStyle(removed), 'good');
    assert.match(cardText(removed), /Olga Operator removed "payroll-db" from the list\./);
    assert.doesNotMatch(cardText(removed), /SQL Server 2016/);
    assert.match(cardText(await press(olga, 'decommission.remove', { assetId: 'asset-2' })), /"payroll-db" was removed already; nothing was changed\./, 'a retried press');
    assert.equal((await storedWorkload(h, payroll)).summaries?.decommission?.assets, 2);

    for (const to of ['monitored', 'outageTested', 'poweredOff']) await step('asset-3', to);
    assert.match(cardText(await press(olga, 'decommission.remove', { assetId: 'asset-3' })), /"payroll-lb" was powered off already: it stays on the list; keep it with a reason/);
    await step('asset-3', 'held', 'Configuration exported', '1');
    // The cost is corrected while held; the savings follow it.
    const lb = editInputs(await say(olga, 'decommission Payroll API'), 'asset-3');
    await press(olga, 'decommission.edit', { assetId: 'asset-3', rev: '1', ...lb, 'cost-asset-3': '75' });
    now = T0 + DAY;
    assert.match(cardText(await step('asset-3', 'disposed')), /Savings realised[\s\S]*EUR 75\/month/);
    assert.match(
      cardText(await press(olga, 'decommission.edit', { assetId: 'asset-3', rev: '2', ...lb, 'cost-asset-3': '80' })),
      /"payroll-lb" is disposed .*: its record stays as it was; nothing was changed/,
    );
    const beforeGate = await storedWorkload(h, payroll);
    assert.equal(beforeGate.gates.find((g) => g.id === 'assets-retired')?.status, 'pending', 'payroll-vm-1 is still listed');

    // Removing the last open asset leaves every other one disposed: the gate passes in the same batch.
    const last = cardText(await press(olga, 'decommission.remove', { assetId: 'asset-1' }));
    assert.match(last, /removed "payroll-vm-1" from the list\. Every asset is disposed or kept: the decommission gate is passed, EUR 75\/month saved\./);
    const workload = await storedWorkload(h, payroll);
    assert.equal(workload.gates.find((g) => g.id === 'assets-retired')?.evidence, '1 asset: payroll-lb (load balancer, DC1, EUR 75/month) disposed. Monthly savings realised: EUR 75.');
    assert.deepEqual(workload.summaries?.decommission, { assets: 1, closed: 1, savingsMonthly: 75, currency: 'EUR' });
    assert.match(cardText(await say(priya, 'status Payroll API')), /Monthly savings realised by decommission: EUR 75\./);
    assert.match(cardText(await say(priya, 'list')), /Savings: EUR 75\/month realised by decommission/);
  });

  it('tells the channel once when an asset owner cannot be reminded one to one, and the card names them', async () => {
    await promote(h, payroll, now);
    // Tom never installed Liftoff in a personal chat.
    await press(olga, 'decommission.list', { lines: 'payroll-cache; Redis; DC1; 60; Tom Teammate\npayroll-vm-01; VM; DC1 rack 4; 420.50; Olga Operator' });
    for (const id of ['asset-1', 'asset-2']) {
      for (const to of ['monitored', 'outageTested', 'poweredOff']) await step(id, to);
      await step(id, 'held', 'Snapshot', '3');
    }
    const seq = h.fake.lastSeq;
    now = T0 + 3 * DAY;
    await h.app.sweepFollowUps();
    const line = /Liftoff could not remind Tom Teammate \(owner of "payroll-cache"\) one to one that the hold of Payroll API has ended/;
    const inChannel = cardsSentTo(h, team.conversationId, seq);
    assert.equal(inChannel.filter((t) => line.test(t)).length, 1, inChannel.join('\n---\n'));
    assert.doesNotMatch(inChannel.join('\n'), /Olga Operator \(owner of/, 'Olga was reminded');
    assert.equal(cardsSentTo(h, personalChat(olga).conversationId, seq).length, 1);
    now = T0 + 4 * DAY;
    await h.app.sweepFollowUps();
    assert.equal(cardsSentTo(h, team.conversationId, seq).filter((t) => line.test(t)).length, 1, 'once');
    assert.equal((await events()).filter((e) => e.action === 'asset.owner_unreached').length, 1);
    assert.equal((await plan())?.assets[0]?.ownerUnreachedAt, new Date(T0 + 3 * DAY).toISOString());
    assert.match(cardText(await say(olga, 'decommission Payroll API')), /Not reached one to one: Tom Teammate \(owner of "payroll-cache"\)\. Cloud operations tells them\./);
  });

  it('tells the channel once when the cost review owner cannot be reminded one to one, and the review card names them', async () => {
    await promote(h, payroll, now, ['assets-retired']);
    await h.post(h.activities.installation(wes, 'remove', { ...personalChat(wes), tenantId: team.tenantId! }));
    const seq = h.fake.lastSeq;
    now = T0 + 30 * DAY;
    await h.app.sweepFollowUps();
    const line = /Liftoff could not remind Wes Architect \(workload architect\) of the cost review of Payroll API one to one/;
    const inChannel = cardsSentTo(h, team.conversationId, seq);
    assert.equal(inChannel.length, 2, 'the review asked for, and the line');
    assert.match(inChannel[1]!, line);
    assert.equal(cardsSentTo(h, personalChat(wes).conversationId, seq).length, 0);
    now = T0 + 31 * DAY;
    await h.app.sweepFollowUps();
    assert.equal(cardsSentTo(h, team.conversationId, seq).length, 2, 'once');
    assert.deepEqual((await storedWorkload(h, payroll)).summaries?.costReview?.unreached, ['Wes Architect']);
    assert.match(cardText(await say(olga, 'cost-review Payroll API')), /not reached one to one: Wes Architect/);
  });

  it('exports the asset list as CSV from the command line, reading the same Cosmos', async () => {
    await promote(h, payroll, now);
    await listThree();
    await step('asset-2', 'kept', 'Reporting, "for now"');
    const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/liftoff.ts', 'assets', payroll], {
        cwd: resolve(__dirname, '..', '..'),
        env: { ...process.env, COSMOS_ENDPOINT: h.app.cosmos.endpoint, COSMOS_KEY: 'any', COSMOS_DATABASE: 'liftoff', LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      child.on('close', (status) => done({ status, stdout, stderr }));
    });
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines[0], 'asset,name,kind,location,monthlyCost,currency,owner,ownerAadObjectId,step,stepBy,stepAt,holdDays,holdEndsAt,retention,keptReason,ownerRemindedAt');
    assert.equal(lines.length, 4);
    assert.match(lines[1]!, /^asset-1,payroll-vm-01,VM,DC1 rack 4,420\.5,EUR,Olga Operator,[^,]+,listed,Olga Operator,2026-12-01T09:00:00\.000Z,/);
    assert.match(lines[2]!, /^asset-2,payroll-db,SQL Server 2016,DC1 rack 7,1200,EUR,Dana DBA,[^,]+,kept,Olga Operator,.*,"Reporting, ""for now""",$/);
    assert.match(result.stderr, /Payroll API: 3 assets, 1 disposed or kept, monthly savings realised EUR 0/);
  });
});

describe('decommission follow-ups across a restart', () => {
  const priya = person('Priya PM');
  const olga = person('Olga Operator');

  it('reminds the owner when a hold ended while Liftoff was stopped: the hold is in Cosmos and the sweep reads it again', async () => {
    const store = await embeddedStore();
    const fake = await startFakeConnector();
    let now = T0;
    try {
      const team = teamOfOwnIn(fake, 'dec0e000-0000-4000-8000-0000000000ff', 'decom-restart', [priya, olga]);
      const payroll = workloadIdIn(team, 'payroll-api');
      let h = await startHarness({ FOLLOW_UP_SWEEP_SECONDS: '0', COST_REVIEW_AFTER_DAYS: '60' }, { store, fake, clock: () => new Date(now) });
      const press = (verb: string, data: Record<string, unknown>) => h.post(h.activities.execute(olga, verb, { workloadId: payroll, ...data }, team));
      await h.post(h.activities.installation(olga, 'add', { ...personalChat(olga), tenantId: team.tenantId! }));
      await h.say(h.activities.message(priya, 'new Payroll API', team));
      await readyForPromotion(h, payroll, { cloudOperations: [olga] });
      await promote(h, payroll, now);
      await press('decommission.list', { lines: 'payroll-vm-01; VM; DC1; 100; Olga Operator' });
      for (const to of ['monitored', 'outageTested', 'poweredOff']) await press('decommission.step', { assetId: 'asset-1', to });
      await press('decommission.step', { assetId: 'asset-1', to: 'held', note: 'Snapshot', holdDays: '30' });
      await h.close();

      now = T0 + 31 * DAY;
      const seq = fake.lastSeq;
      h = await startHarness({ FOLLOW_UP_SWEEP_SECONDS: '0', COST_REVIEW_AFTER_DAYS: '60' }, { store, fake, clock: () => new Date(now) });
      assert.equal(await h.app.sweepFollowUps(), 1);
      const sent = fake.activities.filter((r) => r.seq > seq && r.kind === 'send' && r.conversationId === personalChat(olga).conversationId);
      assert.equal(sent.length, 1);
      await h.close();
    } finally {
      await fake.close();
      await store.close();
    }
  });
});
