import { strict as assert } from 'node:assert';
import type { Delivery, Notice } from '../../bot/broadcast/model';
import type { CommPlan } from '../../bot/broadcast/plan';
import type { AuditEvent } from '../../bot/release/model';
import type { CosmosStore } from '../../bot/store/cosmos';
import { person } from '../support/builders';
import { embeddedStore } from '../support/cosmos';
import { FakeConnector, startFakeConnector } from '../support/fakeConnector';
import { bannerStyle, cardText, findAction, Harness, startHarness } from '../support/liftoff';
import { partitionDocs, readyForPromotion, storedWorkload, teamOfOwnIn } from '../support/release';
import { Place, workloadIdIn } from '../support/teams';

/** Polls what the store says until it holds (the sender works in the background); no time is asserted. */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('The communication plan over HTTP, end to end', function () {
  this.timeout(60_000);
  const priya = person('Priya PM');
  const chloe = person('Chloe Change');
  const miguel = person('Miguel Migrator');
  const olga = person('Olga Operator');
  const bea = person('Bea Owner');
  const wes = person('Wes Architect');
  const tom = person('Tom Teammate');
  const carl = person('Carl Change');
  const everyone = [priya, chloe, carl, miguel, olga, bea, wes, tom];

  /** The clock Liftoff reads: a Monday morning, moved by the specs. */
  let now = 0;
  const clock = () => new Date(now);
  let store: CosmosStore;
  let fake: FakeConnector;
  let h: Harness;
  let team: Place;
  let payroll: string;
  let scenes = 0;
  const env = { PLAN_SWEEP_SECONDS: '0' };

  before(async () => {
    store = await embeddedStore();
    fake = await startFakeConnector();
  });
  after(async () => {
    await h?.close();
    await fake.close();
    await store.close();
  });

  beforeEach(async () => {
    now = Date.parse('2026-12-07T08:00:00.000Z');
    h = await startHarness(env, { clock, fake, store });
    scenes += 1;
    const tenantId = `c0f0e000-0000-4000-8000-${String(scenes).padStart(12, '1')}`;
    team = teamOfOwnIn(fake, tenantId, `plan-${scenes}`, everyone);
    payroll = workloadIdIn(team, 'payroll-api');
    await say(priya, 'new Payroll API');
  });
  afterEach(async () => {
    await h.close();
  });

  const say = (who: typeof priya, text: string): Promise<any> => h.say(h.activities.message(who, text, team));

  async function press(who: typeof priya, verb: string, data: Record<string, unknown>): Promise<any> {
    const res = await h.post(h.activities.execute(who, verb, data, team, 'plan-card'));
    assert.equal(res.status, 200);
    assert.equal(res.body.statusCode, 200, JSON.stringify(res.body));
    return res.body.value;
  }

  const ready = () => readyForPromotion(h, payroll, { changeManager: [chloe], migrationEngineer: [miguel], cloudOperations: [olga], businessOwner: [bea], workloadArchitect: [wes] });

  const storedPlan = async (): Promise<CommPlan> => {
    const { resource } = await h.app.cosmos.workloads.item('commplan', payroll).read<CommPlan>();
    assert.ok(resource, 'the plan is stored in the workload partition');
    return resource;
  };
  const entry = async (id: string) => (await storedPlan()).entries.find((e) => e.id === id);
  const notice = async (noticeId: string): Promise<Notice | undefined> => (await h.app.cosmos.workloads.item(noticeId, payroll).read<Notice>()).resource;
  const settled = (noticeId: string) =>
    until(`notice ${noticeId} to be sent`, async () => {
      const n = await notice(noticeId);
      return n?.status === 'sent' && n.settledRev === n.rev ? n : undefined;
    });
  /** The 1:1 conversation a notice reached a person in, from their delivery (sent), whichever chat Liftoff found or created. */
  const personalCopy = async (noticeId: string, who: typeof priya): Promise<string> => {
    const { resource } = await h.app.cosmos.workloads.item(`${noticeId}:user:${who.aadObjectId}`, payroll).read<Delivery>();
    assert.equal(resource?.status, 'sent', `${who.name} was reached 1:1`);
    return resource.recipient.conversationId!;
  };
  /** Copies of a notice Teams accepted, by conversation: a recipient's card carries its Acknowledge button. */
  const copies = (title: string): string[] =>
    fake.activities
      .filter((r) => r.kind === 'send' && JSON.stringify(r.activity ?? {}).includes('"notice.ack"') && cardText(r.activity?.attachments?.[0]?.content).includes(title))
      .map((r) => r.conversationId);

  /** The change manager plans a notice from the plan card's form; answers the entry's id and the card. */
  async function planNotice(fields: Record<string, unknown>, who = chloe): Promise<{ entryId: string; card: any }> {
    const plan = await say(who, 'plan Payroll API');
    // "Plan a notice", at the foot of the card (each planned notice has its own Edit).
    const add = (plan.actions as Array<{ verb: string; data: Record<string, unknown> }>).find((a) => a.verb === 'plan.edit');
    const form = await press(who, 'plan.edit', add!.data);
    const save = findAction(form, 'plan.save');
    const card = await press(who, 'plan.save', { ...save.data, conversation: 'false', team: 'false', everyone: 'false', roles: '', channels: '', people: '', ...fields });
    return { entryId: String(save.data.entryId), card };
  }

  async function planWindow(): Promise<void> {
    const card = await say(priya, 'cutover Payroll API');
    await press(priya, 'cutover.plan', {
      ...findAction(card, 'cutover.plan').data,
      startDate: '2026-12-10',
      startTime: '20:00',
      endDate: '2026-12-10',
      endTime: '23:00',
      timeZone: 'Europe/Paris',
      model: 'single',
      shares: '',
      oldRecord: 'payroll.contoso.com CNAME onprem-lb.contoso.com',
      newRecord: 'payroll.contoso.com CNAME payroll.azurefd.net',
      ttlSeconds: 300,
    });
  }

  const allGo = async () => {
    for (const p of [bea, miguel, wes, olga]) await press(p, 'cutover.answer', { workloadId: payroll, windowId: 'window-1', answer: 'go', comment: 'ready' });
  };

  it('sends a plan of three notices when due, one at a time in a zone and two relative to the release window, one across a restart, and leaves turned-off drafts unsent', async () => {
    await ready();
    await say(chloe, 'plan Payroll API');
    const first = await planNotice({
      kind: 'ahead',
      title: 'Payroll moves this week',
      body: 'Payroll moves to Azure on Thursday evening.',
      when: 'at',
      date: '2026-12-08',
      time: '10:00',
      timeZone: 'Europe/Paris',
      conversation: 'true',
    });
    assert.match(cardText(first.card), /Planned "Payroll moves this week", Tue 8 Dec 2026, 10:00 Europe\/Paris\. It goes by itself when due\./);
    assert.equal(bannerStyle(first.card), 'good');

    await planWindow();
    // Liftoff drafted the window's notices; this spec turns them off, and they must stay unsent.
    const drafted = (await storedPlan()).entries.filter((e) => e.source === 'window').map((e) => e.id);
    assert.deepEqual(drafted, ['window-1-reminder', 'window-1-start', 'window-1-goLive', 'window-1-rollback']);
    for (const entryId of drafted) await press(chloe, 'plan.switch', { workloadId: payroll, entryId, on: 'false' });

    const second = await planNotice({
      kind: 'reminder',
      title: 'Two days to the Payroll move',
      body: 'Check your open payroll runs.',
      when: 'beforeStart',
      amount: '2',
      unit: 'days',
      roles: 'businessOwner',
    });
    const third = await planNotice({ kind: 'after', title: 'How the Payroll move went', body: 'Tell us what you see.', when: 'afterEnd', amount: '2', unit: 'hours', conversation: 'true' });
    const [one, two, three] = await Promise.all([entry(first.entryId), entry(second.entryId), entry(third.entryId)]);
    assert.equal(one?.dueAt, '2026-12-08T09:00:00.000Z', '10:00 in Paris');
    assert.equal(two?.dueAt, '2026-12-08T19:00:00.000Z', "two days before the window's 20:00 Paris start");
    assert.equal(three?.dueAt, '2026-12-11T00:00:00.000Z', "two hours after the window's 23:00 Paris end");
    const checklist = cardText(await say(chloe, 'status Payroll API'));
    assert.match(checklist, /3 planned, 0 sent\. Next: "Payroll moves this week", Tue 8 Dec 2026, 10:00 Europe\/Paris\./);

    // Not due yet: nothing goes.
    assert.equal(await h.app.sweepPlans(), 0);
    now = Date.parse('2026-12-08T09:00:30.000Z');
    assert.equal(await h.app.sweepPlans(), 1);
    await settled(one.noticeId);
    assert.deepEqual(copies('Payroll moves this week'), [team.conversationId]);
    assert.equal((await entry(first.entryId))?.state, 'sent');

    // Every process stops; the second notice falls due while none runs, and goes when Liftoff starts again.
    await h.close();
    now = Date.parse('2026-12-08T19:05:00.000Z');
    h = await startHarness(env, { clock, fake, store });
    await settled(two.noticeId);
    assert.deepEqual(copies('Two days to the Payroll move'), [await personalCopy(two.noticeId, bea)], 'to the business owner, 1:1, and nobody else');

    now = Date.parse('2026-12-11T00:00:00.000Z');
    assert.equal(await h.app.sweepPlans(), 1);
    await settled(three.noticeId);
    assert.deepEqual(copies('How the Payroll move went'), [team.conversationId]);

    // Each went once; the turned-off drafts never went, though their times passed.
    assert.equal(await h.app.sweepPlans(), 0);
    assert.equal(copies('Payroll moves this week').length, 1);
    const plan = await storedPlan();
    assert.deepEqual(
      plan.entries.filter((e) => e.source === 'window').map((e) => e.state),
      ['off', 'off', 'off', 'off'],
    );
    assert.equal(copies('Reminder: Payroll API').length + copies('the release window has started').length, 0);
    assert.equal(plan.nextDueAt, undefined);
    const events = await partitionDocs<AuditEvent>(h, payroll, 'event');
    assert.equal(events.filter((e) => e.action === 'plan.changed' && /went out as notice/.test(e.summary)).length, 3);
  });

  it("passes the communication gate when the plan's first notice has gone out, and the checklist shows the plan", async () => {
    const roles = findAction(await say(priya, 'roles Payroll API'), 'roles.save');
    await press(priya, 'roles.save', { ...roles.data, role: 'changeManager', people: chloe.aadObjectId });
    assert.match(cardText(await say(chloe, 'status Payroll API')), /No notice planned yet\./);
    const { entryId } = await planNotice({
      kind: 'ahead',
      title: 'Payroll moves to Azure',
      body: 'Payroll moves next month.',
      when: 'at',
      date: '2026-12-07',
      time: '18:00',
      timeZone: 'America/New_York',
      everyone: 'true',
      conversation: 'true',
    });
    assert.equal((await entry(entryId))?.dueAt, '2026-12-07T23:00:00.000Z', '18:00 in New York');
    assert.equal((await storedWorkload(h, payroll)).gates.find((g) => g.id === 'change-notice-sent')?.status, 'pending');
    now = Date.parse('2026-12-08T00:00:00.000Z');
    assert.equal(await h.app.sweepPlans(), 1);
    const sent = await entry(entryId);
    await settled(sent!.noticeId);
    const gate = await until('the communication gate', async () => {
      const g = (await storedWorkload(h, payroll)).gates.find((x) => x.id === 'change-notice-sent');
      return g?.status === 'passed' ? g : undefined;
    });
    assert.match(gate.evidence ?? '', /change notice "Payroll moves to Azure"/);
    assert.match(cardText(await say(chloe, 'status Payroll API')), /1 sent, nothing more planned\./);
  });

  it('drafts the window reminder and start when a window is planned, lets the change manager edit a draft, and sends go-live through the sender when the window finishes', async () => {
    await ready();
    await say(chloe, 'plan Payroll API');
    await planWindow();
    const card = cardText(await say(chloe, 'plan Payroll API'));
    assert.match(card, /Window reminder: Reminder: Payroll API moves on Thu 10 Dec 2026, 20:00 Europe\/Paris/);
    assert.match(card, /1 day before the release window's start: Wed 9 Dec 2026, 19:00 UTC/);
    assert.match(card, /At the start: Payroll API: the release window has started/);
    assert.match(card, /at the window finishing \(go-live\): when window 1 finishes/);
    assert.match(card, /at the window being rolled back: only if window 1 is rolled back/);

    // The change manager rewrites the go-live draft before it is due.
    const form = await press(chloe, 'plan.edit', { workloadId: payroll, entryId: 'window-1-goLive' });
    const save = findAction(form, 'plan.save');
    const edited = await press(chloe, 'plan.save', {
      ...save.data,
      kind: 'goLive',
      title: 'Payroll runs on Azure now',
      body: 'Payroll moved to Azure tonight.',
      when: 'finished',
      conversation: 'true',
      team: 'false',
      everyone: 'false',
      roles: 'businessOwner',
      channels: '',
      people: '',
    });
    assert.equal(bannerStyle(edited), 'good');
    const preview = cardText(await press(chloe, 'plan.preview', { workloadId: payroll, entryId: 'window-1-goLive' }));
    assert.match(preview, /Preview: as recipients will read it\nPayroll runs on Azure now\nPayroll moved to Azure tonight\./);

    await allGo();
    for (const [who, stepId] of [
      [miguel, 'final-sync'],
      [olga, 'freeze-writes'],
      [miguel, 'switch'],
      [wes, 'smoke-test'],
      [bea, 'business-verification'],
      [priya, 'go-live'],
    ] as const) {
      await press(who, 'cutover.step', { workloadId: payroll, windowId: 'window-1', stepId, outcome: 'done', note: '' });
    }
    const goLive = await until('the go-live notice to go', async () => ((await entry('window-1-goLive'))?.state === 'sent' ? entry('window-1-goLive') : undefined));
    const sent = await settled(goLive.noticeId);
    assert.equal(sent.content.kind, 'goLive');
    assert.deepEqual(copies('Payroll runs on Azure now').sort(), [team.conversationId, await personalCopy(goLive.noticeId, bea)].sort());
    const plan = await storedPlan();
    assert.deepEqual(
      plan.entries.map((e) => `${e.id}:${e.state}`),
      ['window-1-reminder:ready', 'window-1-start:ready', 'window-1-goLive:sent', 'window-1-rollback:ready'],
    );
    assert.equal(plan.nextDueAt, undefined, 'the reminder and the start will not go: the window is over');
    assert.equal(copies('the change was rolled back').length, 0);
  });

  it('follows the window again from the plan command, when a process stopped before the plan followed it', async () => {
    await ready();
    await planWindow();
    // As if the process had stopped between storing the window and the plan: the plan has nothing of it.
    await h.app.cosmos.workloads.item('commplan', payroll).delete();
    const card = cardText(await say(chloe, 'plan Payroll API'));
    assert.match(card, /Window notices follow release window 1/);
    assert.deepEqual(
      (await storedPlan()).entries.map((e) => e.id),
      ['window-1-reminder', 'window-1-start', 'window-1-goLive', 'window-1-rollback'],
    );
  });

  it('sends the rollback notice when the window is rolled back, and not the go-live', async () => {
    await ready();
    await say(chloe, 'plan Payroll API');
    await planWindow();
    await allGo();
    await press(priya, 'cutover.rollback', { workloadId: payroll, windowId: 'window-1', reason: 'Smoke test found 500s' });
    const rollback = await until('the rollback notice to go', async () => ((await entry('window-1-rollback'))?.state === 'sent' ? entry('window-1-rollback') : undefined));
    const sent = await settled(rollback.noticeId);
    assert.equal(sent.content.kind, 'rollback');
    assert.deepEqual(copies('Payroll API: the change was rolled back'), [team.conversationId]);
    assert.equal((await entry('window-1-goLive'))?.state, 'ready');
    assert.equal(copies('Payroll API is live').length, 0);
  });

  it('with approval required, holds a planned notice until a second change manager approves it, then sends it at once when its time has passed', async () => {
    await h.close();
    h = await startHarness({ ...env, NOTICE_APPROVAL: 'required' }, { clock, fake, store });
    await readyForPromotion(h, payroll, { changeManager: [chloe, carl] });
    const { entryId, card } = await planNotice({ kind: 'ahead', title: 'Payroll approval test', body: 'Soon.', when: 'at', date: '2026-12-07', time: '12:00', timeZone: 'UTC', conversation: 'true' });
    assert.match(cardText(card), /It waits for a second change manager to approve it\./);
    assert.equal((await entry(entryId))?.state, 'awaitingApproval');

    now = Date.parse('2026-12-07T12:30:00.000Z');
    assert.equal(await h.app.sweepPlans(), 0, 'not approved: nothing goes, though it is due');
    assert.match(cardText(await say(chloe, 'plan Payroll API')), /Waiting for a second change manager to approve; it was due, and goes once approved/);
    const own = await press(chloe, 'plan.approve', { workloadId: payroll, entryId });
    assert.equal(bannerStyle(own), 'attention');
    assert.match(cardText(own), /A second change manager must approve "Payroll approval test"/);
    const other = await press(tom, 'plan.approve', { workloadId: payroll, entryId });
    assert.match(cardText(other), /Only a change manager of this workload can approve a planned notice\./);

    const approved = await press(carl, 'plan.approve', { workloadId: payroll, entryId });
    assert.equal(bannerStyle(approved), 'good');
    const sentEntry = await until('the approved notice to go', async () => {
      const e = await entry(entryId);
      return e?.state === 'sent' ? e : undefined;
    });
    const sent = await settled(sentEntry.noticeId);
    assert.equal(sent.approvedBy?.aadObjectId, carl.aadObjectId);
    assert.equal(sent.author.aadObjectId, chloe.aadObjectId);
    assert.deepEqual(copies('Payroll approval test'), [team.conversationId]);
  });

  it('refuses someone without the role, and a stale or invalid form, with one sentence, and changes nothing', async () => {
    await ready();
    const { entryId } = await planNotice({ kind: 'ahead', title: 'Payroll moves', body: 'Soon.', when: 'at', date: '2026-12-09', time: '09:00', timeZone: 'UTC', conversation: 'true' });
    const before = await storedPlan();

    const refused = await press(tom, 'plan.save', {
      workloadId: payroll,
      entryId,
      rev: 1,
      kind: 'ahead',
      title: 'Hijacked',
      body: 'x',
      when: 'at',
      date: '2026-12-09',
      time: '09:00',
      timeZone: 'UTC',
      conversation: 'true',
    });
    assert.equal(bannerStyle(refused), 'attention');
    assert.match(cardText(refused), /Only a change manager or the project manager of Payroll API can plan its notices\./);
    const off = await press(tom, 'plan.switch', { workloadId: payroll, entryId, on: 'false' });
    assert.match(cardText(off), /Only a change manager or the project manager of this workload can turn planned notices off or on\./);
    const approve = await press(chloe, 'plan.approve', { workloadId: payroll, entryId });
    assert.match(cardText(approve), /is not waiting for approval/);

    const past = await press(chloe, 'plan.save', {
      workloadId: payroll,
      entryId,
      rev: 1,
      kind: 'ahead',
      title: 'Payroll moves',
      body: 'Soon.',
      when: 'at',
      date: '2026-12-01',
      time: '09:00',
      timeZone: 'UTC',
      conversation: 'true',
    });
    assert.match(cardText(past), /The time to send has passed; pick a time to come\./);
    assert.equal(bannerStyle(past), 'attention');
    const nobody = await press(chloe, 'plan.save', {
      workloadId: payroll,
      entryId,
      rev: 1,
      kind: 'ahead',
      title: 'Payroll moves',
      body: 'Soon.',
      when: 'at',
      date: '2026-12-09',
      time: '09:00',
      timeZone: 'UTC',
      conversation: 'false',
    });
    assert.match(cardText(nobody), /Choose who gets the notice/);
    const stale = await press(chloe, 'plan.save', {
      workloadId: payroll,
      entryId,
      rev: 7,
      kind: 'ahead',
      title: 'Other words',
      body: 'Soon.',
      when: 'at',
      date: '2026-12-09',
      time: '09:00',
      timeZone: 'UTC',
      conversation: 'true',
    });
    assert.match(cardText(stale), /changed since this card was drawn/);

    const after = await storedPlan();
    assert.equal(after._etag, before._etag, 'the plan is untouched');
  });
});
