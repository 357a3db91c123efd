import { strict as assert } from 'node:assert';
import { cardText, findAction, Harness, startHarness } from '../support/liftoff';
import { person } from '../support/builders';
import { embeddedStore } from '../support/cosmos';
import { startFakeConnector, type ActivityOpRecord } from '../support/fakeConnector';
import { personalChat, teamChannel, teamsUserId } from '../support/teams';
import { SignoffDriver, verbsOn } from '../support/signoff';

const T0 = Date.parse('2026-11-23T09:00:00.000Z');
const HOUR = 3_600_000;

describe('Business-test sign-off over HTTP, end to end', () => {
  let h: Harness;
  let now = T0;
  let d: SignoffDriver;
  const team = teamChannel('release');
  const priya = person('Priya Project');
  const bea = person('Bea Owner');
  const tom = person('Tom Tester');
  const tina = person('Tina Tester');
  const tess = person('Tess Tester');
  const theo = person('Theo Tester');
  const olga = person('Olga Outsider');

  before(async () => {
    h = await startHarness({ SIGNOFF_SWEEP_SECONDS: '0' }, { clock: () => new Date(now) });
    d = new SignoffDriver(h, team);
    d.roster([priya, bea, tom, tina, tess, theo, olga]);
  });
  after(() => h.close());
  beforeEach(() => {
    now = T0;
  });

  describe('opening a cycle', () => {
    // Payroll API has its business owner; every spec here is refused or only shown the form, so none changes it.
    before(() => d.createWorkload(priya, 'Payroll API', bea));

    it('refuses to open a cycle before a business owner is assigned, with a sentence', async () => {
      await d.createWorkload(priya, 'Timesheets');
      const card = await h.say(h.activities.message(priya, 'uat Timesheets', team));
      assert.match(cardText(card), /Timesheets has no business owner yet, and the business owner gives the final sign-off\. The project manager can assign one with "roles Timesheets"\./);
      assert.deepEqual(await d.events('Timesheets', 'uat-1'), []);
    });

    it('refuses someone who is neither the project manager nor the business owner', async () => {
      const card = await h.say(h.activities.message(olga, 'uat Payroll API', team));
      assert.match(cardText(card), /Only the project manager or the business owner of Payroll API can open a UAT cycle/);
    });

    it('offers a form: testers from the roster, the rule, N, what a rejection does, due date, time and zone, test plan, scope', async () => {
      const form = await h.say({ ...h.activities.message(priya, 'uat Payroll API', team), localTimezone: 'America/Chicago' });
      const json = JSON.stringify(form);
      for (const id of ['testers', 'rule', 'atLeast', 'rejection', 'dueDate', 'dueTime', 'timeZone', 'testPlanUrl', 'scopeNotes']) {
        assert.match(json, new RegExp(`"id":"${id}"`), `the form has the ${id} input`);
      }
      for (const p of [tom, tina, olga]) assert.ok(json.includes(p.aadObjectId), `${p.name} is offered as a tester`);
      assert.match(json, /"id":"timeZone"[^}]*"value":"America\/Chicago"/, "the person's own time zone is the default");
      assert.match(json, /"value":"Europe\/Paris"/);
      assert.match(cardText(form), /Bea Owner \(business owner\) gives the final sign-off/);
    });

    it('refuses a test plan that is not a web link, a due time in the past, or N larger than the testers, keeping what was typed', async () => {
      const badLink = await d.open(priya, 'Payroll API', { testers: [tom], testPlanUrl: 'javascript:alert(1)' });
      assert.match(cardText(badLink.answer), /The test plan link must be a web address starting with https:\/\/ or http:\/\//);
      assert.ok(JSON.stringify(badLink.answer).includes('javascript:alert(1)'), 'the form keeps what was typed');
      const past = await d.open(priya, 'Payroll API', { testers: [tom], dueDate: '2026-11-20' });
      assert.match(cardText(past.answer), /The due time has already passed/);
      const tooMany = await d.open(priya, 'Payroll API', { testers: [tom, tina], rule: 'atLeast', atLeast: '3' });
      assert.match(cardText(tooMany.answer), /N must be a whole number from 1 to 2/);
      const gap = await d.open(priya, 'Payroll API', { testers: [tom], dueDate: '2027-03-28', dueTime: '02:30', timeZone: 'Europe/Paris' });
      assert.match(cardText(gap.answer), /02:30 does not exist on 2027-03-28 in Europe\/Paris/);
      const stranger = await d.open(priya, 'Payroll API', { testers: [tom, person('Not A Member')] });
      assert.match(cardText(stranger.answer), /Pick testers who are members of this conversation/);
      for (const attempt of [badLink, past, tooMany, gap, stranger]) assert.equal(attempt.cycleId, undefined, 'no card was posted');
      assert.deepEqual(await d.events('Payroll API', 'uat-1'), []);
    });
  });

  it('opens one cycle and posts one card when the same "open" is delivered twice', async () => {
    await d.createWorkload(priya, 'Portal', bea);
    const form = await d.say(priya, 'uat Portal');
    const open = h.activities.execute(
      priya,
      'signoff.open',
      {
        ...findAction(form, 'signoff.open').data,
        testers: tom.aadObjectId,
        rule: 'all',
        rejection: 'failsCycle',
        dueDate: '2026-11-25',
        dueTime: '17:00',
        timeZone: 'UTC',
        testPlanUrl: 'https://contoso.example/plan',
      },
      team,
      'form-message',
    );
    const before = h.fake.lastSeq;
    const [first, second] = [await h.post(open), await h.post(open)];
    assert.match(cardText(first.body.value), /Priya Project opened UAT cycle 1 of Portal: 1 tester/);
    assert.match(cardText(second.body.value), /Priya Project opened UAT cycle 1 of Portal: 1 tester/);
    await h.app.background.drain();
    assert.equal(h.fake.activities.filter((r) => r.seq > before && r.kind === 'send').length, 1, 'one sign-off card');
    assert.deepEqual(
      (await d.events('Portal', 'uat-1')).map((e) => e.action),
      ['cycle.opened'],
    );
    const { resources } = await h.app.cosmos.workloads.items
      .query({ query: 'SELECT c.id FROM c WHERE c.workloadId = @w AND c.type = "cycle"', parameters: [{ name: '@w', value: d.workloadId('Portal') }] }, { partitionKey: d.workloadId('Portal') })
      .fetchAll();
    assert.equal(resources.length, 1);
  });

  describe('a failing cycle, then a passing one', () => {
    type Posted = { cycleId: string; messageId: string; card: any };
    // Each spec has Billing to itself, in a tenant of its own, and walks its cycles as far as it needs.
    let b: SignoffDriver;
    let tenants = 0;

    beforeEach(async () => {
      tenants += 1;
      b = new SignoffDriver(h, { ...teamChannel(`billing-${tenants}`), tenantId: `b1111000-0000-4000-8000-${String(tenants).padStart(12, '0')}` });
      b.roster([priya, bea, tom, tina, tess, theo, olga]);
      await b.createWorkload(priya, 'Billing', bea);
    });

    /** Bea opens cycle 1: all four testers must approve, one rejection fails it, due Wed 25 Nov 17:00 in Paris. */
    async function openFirst(): Promise<Posted & { answer: any }> {
      const opened = await b.open(bea, 'Billing', { testers: [tom, tina, tess, theo], rule: 'all', rejection: 'failsCycle', dueDate: '2026-11-25', dueTime: '17:00', timeZone: 'Europe/Paris' });
      assert.ok(opened.cycleId && opened.messageId, 'a sign-off card was posted');
      return { cycleId: opened.cycleId, messageId: opened.messageId, card: opened.card, answer: opened.answer };
    }

    /** Tom and Tina approve cycle 1, Tess rejects it: it has failed. */
    async function failFirst(): Promise<Posted> {
      const cycle1 = await openFirst();
      await b.decide(tom, 'Billing', cycle1.cycleId, 'approve', { comment: 'Payslips match', evidence: 'https://contoso.example/evidence/1' }, cycle1.messageId);
      await b.decide(tina, 'Billing', cycle1.cycleId, 'approve', {}, cycle1.messageId);
      await b.decide(tess, 'Billing', cycle1.cycleId, 'reject', { comment: 'Overtime totals are wrong' }, cycle1.messageId);
      return cycle1;
    }

    /** After the failed cycle 1, Priya opens cycle 2 for Tom and Tina. */
    async function openSecond(): Promise<Posted> {
      await failFirst();
      const opened = await b.open(priya, 'Billing', { testers: [tom, tina], rule: 'all' });
      assert.ok(opened.cycleId && opened.messageId);
      return { cycleId: opened.cycleId, messageId: opened.messageId, card: opened.card };
    }

    /** Tom approves cycle 2. */
    async function approvedByTom(): Promise<Posted> {
      const cycle2 = await openSecond();
      await b.decide(tom, 'Billing', cycle2.cycleId, 'approve', { comment: 'All good' }, cycle2.messageId);
      return cycle2;
    }

    it('opens a cycle: testers and final approver frozen, due time in its zone, the sign-off card posted in the channel', async () => {
      const cycle1 = await openFirst();
      assert.match(cardText(cycle1.answer), /Bea Owner opened UAT cycle 1 of Billing is open|opened UAT cycle 1 of Billing/);
      const stored = await b.cycle('Billing', cycle1.cycleId);
      assert.equal(stored.state, 'open');
      assert.deepEqual(
        stored.testers.map((t) => [t.aadObjectId, t.teamsUserId]),
        [tom, tina, tess, theo].map((p) => [p.aadObjectId, teamsUserId(p)]),
      );
      assert.deepEqual(
        stored.finalApprovers.map((p) => p.aadObjectId),
        [bea.aadObjectId],
      );
      assert.equal(stored.due.at, '2026-11-25T16:00:00.000Z', '17:00 in Paris in November is 16:00 UTC');
      assert.equal(stored.card?.activityId, cycle1.messageId);
      const posted = h.fake.sentTo(b.place.conversationId).find((r) => r.activityId === cycle1.messageId);
      assert.ok(posted, 'the card is a new message in the channel itself');
      const text = cardText(cycle1.card);
      assert.match(text, /UAT sign-off: Billing, cycle 1/);
      assert.match(text, /Every tester approves \(4 of 4\)/);
      assert.match(text, /fails the cycle at once/);
      assert.match(text, /Wed 25 Nov 2026, 17:00 Europe\/Paris/);
      assert.deepEqual(verbsOn(cycle1.card), ['signoff.view'], 'the posted card has no decision buttons, only "Show my buttons" for clients that do not refresh: testers get theirs by refresh');
      assert.deepEqual(cycle1.card.refresh.userIds, [tom, tina, tess, theo].map(teamsUserId));
      assert.equal(cycle1.card.refresh.action.verb, 'signoff.view');
      assert.deepEqual(
        (await b.events('Billing', cycle1.cycleId)).map((e) => e.action),
        ['cycle.opened'],
      );
    });

    it('shows a tester their buttons on automatic refresh, anyone else the status, and never updates the message from a refresh', async () => {
      const cycle1 = await openFirst();
      await h.app.background.drain();
      const before = h.fake.lastSeq;
      const mine = await b.view(tom, 'Billing', cycle1.cycleId, 'automatic', cycle1.messageId);
      assert.deepEqual(verbsOn(mine.body.value), ['signoff.decide', 'signoff.decide']);
      const theirs = await b.view(olga, 'Billing', cycle1.cycleId, 'automatic', cycle1.messageId);
      assert.deepEqual(verbsOn(theirs.body.value), []);
      assert.match(cardText(theirs.body.value), /Waiting for: Tom Tester, Tina Tester, Tess Tester, Theo Tester/);
      const owner = await b.view(bea, 'Billing', cycle1.cycleId, 'manual', cycle1.messageId);
      assert.deepEqual(verbsOn(owner.body.value), ['signoff.cancel'], 'the business owner signs off only after the testers; she may cancel the cycle meanwhile');
      // A decision verb arriving as an automatic refresh only draws the view.
      await h.post(h.activities.execute(tom, 'signoff.decide', { workloadId: b.workloadId('Billing'), cycleId: cycle1.cycleId, decision: 'approve' }, b.place, cycle1.messageId, 'automatic'));
      await h.app.background.drain();
      assert.equal(h.fake.activities.filter((r) => r.seq > before).length, 0, 'no update, no message');
      assert.deepEqual(await b.votes('Billing', cycle1.cycleId), []);
    });

    it('records two approvals and a rejection, and shows them to everyone at once in the shared card', async () => {
      const cycle1 = await openFirst();
      const approved = await b.decide(tom, 'Billing', cycle1.cycleId, 'approve', { comment: 'Payslips match', evidence: 'https://contoso.example/evidence/1' }, cycle1.messageId);
      assert.match(cardText(approved.body.value), /You approved UAT cycle 1/);
      assert.deepEqual(verbsOn(approved.body.value), [], 'no buttons left for someone who decided');
      await b.decide(tina, 'Billing', cycle1.cycleId, 'approve', {}, cycle1.messageId);
      const noComment = await b.decide(tess, 'Billing', cycle1.cycleId, 'reject', {}, cycle1.messageId);
      assert.match(cardText(noComment.body.value), /Say why: a rejection needs a comment/);
      assert.equal((await b.votes('Billing', cycle1.cycleId)).length, 2, 'the rejection without a comment stored nothing');
      const rejected = await b.decide(tess, 'Billing', cycle1.cycleId, 'reject', { comment: 'Overtime totals are wrong' }, cycle1.messageId);
      assert.match(cardText(rejected.body.value), /You rejected UAT cycle 1 .*The cycle has failed\./);

      const shared = await b.shared(cycle1.messageId, cycle1.card);
      const text = cardText(shared);
      assert.match(text, /Failed: Tess Tester rejected it/);
      assert.match(text, /✅ \*\*Tom Tester\*\* approved .*: Payslips match · Evidence: https:\/\/contoso\.example\/evidence\/1/);
      assert.match(text, /✅ \*\*Tina Tester\*\* approved/);
      assert.match(text, /❌ \*\*Tess Tester\*\* rejected .*: Overtime totals are wrong/);
      assert.match(text, /Approved 2 · Rejected 1 · Waiting for 1/);
      assert.deepEqual(verbsOn(shared), ['workload.status'], 'a closed cycle shows no buttons');
      assert.equal(shared.refresh, undefined, 'and asks nobody to refresh');
      const stored = await b.cycle('Billing', cycle1.cycleId);
      assert.equal(stored.state, 'failed');
      assert.equal(stored.testersClosed?.reason, 'rejected');
      assert.deepEqual((await b.events('Billing', cycle1.cycleId)).map((e) => e.action).sort(), ['cycle.failed', 'cycle.opened', 'vote.approved', 'vote.approved', 'vote.rejected']);
    });

    it('refuses a decision on a closed cycle with a sentence and stores nothing', async () => {
      const cycle1 = await failFirst();
      const late = await b.decide(theo, 'Billing', cycle1.cycleId, 'approve', {}, cycle1.messageId);
      assert.match(cardText(late.body.value), /UAT cycle 1 has already failed\. Nothing was recorded\./);
      assert.equal((await b.votes('Billing', cycle1.cycleId)).length, 3);
      const final = await b.final(bea, 'Billing', cycle1.cycleId, 'approve');
      assert.match(cardText(final.body.value), /UAT cycle 1 has already failed; nothing was changed/);
    });

    it('lets a new cycle follow a failed one, and refuses a decision from someone who is not a tester', async () => {
      const cycle2 = await openSecond();
      assert.equal(cycle2.cycleId, 'uat-2');
      const res = await b.decide(olga, 'Billing', cycle2.cycleId, 'approve', {}, cycle2.messageId);
      assert.match(cardText(res.body.value), /Only the testers named when UAT cycle 2 opened can approve or reject it, and you are not one of them\. Nothing was recorded\./);
      assert.deepEqual(await b.votes('Billing', cycle2.cycleId), []);
    });

    it('answers "uat" while a cycle is open with a copy of its card that shows no one\'s buttons until each person refreshes', async () => {
      await openSecond();
      const copy = await b.say(tom, 'uat Billing');
      assert.match(cardText(copy), /UAT cycle 2 of Billing is open for testers/);
      assert.deepEqual(verbsOn(copy), ['signoff.view'], 'only "Show my buttons", even when a tester asked');
      assert.equal(copy.refresh.userIds, undefined, 'everyone who looks gets their own view');
    });

    it('refuses the final sign-off before the testers meet the rule, and from anyone but the business owner', async () => {
      const cycle2 = await openSecond();
      const early = await b.final(bea, 'Billing', cycle2.cycleId, 'approve');
      assert.match(cardText(early.body.value), /comes after the testers meet the rule/);
      const stranger = await b.final(priya, 'Billing', cycle2.cycleId, 'approve');
      assert.match(cardText(stranger.body.value), /Only the business owner named when UAT cycle 2 opened \(Bea Owner\) can give its final sign-off/);
      assert.equal((await b.cycle('Billing', cycle2.cycleId)).state, 'open');
    });

    it('answers a repeated invoke with the current card and records the decision once', async () => {
      const cycle2 = await openSecond();
      const invoke = h.activities.execute(tom, 'signoff.decide', { workloadId: b.workloadId('Billing'), cycleId: cycle2.cycleId, decision: 'approve', comment: 'All good' }, b.place, cycle2.messageId);
      const first = await h.post(invoke);
      const second = await h.post(invoke);
      assert.equal(second.status, 200);
      assert.deepEqual(second.body, first.body, 'the retry answers with the same, current card');
      const changedMind = await b.decide(tom, 'Billing', cycle2.cycleId, 'reject', { comment: 'Actually no' }, cycle2.messageId);
      assert.match(cardText(changedMind.body.value), /You already approved UAT cycle 2 .* A decision is recorded once and cannot be changed\./);
      assert.equal((await b.votes('Billing', cycle2.cycleId)).length, 1);
      assert.equal((await b.events('Billing', cycle2.cycleId)).filter((e) => e.action.startsWith('vote.')).length, 1, 'one audit event');
    });

    it('answers malformed card data with a typed error and stores nothing', async () => {
      const cycle2 = await approvedByTom();
      const res = await h.post(h.activities.execute(tina, 'signoff.decide', { workloadId: b.workloadId('Billing'), cycleId: cycle2.cycleId, decision: 'maybe' }, b.place));
      assert.equal(res.body.statusCode, 400);
      assert.equal(res.body.type, 'application/vnd.microsoft.error');
      assert.match(res.body.value.message, /This card is damaged or out of date, so nothing was changed/);
      const forged = await h.post(h.activities.execute(tina, 'signoff.decide', { workloadId: b.workloadId('Billing'), cycleId: '../../etc', decision: 'approve' }, b.place));
      assert.equal(forged.body.statusCode, 400);
      const badLink = await b.decide(tina, 'Billing', cycle2.cycleId, 'approve', { evidence: 'file:///etc/passwd' }, cycle2.messageId);
      assert.match(cardText(badLink.body.value), /The evidence link must be a web address/);
      assert.equal((await b.votes('Billing', cycle2.cycleId)).length, 1);
    });

    it('passes: the testers meet the rule, the business owner signs off on the card, and the business-testing gate turns green', async () => {
      const cycle2 = await approvedByTom();
      const last = await b.decide(tina, 'Billing', cycle2.cycleId, 'approve', {}, cycle2.messageId);
      assert.match(cardText(last.body.value), /The testers' rule is met: the cycle now waits for the final sign-off/);
      const waiting = await b.shared(cycle2.messageId, cycle2.card);
      assert.match(cardText(waiting), /Waiting for the final sign-off by Bea Owner/);
      assert.deepEqual(waiting.refresh.userIds, [teamsUserId(bea)], 'now the business owner gets their own view');
      const ownerView = await b.view(bea, 'Billing', cycle2.cycleId, 'automatic', cycle2.messageId);
      assert.deepEqual(verbsOn(ownerView.body.value), ['signoff.final', 'signoff.final', 'signoff.cancel']);

      const signed = await b.final(bea, 'Billing', cycle2.cycleId, 'approve', 'Ready for the business', cycle2.messageId);
      assert.match(cardText(signed.body.value), /You gave the final business sign-off of UAT cycle 2\. Business testing of Billing is passed\./);
      const shared = await b.shared(cycle2.messageId, cycle2.card);
      assert.match(cardText(shared), /Passed: Bea Owner gave the final business sign-off/);
      assert.deepEqual(verbsOn(shared), ['workload.status']);
      assert.equal(shared.refresh, undefined);

      const workload = await b.workload('Billing');
      const gate = workload.gates.find((g) => g.id === 'uat-approved');
      assert.equal(gate?.status, 'passed');
      assert.equal(gate?.decidedBy?.aadObjectId, bea.aadObjectId);
      assert.match(gate?.evidence ?? '', /UAT cycle 2: 2 of 2 testers approved; final sign-off by Bea Owner/);
      const actions = (await b.events('Billing', cycle2.cycleId)).map((e) => e.action).sort();
      assert.deepEqual(actions, ['cycle.opened', 'cycle.passed', 'cycle.testersApproved', 'vote.approved', 'vote.approved']);
      const { resources: gateEvents } = await h.app.cosmos.workloads.items
        .query(
          {
            query: 'SELECT * FROM c WHERE c.workloadId = @w AND c.type = "event" AND c.action = "gate.passed" AND c.gateId = "uat-approved"',
            parameters: [{ name: '@w', value: workload.workloadId }],
          },
          { partitionKey: workload.workloadId },
        )
        .fetchAll();
      assert.equal(gateEvents.length, 1, 'the gate passed once, in the audit trail');

      const again = await b.final(bea, 'Billing', cycle2.cycleId, 'approve', 'Ready for the business', cycle2.messageId);
      assert.match(cardText(again.body.value), /You gave the final business sign-off/);
      assert.equal((await b.events('Billing', cycle2.cycleId)).filter((e) => e.action === 'cycle.passed').length, 1, 'a repeated sign-off changes nothing');
    });

    it('shows every cycle and its outcome on the checklist, with the gate green and no new cycle offered', async () => {
      const cycle2 = await approvedByTom();
      await b.decide(tina, 'Billing', cycle2.cycleId, 'approve', {}, cycle2.messageId);
      await b.final(bea, 'Billing', cycle2.cycleId, 'approve', 'Ready for the business', cycle2.messageId);
      const checklist = await h.say(h.activities.message(olga, 'status Billing', b.place));
      const text = cardText(checklist);
      assert.match(text, /Business testing: UAT cycles/);
      assert.match(text, /❌ Cycle 1: failed .*a tester rejected it/);
      assert.match(text, /✅ Cycle 2: passed .*final sign-off by Bea Owner/);
      assert.match(text, /✅ Business testing · 1 of 1 closed/);
      assert.ok(!verbsOn(checklist).includes('signoff.form'), 'no "Open a UAT cycle" once business testing passed');
      const refused = await h.say(h.activities.message(priya, 'uat Billing', b.place));
      assert.match(cardText(refused), /Business testing of Billing is already passed; no new UAT cycle is needed/);
    });
  });

  describe('the checklist message', () => {
    it('is drawn again after the final sign-off: the cycle passed, business testing closed, the next step shown', async () => {
      const c = new SignoffDriver(h, { ...teamChannel('checklist-redraw'), tenantId: 'c2222000-0000-4000-8000-000000000001' });
      c.roster([priya, bea, tom]);
      await c.createWorkload(priya, 'Ledger', bea);
      // The form is pressed in message 'form-message', which the answer turns back into the checklist.
      const opened = await c.open(bea, 'Ledger', { testers: [tom], rule: 'all' });
      await c.decide(tom, 'Ledger', opened.cycleId!, 'approve', {}, opened.messageId);
      const final = await c.final(bea, 'Ledger', opened.cycleId!, 'approve', 'Ready', opened.messageId);
      assert.equal(findAction(final.body.value, 'workload.status').data.workloadId, c.workloadId('Ledger'), 'the closed sign-off card leads back to the checklist');
      await h.app.background.drain();
      const updates = h.fake.updates('form-message');
      const checklist = updates[updates.length - 1]?.activity?.attachments?.[0]?.content;
      const text = cardText(checklist);
      assert.match(text, /Bea Owner gave the final sign-off of UAT cycle 1: business testing is passed/);
      assert.match(text, /✅ Business testing · 1 of 1 closed/);
      assert.match(text, /✅ Cycle 1: passed/);
    });
  });

  describe('cancelling a cycle', () => {
    it('the business owner cancels with a reason: the card says so with no buttons, later decisions are refused, a new cycle can open', async () => {
      await d.createWorkload(priya, 'Invoicing', bea);
      const { cycleId, messageId, card } = await d.open(priya, 'Invoicing', { testers: [tom, tina, tess] });
      assert.ok(!verbsOn(card).includes('signoff.cancel'), 'the shared card offers no cancel');
      await d.decide(tom, 'Invoicing', cycleId!, 'approve', {}, messageId);

      const beaView = await d.view(bea, 'Invoicing', cycleId!, 'manual', messageId);
      const button = findAction(beaView.body.value, 'signoff.cancel');
      assert.deepEqual(button.data, { workloadId: d.workloadId('Invoicing'), cycleId });
      assert.match(JSON.stringify(beaView.body.value), /"type":"Action.ShowCard","title":"Cancel the cycle"/);
      assert.match(JSON.stringify(beaView.body.value), /"id":"reason"[^}]*"isRequired":true/);
      const tinaView = await d.view(tina, 'Invoicing', cycleId!, 'automatic', messageId);
      assert.deepEqual(verbsOn(tinaView.body.value), ['signoff.decide', 'signoff.decide'], 'a tester is not offered the cancel');

      const byTester = await d.cancel(tina, 'Invoicing', cycleId!, 'I do not like it', messageId);
      assert.match(cardText(byTester.body.value), /Only the business owner or the project manager of Invoicing can cancel a UAT cycle\. Nothing was changed\./);
      const noReason = await d.cancel(bea, 'Invoicing', cycleId!, '   ', messageId);
      assert.match(cardText(noReason.body.value), /cancelling a UAT cycle needs a reason/);
      assert.equal((await d.cycle('Invoicing', cycleId!)).state, 'open', 'neither changed anything');

      const done = await d.cancel(bea, 'Invoicing', cycleId!, 'Opened with the wrong testers', messageId);
      assert.match(cardText(done.body.value), /You cancelled UAT cycle 1 of Invoicing/);
      assert.deepEqual(verbsOn(done.body.value), ['workload.status']);
      const shared = await d.shared(messageId!, card);
      assert.match(cardText(shared), /Cancelled by Bea Owner: Opened with the wrong testers/);
      assert.deepEqual(verbsOn(shared), ['workload.status'], 'no buttons for anyone');
      assert.equal(shared.refresh, undefined);
      const stored = await d.cycle('Invoicing', cycleId!);
      assert.equal(stored.state, 'cancelled');
      assert.equal(stored.cancelled?.reason, 'Opened with the wrong testers');

      const twice = await d.cancel(bea, 'Invoicing', cycleId!, 'Opened with the wrong testers', messageId);
      assert.match(cardText(twice.body.value), /You cancelled UAT cycle 1 of Invoicing/);
      const cancelled = (await d.events('Invoicing', cycleId!)).filter((e) => e.action === 'cycle.cancelled');
      assert.equal(cancelled.length, 1, 'the same cancel twice is recorded once');
      assert.match(cancelled[0]!.summary, /Bea Owner cancelled UAT cycle 1: Opened with the wrong testers/);
      const byPm = await d.cancel(priya, 'Invoicing', cycleId!, 'Me too', messageId);
      assert.match(cardText(byPm.body.value), /UAT cycle 1 has already been cancelled by Bea Owner; nothing was changed/);

      const late = await d.decide(tina, 'Invoicing', cycleId!, 'approve', {}, messageId);
      assert.match(cardText(late.body.value), /UAT cycle 1 has already been cancelled\. Nothing was recorded\./);
      assert.deepEqual(
        (await d.votes('Invoicing', cycleId!)).map((v) => v.voter.name),
        ['Tom Tester'],
        'nothing stored after the cancel',
      );

      const checklist = await h.say(h.activities.message(priya, 'status Invoicing', team));
      assert.match(cardText(checklist), /🚫 Cycle 1: cancelled .* by Bea Owner: Opened with the wrong testers/);
      assert.ok(verbsOn(checklist).includes('signoff.form'), '"Open a UAT cycle" is offered again');
      const next = await d.open(priya, 'Invoicing', { testers: [tina, tess] });
      assert.equal(next.cycleId, 'uat-2');
      assert.equal((await d.cycle('Invoicing', 'uat-2')).state, 'open');
    });

    it("the project manager cancels a cycle waiting for the final sign-off: the business owner's sign-off is refused and the gate stays pending", async () => {
      await d.createWorkload(priya, 'Procurement', bea);
      const { cycleId, messageId } = await d.open(priya, 'Procurement', { testers: [tom], rule: 'any' });
      await d.decide(tom, 'Procurement', cycleId!, 'approve', {}, messageId);
      assert.equal((await d.cycle('Procurement', cycleId!)).state, 'awaitingFinal');
      const done = await d.cancel(priya, 'Procurement', cycleId!, 'Scope changed', messageId);
      assert.match(cardText(done.body.value), /Cancelled by Priya Project: Scope changed/);
      const signed = await d.final(bea, 'Procurement', cycleId!, 'approve', '', messageId);
      assert.match(cardText(signed.body.value), /UAT cycle 1 has already been cancelled; nothing was changed/);
      const gate = (await d.workload('Procurement')).gates.find((g) => g.id === 'uat-approved');
      assert.equal(gate?.status, 'pending');
      assert.deepEqual((await d.events('Procurement', cycleId!)).map((e) => e.action).sort(), ['cycle.cancelled', 'cycle.opened', 'cycle.testersApproved', 'vote.approved']);
    });
  });

  describe('rules other than "every tester"', () => {
    it('at least 2 of 3, a rejection counting against the rule: one rejection keeps the cycle open, two approvals meet the rule', async () => {
      await d.createWorkload(priya, 'Ledger', bea);
      const opened = await d.open(priya, 'Ledger', { testers: [tom, tina, tess], rule: 'atLeast', atLeast: 2, rejection: 'countsAgainst' });
      const cycleId = opened.cycleId!;
      assert.match(cardText(opened.card), /At least 2 of 3 testers approve/);
      assert.match(cardText(opened.card), /counts against the rule/);
      await d.decide(tom, 'Ledger', cycleId, 'reject', { comment: 'Rounding differs' });
      assert.equal((await d.cycle('Ledger', cycleId)).state, 'open', 'one rejection does not fail it');
      await d.decide(tina, 'Ledger', cycleId, 'approve');
      assert.equal((await d.cycle('Ledger', cycleId)).state, 'open');
      await d.decide(tess, 'Ledger', cycleId, 'approve');
      const stored = await d.cycle('Ledger', cycleId);
      assert.equal(stored.state, 'awaitingFinal');
      assert.deepEqual(stored.testersClosed && [stored.testersClosed.approved, stored.testersClosed.rejected], [2, 1]);
    });

    it('at least 2 of 3, counting against: two rejections fail the cycle because the rule can no longer be met', async () => {
      await d.createWorkload(priya, 'Treasury', bea);
      const { cycleId, messageId, card } = await d.open(priya, 'Treasury', { testers: [tom, tina, tess], rule: 'atLeast', atLeast: 2, rejection: 'countsAgainst' });
      await d.decide(tom, 'Treasury', cycleId!, 'reject', { comment: 'Wrong bank codes' });
      await d.decide(tina, 'Treasury', cycleId!, 'reject', { comment: 'Same here' });
      const shared = await d.shared(messageId!, card);
      assert.match(cardText(shared), /Failed: the testers' rule can no longer be met \(0 approved, 2 needed\)/);
      assert.match(cardText(shared), /No decision from: Tess Tester/);
      const late = await d.decide(tess, 'Treasury', cycleId!, 'approve');
      assert.match(cardText(late.body.value), /has already failed\. Nothing was recorded\./);
      assert.equal((await d.votes('Treasury', cycleId!)).length, 2);
    });

    it("any one tester: the first approval meets the rule and closes the testers' part for the others", async () => {
      await d.createWorkload(priya, 'Expenses', bea);
      const { cycleId } = await d.open(priya, 'Expenses', { testers: [tom, tina, tess], rule: 'any' });
      await d.decide(tina, 'Expenses', cycleId!, 'approve');
      assert.equal((await d.cycle('Expenses', cycleId!)).state, 'awaitingFinal');
      const late = await d.decide(tom, 'Expenses', cycleId!, 'approve');
      assert.match(cardText(late.body.value), /The testers' part of UAT cycle 1 is complete/);
      assert.deepEqual(
        (await d.votes('Expenses', cycleId!)).map((v) => v.voter.name),
        ['Tina Tester'],
      );
    });
  });

  describe('concurrency', () => {
    const crowd = Array.from({ length: 30 }, (_, i) => person(`Crowd Tester ${i}`));

    before(() => d.roster([priya, bea, tom, tina, tess, theo, olga, ...crowd]));

    it("records 30 simultaneous approvals, each once, closes the testers' part once, and updates the shared card a few times only", async () => {
      await d.createWorkload(priya, 'Crowd', bea);
      const { cycleId, messageId, card } = await d.open(priya, 'Crowd', { testers: crowd, rule: 'all' });
      const before = h.fake.updates(messageId!).length;
      const answers = await Promise.all(crowd.map((p) => d.decide(p, 'Crowd', cycleId!, 'approve', {}, messageId)));
      for (const a of answers) assert.match(cardText(a.body.value), /You approved UAT cycle 1/);
      assert.equal((await d.votes('Crowd', cycleId!)).length, 30);
      const events = await d.events('Crowd', cycleId!);
      assert.equal(events.filter((e) => e.action === 'vote.approved').length, 30);
      assert.equal(events.filter((e) => e.action === 'cycle.testersApproved').length, 1);
      assert.equal((await d.cycle('Crowd', cycleId!)).state, 'awaitingFinal');
      const shared = await d.shared(messageId!, card);
      assert.match(cardText(shared), /Approved 30 · Rejected 0 · Waiting for 0/);
      const updates = h.fake.updates(messageId!).length - before;
      assert.ok(updates >= 1 && updates <= 10, `${updates} updates of the shared card for 30 decisions`);
    });

    it('loses no decision when a rejection fails the cycle while approvals land: each is counted or refused, never stored and ignored', async () => {
      await d.createWorkload(priya, 'Race', bea);
      const testers = crowd.slice(0, 12);
      const { cycleId, messageId, card } = await d.open(priya, 'Race', { testers, rule: 'all', rejection: 'failsCycle' });
      const answers = await Promise.all(
        testers.map((p, i) => (i === 3 ? d.decide(p, 'Race', cycleId!, 'reject', { comment: 'Broken export' }, messageId) : d.decide(p, 'Race', cycleId!, 'approve', {}, messageId))),
      );
      const recorded = answers.filter((a) => /You (approved|rejected) UAT cycle 1/.test(cardText(a.body.value))).length;
      const refused = answers.filter((a) => /Nothing was recorded/.test(cardText(a.body.value))).length;
      assert.equal(recorded + refused, testers.length, 'every person got an answer that says what happened');
      const votes = await d.votes('Race', cycleId!);
      assert.equal(votes.length, recorded, 'what was stored is exactly what people were told was recorded');
      const stored = await d.cycle('Race', cycleId!);
      assert.equal(stored.state, 'failed');
      assert.equal(stored.testersClosed!.approved + stored.testersClosed!.rejected, votes.length, 'the outcome counts every stored decision');
      const shared = cardText(await d.shared(messageId!, card));
      for (const v of votes) assert.ok(shared.includes(v.voter.name), `${v.voter.name}'s decision is on the card`);
    });
  });

  describe('expiry', () => {
    it('expires a cycle when its due time passes: the card says so, and a late decision stores nothing', async () => {
      await d.createWorkload(priya, 'Archive', bea);
      const { cycleId, messageId, card } = await d.open(priya, 'Archive', { testers: [tom, tina], dueDate: '2026-11-23', dueTime: '12:00', timeZone: 'UTC' });
      await d.decide(tom, 'Archive', cycleId!, 'approve', {}, messageId);
      assert.equal(await h.app.sweepSignoffs(), 0, 'nothing is due yet');
      now = Date.parse('2026-11-23T12:00:00.000Z');
      // The shared card has taken Tom's decision before the quiet period starts.
      await h.app.background.drain();
      const quiet = h.fake.lastSeq;
      const seen = await d.view(tina, 'Archive', cycleId!, 'automatic', messageId);
      assert.match(cardText(seen.body.value), /Expired: it was due/, 'past due, the card reads as expired at once');
      assert.deepEqual(verbsOn(seen.body.value), ['workload.status']);
      await h.app.background.drain();
      assert.equal(h.fake.activities.filter((r) => r.seq > quiet).length, 0, 'an automatic refresh changes no message, even past due');
      assert.equal(await h.app.sweepSignoffs(), 1);
      const stored = await d.cycle('Archive', cycleId!);
      assert.equal(stored.state, 'expired');
      const shared = await d.shared(messageId!, card);
      assert.match(cardText(shared), /Expired: it was due Mon 23 Nov 2026, 12:00 UTC and the sign-off was not complete/);
      assert.deepEqual(verbsOn(shared), ['workload.status']);
      assert.equal(shared.refresh, undefined);
      const late = await d.decide(tina, 'Archive', cycleId!, 'approve', {}, messageId);
      assert.match(cardText(late.body.value), /UAT cycle 1 has already expired\. Nothing was recorded\./);
      assert.equal((await d.votes('Archive', cycleId!)).length, 1);
      assert.equal(await h.app.sweepSignoffs(), 0, 'an expired cycle is not expired twice');
      assert.equal((await d.events('Archive', cycleId!)).filter((e) => e.action === 'cycle.expired').length, 1);
    });

    it('expires a cycle on the first decision after its due time, even before the sweep', async () => {
      await d.createWorkload(priya, 'Intranet', bea);
      const { cycleId, messageId, card } = await d.open(priya, 'Intranet', { testers: [tom], dueDate: '2026-11-23', dueTime: '10:00', timeZone: 'UTC' });
      now = Date.parse('2026-11-23T10:00:01.000Z');
      const late = await d.decide(tom, 'Intranet', cycleId!, 'approve', {}, messageId);
      assert.match(cardText(late.body.value), /was due Mon 23 Nov 2026, 10:00 UTC and has expired\. Nothing was recorded\./);
      const shared = await d.shared(messageId!, card);
      assert.match(cardText(shared), /Expired/);
      assert.deepEqual(await d.votes('Intranet', cycleId!), []);
    });
  });

  describe('reminders', () => {
    const rhea = person('Rhea Reachable');
    const remy = person('Remy Blocked');
    const ron = person('Ron Never Installed');

    it('nudges each pending tester in their personal chat, names at once who has no chat with Liftoff, and afterwards who blocked it', async () => {
      d.roster([priya, bea, rhea, remy, ron, tom]);
      for (const p of [rhea, remy]) await h.post(h.activities.installation(p, 'add', personalChat(p)));
      h.fake.blockUser(personalChat(remy).conversationId);
      await d.createWorkload(priya, 'Reminder Demo', bea);
      const { cycleId } = await d.open(priya, 'Reminder Demo', { testers: [rhea, remy, ron, tom], rule: 'atLeast', atLeast: 2 });
      await d.decide(tom, 'Reminder Demo', cycleId!, 'approve');

      const refused = await h.say(h.activities.message(olga, 'remind Reminder Demo', team));
      assert.match(cardText(refused), /Only the project manager or the business owner of Reminder Demo can remind the testers/);

      const before = h.fake.lastSeq;
      const answer = await d.say(priya, 'remind Reminder Demo');
      const text = cardText(answer);
      assert.match(text, /Reminding 2 testers in a personal chat: Rhea Reachable, Remy Blocked\./);
      assert.match(text, /Liftoff cannot reach Ron Never Installed: they have not added Liftoff in a personal chat/);
      assert.doesNotMatch(text, /Tom Tester/, 'a tester who decided is not reminded');
      await h.app.background.drain();
      const reports = h.fake.activities.filter((r) => r.seq > before && r.kind === 'send' && r.conversationId === team.conversationId) as ActivityOpRecord[];
      assert.equal(reports.length, 1, 'one report, where the reminder was asked');
      assert.match(
        cardText(reports[0]!.activity?.attachments?.[0]?.content),
        /Liftoff could not remind 1 tester of UAT cycle 1 of Reminder Demo: Remy Blocked \(blocked or removed Liftoff\)\. Please remind them yourself\./,
      );
      const nudges = h.fake.activities.filter((r) => r.seq > before && r.conversationId === personalChat(rhea).conversationId);
      assert.equal(nudges.length, 1);
      const nudge = (nudges[0] as { activity?: { attachments?: Array<{ content: unknown }> } }).activity?.attachments?.[0]?.content as any;
      assert.match(cardText(nudge), /Reminder from Priya Project: your decision on UAT cycle 1 of Reminder Demo is due/);
      assert.deepEqual(verbsOn(nudge), ['signoff.decide', 'signoff.decide'], 'the tester can decide right there');
      assert.deepEqual(nudge.refresh.userIds, [teamsUserId(rhea)]);
      assert.equal(h.fake.sentTo(personalChat(ron).conversationId).length, 0);

      const fromNudge = await h.post(h.activities.execute(rhea, 'signoff.decide', findAction(nudge, 'signoff.decide', { decision: 'approve' }).data, personalChat(rhea), 'nudge'));
      assert.match(cardText(fromNudge.body.value), /You approved UAT cycle 1/);
      assert.equal((await d.cycle('Reminder Demo', cycleId!)).state, 'awaitingFinal');
    });
  });

  describe('a restart', () => {
    it('expires a cycle that came due while Liftoff was stopped: the state is in Cosmos and the sweep reads it again', async () => {
      const store = await embeddedStore();
      const fake = await startFakeConnector();
      let later = T0;
      try {
        const first = await startHarness({ SIGNOFF_SWEEP_SECONDS: '0' }, { clock: () => new Date(later), store, fake });
        const before = new SignoffDriver(first, teamChannel('restart'));
        before.roster([priya, bea, tom]);
        await before.createWorkload(priya, 'Restart Demo', bea);
        const { cycleId, messageId } = await before.open(priya, 'Restart Demo', { testers: [tom], dueDate: '2026-11-23', dueTime: '18:00', timeZone: 'UTC' });
        await first.close();

        later = T0 + 12 * HOUR;
        const second = await startHarness({ SIGNOFF_SWEEP_SECONDS: '0' }, { clock: () => new Date(later), store, fake });
        try {
          const after = new SignoffDriver(second, teamChannel('restart'));
          assert.equal(await second.app.sweepSignoffs(), 1);
          assert.equal((await after.cycle('Restart Demo', cycleId!)).state, 'expired');
          await second.app.background.drain();
          const updates = fake.updates(messageId!);
          assert.match(cardText(updates[updates.length - 1]?.activity?.attachments?.[0]?.content), /Expired: it was due Mon 23 Nov 2026, 18:00 UTC/);
        } finally {
          await second.close();
        }
      } finally {
        await fake.close();
        await store.close();
      }
    });

    it('sweeps on its own timer, SIGNOFF_SWEEP_SECONDS apart', async () => {
      let clock = T0;
      const timed = await startHarness({ SIGNOFF_SWEEP_SECONDS: '1' }, { clock: () => new Date(clock) });
      try {
        const driver = new SignoffDriver(timed, teamChannel('timer'));
        driver.roster([priya, bea, tom]);
        await driver.createWorkload(priya, 'Timer Demo', bea);
        const { cycleId } = await driver.open(priya, 'Timer Demo', { testers: [tom], dueDate: '2026-11-23', dueTime: '10:00', timeZone: 'UTC' });
        clock = T0 + 2 * HOUR;
        const deadline = Date.now() + 5000;
        while ((await driver.cycle('Timer Demo', cycleId!)).state !== 'expired' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        assert.equal((await driver.cycle('Timer Demo', cycleId!)).state, 'expired');
      } finally {
        await timed.close();
      }
    });
  });
});
