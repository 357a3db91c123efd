import { strict as assert } from 'node:assert';
import type { Delivery, Notice } from '../../bot/broadcast/model';
import type { Person } from '../../bot/release/model';
import { teamPartitionOf } from '../../bot/release/rules';
import type { RetroAction } from '../../bot/retro/model';
import { BUSINESS_TESTING_GATE } from '../../bot/signoff/model';
import type { Wave } from '../../bot/waves/model';
import { press, retroEntry, retroStart, rosterOf, workloadReady } from '../support/actions';
import { person, TENANT } from '../support/builders';
import { cardText, findAction, Harness, startHarness } from '../support/liftoff';
import { SignoffDriver } from '../support/signoff';
import { payrollWithTomTesting } from '../support/tabSeed';
import { startTokenIssuer, TokenIssuer } from '../support/tabTokens';
import { teamChannel, workloadIdIn } from '../support/teams';

const priya = person('Priya PM');
const bea = person('Bea Owner');
const tom = person('Tom Engineer');
const zed = person('Zed Anonymous');
const eve = person('Eve Elsewhere');

const alpha = teamChannel('alpha');
const beta = teamChannel('beta');
const payroll = workloadIdIn(alpha, 'payroll-api');
const ledger = workloadIdIn(alpha, 'ledger');
const SECRET_ENTRY = 'The cutover rehearsal was skipped and nobody said so';

interface Answer {
  status: number;
  etag: string | null;
  body: any;
}

/**
 * Acting from the tab, over HTTP with Teams SSO tokens: every button goes through the use case the card calls
 * and is refused with the card's own sentence; polls with If-None-Match get 304 until something changes in chat.
 */
describe('acting from the release board tab, and polling it', () => {
  let h: Harness;
  let issuer: TokenIssuer;

  const call = async (method: 'GET' | 'POST', path: string, who: Person | undefined, options: { body?: unknown; etag?: string; contentType?: string } = {}): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (who) headers.authorization = `Bearer ${await issuer.token(who)}`;
    if (options.etag) headers['if-none-match'] = options.etag;
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${h.app.url}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, etag: response.headers.get('etag'), body: text ? JSON.parse(text) : undefined };
  };
  const board = (who: Person, etag?: string) => call('GET', `/api/tab/board?scope=${encodeURIComponent(alpha.teamId!)}`, who, etag ? { etag } : {});
  const detail = (who: Person, workloadId: string, etag?: string) => call('GET', `/api/tab/workloads/${encodeURIComponent(workloadId)}`, who, etag ? { etag } : {});
  const myWork = async (who: Person) => (await call('GET', '/api/tab/mywork', who)).body.items as any[];
  const act = (who: Person, path: string, body: unknown) => call('POST', `/api/tab/${path}`, who, { body });
  const revOf = async (workloadId: string, gateId: string): Promise<number> =>
    (await h.app.cosmos.workloads.item(workloadId, workloadId).read<any>()).resource.gates.find((g: any) => g.id === gateId).rev;
  /** The card a gate decision draws in chat, for the same decision: the tab must refuse with its sentence. */
  const cardDecision = async (who: Person, gateId: string, rev: number, decision: 'pass' | 'fail' | 'waive' = 'pass', workloadId = payroll) =>
    cardText((await h.post(h.activities.execute(who, 'gate.decide', { workloadId, gateId, decision, note: '', revs: { [gateId]: rev } }, alpha))).body.value);
  /**
   * A release of its own for a spec: Tom its migration engineer, Bea its business owner, and a UAT cycle opened
   * from its checklist message in chat (SignoffDriver presses the form in "form-message"), which Liftoff remembers.
   */
  const releaseShownInChat = async (name: string): Promise<string> => {
    await h.say(h.activities.message(priya, `new ${name}`, alpha));
    const workloadId = workloadIdIn(alpha, name.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
    const roles = findAction(await h.say(h.activities.message(priya, `roles ${name}`, alpha)), 'roles.save');
    await h.post(h.activities.execute(priya, 'roles.save', { ...roles.data, role: 'migrationEngineer', people: tom.aadObjectId }, alpha));
    const signoff = new SignoffDriver(h, alpha);
    await signoff.assignBusinessOwner(priya, name, bea);
    const opened = await signoff.open(priya, name, { testers: [tom], dueDate: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) });
    assert.ok(opened.cycleId, 'the cycle opened');
    const { resource } = await h.app.cosmos.workloads.item(opened.cycleId, workloadId).read<any>();
    assert.equal(resource?.card?.checklist?.activityId, 'form-message', 'the cycle remembers the checklist message it was opened from');
    return workloadId;
  };
  /** The latest checklist drawn in the message "form-message" since `before` updates of it, once the drawing after the answer is done. */
  const checklistDrawnSince = async (before: number): Promise<string | undefined> => {
    await h.app.background.drain();
    const card = h.fake.updates('form-message').slice(before).at(-1)?.activity?.attachments?.[0]?.content;
    return card ? cardText(card) : undefined;
  };

  before(async function () {
    this.timeout(60_000);
    issuer = await startTokenIssuer();
    h = await startHarness({ ...issuer.env, RETRO_PSEUDONYM_SECRET: 'tab-spec-retro-secret-that-is-long-enough-0123456789', FOLLOW_UP_SWEEP_SECONDS: '0' });
    rosterOf(h, alpha, [priya, bea, tom, zed]);
    rosterOf(h, beta, [eve]);
    await payrollWithTomTesting(h, { priya, bea, tom, eve }, alpha, beta);

    // Ledger is promoted; its anonymous retrospective is started and written to through the bot.
    await workloadReady(h, priya, alpha, 'Ledger', { promoted: true });
    await press(h, retroStart(h, priya, alpha, ledger));
    await press(h, retroEntry(h, zed, alpha, ledger, SECRET_ENTRY));
    // What other capabilities' specs make through the bot, laid in the store: a notice sent to Tom 1:1, an action item he owns, a wave.
    const now = new Date().toISOString();
    const tomAddress = { aadObjectId: tom.aadObjectId, teamsUserId: `29:${tom.aadObjectId}`, name: tom.name, serviceUrl: 'https://smba.example', conversationId: `a:personal-${tom.aadObjectId}` };
    const notice: Notice = {
      id: 'ledger.abc123',
      workloadId: ledger,
      type: 'notice',
      tenantId: TENANT,
      workloadName: 'Ledger',
      content: { kind: 'general', title: 'Ledger moves on Friday', body: 'Read-only from 18:00.' },
      audience: { channelIds: [], teamIds: [], people: [tomAddress], everyone: false },
      author: priya,
      status: 'sent',
      rev: 2,
      contentRev: 1,
      recalled: false,
      remindRev: 0,
      settledRev: 2,
      fannedOut: true,
      total: 1,
      createdAt: now,
      sentAt: now,
    };
    const delivery: Delivery = {
      id: 'ledger.abc123:user:' + tom.aadObjectId,
      workloadId: ledger,
      type: 'delivery',
      tenantId: TENANT,
      noticeId: notice.id,
      recipientKey: `user:${tom.aadObjectId}`,
      recipient: { kind: 'person', ...tomAddress },
      status: 'sent',
      attempts: 1,
      appliedRev: 1,
      remindedRev: 0,
      sentAt: now,
    };
    const action: RetroAction = {
      id: `${ledger}:retro-1:action:1`,
      workloadId: ledger,
      type: 'action',
      retroId: `${ledger}:retro-1`,
      tenantId: TENANT,
      scopeId: alpha.teamId!,
      workloadName: 'Ledger',
      text: 'Rehearse the cutover with the database team',
      owner: tom,
      due: new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10),
      target: { kind: 'workload', workloadId: ledger, name: 'Ledger' },
      status: 'open',
      facilitator: priya,
      createdAt: now,
    };
    const partition = teamPartitionOf({ tenantId: TENANT, scopeId: alpha.teamId! });
    const wave: Wave = {
      id: 'wave-1',
      waveId: 'wave-1',
      workloadId: partition,
      type: 'wave',
      tenantId: TENANT,
      scopeId: alpha.teamId!,
      name: 'Wave 1',
      start: now.slice(0, 10),
      end: new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10),
      workloadIds: [ledger],
      status: 'open',
      createdBy: priya,
      createdAt: now,
    };
    for (const doc of [notice, delivery, action, wave]) await h.app.cosmos.workloads.items.create(doc);
    // Action items come with the act phase: the retro is moved there beside its laid action item.
    const retroItem = h.app.cosmos.workloads.item(`${ledger}:retro-1`, ledger);
    const stored = (await retroItem.read<{ phase: string }>()).resource!;
    await retroItem.replace({ ...stored, phase: 'act' });
  });
  after(async () => {
    await h?.close();
    await issuer?.close();
  });

  it('answers a poll 304 while nothing changed, and the new board once a gate is decided in chat', async () => {
    const first = await board(bea);
    assert.equal(first.status, 200);
    assert.ok(first.etag, 'the board carries an ETag');
    const again = await board(bea, first.etag);
    assert.deepEqual([again.status, again.body], [304, undefined]);
    const detailFirst = await detail(bea, payroll);
    assert.equal((await detail(bea, payroll, detailFirst.etag!)).status, 304);

    // Tom fails staging on the card in chat (the gate stays his to pass, from the tab, further down).
    const rev = await revOf(payroll, 'assets-staged');
    const failed = await h.post(
      h.activities.execute(tom, 'gate.decide', { workloadId: payroll, gateId: 'assets-staged', decision: 'fail', note: 'Replication lags', revs: { 'assets-staged': rev } }, alpha),
    );
    assert.match(cardText(failed.body.value), /Tom Engineer failed "Assets replicated and staged"/);
    const changed = await board(bea, first.etag);
    assert.equal(changed.status, 200);
    assert.notEqual(changed.etag, first.etag);
    const detailChanged = await detail(bea, payroll, detailFirst.etag!);
    assert.equal(detailChanged.status, 200);
    assert.equal(detailChanged.body.gates.find((g: any) => g.id === 'assets-staged').status, 'failed');
  });

  it('groups the board by wave: the workloads a wave holds carry its id, the others none', async () => {
    const { body } = await board(priya);
    assert.deepEqual(
      body.waves.map((w: any) => [w.id, w.name, w.status]),
      [['wave-1', 'Wave 1', 'open']],
    );
    const waveOf = Object.fromEntries(body.workloads.map((w: any) => [w.name, w.waveId ?? null]));
    assert.deepEqual(waveOf, { Ledger: 'wave-1', 'Payroll API': null });
  });

  it('decides a gate from "My release work" through the release rule, and refuses it with the sentence the card gives', async () => {
    const item = (await myWork(tom)).find((i) => i.kind === 'gate' && i.title === 'Assets replicated and staged');
    assert.ok(item, 'staging waits on Tom');
    assert.deepEqual(Object.keys(item.act).sort(), ['also', 'gateId', 'kind', 'rev']);
    assert.deepEqual(item.act.also, ['fail'], 'Tom may fail his gate too, but not waive it: he is not the project manager');
    // Bea holds no migration engineer role: the tab's answer is the card's refusal, word for word.
    const refusal = await act(bea, 'gates', { workloadId: payroll, gateId: item.act.gateId, rev: item.act.rev, decision: 'pass' });
    assert.equal(refusal.status, 409);
    assert.equal(refusal.body.changed, false);
    assert.ok((await cardDecision(bea, item.act.gateId, item.act.rev)).includes(refusal.body.message), refusal.body.message);
    assert.match(refusal.body.message, /^Only someone holding the Migration engineer role can pass "Assets replicated and staged"/);

    const passed = await act(tom, 'gates', { workloadId: payroll, gateId: item.act.gateId, rev: item.act.rev, decision: 'pass', note: 'Replicas in sync' });
    assert.deepEqual([passed.status, passed.body], [200, { changed: true, message: 'Tom Engineer passed "Assets replicated and staged".' }]);
    assert.ok(!(await myWork(tom)).some((i) => i.kind === 'gate' && i.title === 'Assets replicated and staged'), 'nothing left to decide there');
    // The same button on a tab that had not refreshed: the gate moved on, and the card would say so too.
    const stale = await act(tom, 'gates', { workloadId: payroll, gateId: item.act.gateId, rev: item.act.rev, decision: 'pass' });
    assert.equal(stale.status, 409);
    assert.ok((await cardDecision(tom, item.act.gateId, item.act.rev)).includes(stale.body.message), stale.body.message);
    // Someone of another team cannot reach the workload at all.
    assert.equal((await act(eve, 'gates', { workloadId: payroll, gateId: 'assets-staged', rev: 1, decision: 'pass' })).status, 404);
  });

  it('lists a gate that passes with typed evidence as one to fill in chat, and refuses a bare Pass of it as the card does', async () => {
    const item = (await myWork(tom)).find((i) => i.kind === 'gate' && i.title === 'User routing');
    assert.ok(item, 'user routing waits on Tom');
    assert.equal(item.act.evidenceForm, true, 'the page offers the chat, not a Pass');
    const bare = await act(tom, 'gates', { workloadId: payroll, gateId: item.act.gateId, rev: item.act.rev, decision: 'pass', note: 'Front door switched' });
    assert.deepEqual([bare.status, bare.body.changed], [409, false]);
    assert.equal(bare.body.message, '"User routing" passes with its evidence: pick it in Record a decision and press Evidence form.');
    assert.ok(
      (await myWork(tom)).some((i) => i.kind === 'gate' && i.title === 'User routing'),
      'still waiting on Tom',
    );
  });

  it('draws the checklist message in chat again after a gate is passed from the tab, as a decision on another card does', async () => {
    const workloadId = await releaseShownInChat('Payslips');
    const item = (await myWork(tom)).find((i) => i.kind === 'gate' && i.workloadId === workloadId && i.act.gateId === 'assets-staged');
    assert.ok(item, 'staging of Payslips waits on Tom');
    const before = h.fake.updates('form-message').length;
    const passed = await act(tom, 'gates', { workloadId, gateId: 'assets-staged', rev: item.act.rev, decision: 'pass', note: 'Replicas in sync' });
    assert.deepEqual([passed.status, passed.body.message], [200, 'Tom Engineer passed "Assets replicated and staged".']);
    const drawn = await checklistDrawnSince(before);
    assert.ok(drawn, 'the checklist message is updated');
    assert.match(drawn, /Payslips/);
    assert.match(drawn, /Tom Engineer passed "Assets replicated and staged"/);
    assert.match(drawn, /Assets replicated and staged[^]*passed by Tom Engineer/);
    const { resources: markers } = await h.app.cosmos.workloads.items
      .query({ query: 'SELECT * FROM c WHERE c.workloadId = @w AND c.type = "cardSync"', parameters: [{ name: '@w', value: workloadId }] }, { partitionKey: workloadId })
      .fetchAll();
    assert.equal(markers.length, 0, 'the marker went once the message was drawn');

    // A press the rule refuses changes nothing, so nothing is drawn.
    const after = h.fake.updates('form-message').length;
    assert.equal((await act(tom, 'gates', { workloadId, gateId: 'assets-staged', rev: item.act.rev, decision: 'pass' })).status, 409);
    assert.equal(await checklistDrawnSince(after), undefined);
  });

  it('fails and waives a gate from the tab with a reason, refused without one or without the role with the sentence the card gives', async () => {
    const workloadId = await releaseShownInChat('Timesheets');
    const rev = await revOf(workloadId, 'user-routing');
    const item = (await myWork(tom)).find((i) => i.kind === 'gate' && i.workloadId === workloadId && i.act.gateId === 'user-routing');
    assert.ok(item, 'user routing waits on Tom');
    assert.deepEqual([item.act.evidenceForm, item.act.also], [true, ['fail']], 'a gate passed with its evidence in chat may still be failed here');

    const bare = await act(tom, 'gates', { workloadId, gateId: 'user-routing', rev, decision: 'fail' });
    assert.deepEqual([bare.status, bare.body], [409, { changed: false, message: 'Say why: a failed gate needs a reason.' }]);
    assert.ok((await cardDecision(tom, 'user-routing', rev, 'fail', workloadId)).includes(bare.body.message), bare.body.message);
    const notHis = await act(tom, 'gates', { workloadId, gateId: 'user-routing', rev, decision: 'waive', note: 'Not needed' });
    assert.deepEqual([notHis.status, notHis.body.message], [409, 'Only the project manager or the business owner can waive a gate.']);
    assert.ok((await cardDecision(tom, 'user-routing', rev, 'waive', workloadId)).includes(notHis.body.message), notHis.body.message);
    assert.equal(await revOf(workloadId, 'user-routing'), rev, 'nothing changed');

    const before = h.fake.updates('form-message').length;
    const failed = await act(tom, 'gates', { workloadId, gateId: 'user-routing', rev, decision: 'fail', note: 'Front door still points at the old site' });
    assert.deepEqual([failed.status, failed.body.message], [200, 'Tom Engineer failed "User routing": Front door still points at the old site.']);
    assert.match((await checklistDrawnSince(before)) ?? '', /Tom Engineer failed "User routing": Front door still points at the old site/);

    const waived = await act(priya, 'gates', { workloadId, gateId: 'change-plan-shared', rev: await revOf(workloadId, 'change-plan-shared'), decision: 'waive', note: 'No users are affected' });
    assert.deepEqual([waived.status, waived.body.message], [200, 'Priya PM waived "Business change plan shared: adoption plan, process changes, training, timelines".']);
    const gates = (await detail(bea, workloadId)).body.gates;
    assert.deepEqual(
      ['user-routing', 'change-plan-shared'].map((id) => gates.find((g: any) => g.id === id)).map((g: any) => [g.status, g.reason, g.decidedBy]),
      [
        ['failed', 'Front door still points at the old site', 'Tom Engineer'],
        ['waived', 'No users are affected', 'Priya PM'],
      ],
    );
  });

  it("shows a gate's typed evidence on the workload panel in the line the checklist card shows", async () => {
    const workloadId = await releaseShownInChat('Expenses');
    const status = async () => h.say(h.activities.message(tom, 'status Expenses', alpha));
    const formCard = (await h.post(h.activities.execute(tom, 'gate.form', { ...findAction(await status(), 'gate.form').data, gateId: 'user-routing' }, alpha, 'checklist-card'))).body.value;
    const record = findAction(formCard, 'gate.record', { decision: 'pass' });
    const fields = {
      checked: 'Front Door routes every region to the new site',
      how: 'a synthetic login from each region',
      link: 'https://contoso.example/runbooks/routing',
      note: 'Done on the second try',
    };
    const recorded = await h.post(h.activities.execute(tom, 'gate.record', { ...record.data, ...fields }, alpha, 'checklist-card'));
    assert.match(cardText(recorded.body.value), /Tom Engineer passed "User routing"/);

    const gate = (await detail(bea, workloadId)).body.gates.find((g: any) => g.id === 'user-routing');
    assert.match(gate.typedEvidence, /^checked Front Door routes every region to the new site, by a synthetic login from each region \(https:\/\/contoso\.example\/runbooks\/routing\); dated /);
    assert.equal(gate.evidence, 'Done on the second try', 'the free-text note beside it');
    assert.ok(cardText(await status()).includes(`Evidence: ${gate.typedEvidence}.`), 'the very line the checklist shows');
    assert.equal((await detail(bea, payroll)).body.gates.find((g: any) => g.id === 'user-routing').typedEvidence, undefined, 'none where none was recorded');
  });

  it("approves a UAT cycle from the tab, then the business owner's final sign-off passes business testing", async () => {
    const uat = (await myWork(tom)).find((i) => i.kind === 'uat');
    assert.ok(uat, 'the test decision waits on Tom');
    assert.equal((await act(eve, 'uat', { workloadId: payroll, cycleId: uat.act.cycleId, decision: 'approve' })).status, 404);
    const rejected = await act(tom, 'uat', { workloadId: payroll, cycleId: uat.act.cycleId, decision: 'reject' });
    assert.deepEqual([rejected.status, rejected.body.message], [409, 'Say why: a rejection needs a comment. Nothing was recorded yet.']);
    const approved = await act(tom, 'uat', { workloadId: payroll, cycleId: uat.act.cycleId, decision: 'approve' });
    assert.equal(approved.status, 200);
    assert.match(approved.body.message, /^You approved UAT cycle 1 .*The testers' rule is met: the cycle now waits for the final sign-off\.$/);
    const twice = await act(tom, 'uat', { workloadId: payroll, cycleId: uat.act.cycleId, decision: 'reject', comment: 'Changed my mind' });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.message, "The testers' part of UAT cycle 1 is complete: the rule is met and the cycle waits for the final sign-off. Nothing was recorded.");

    const final = (await myWork(bea)).find((i) => i.kind === 'finalSignoff');
    assert.ok(final, 'the final sign-off now waits on Bea');
    assert.equal((await act(tom, 'signoff', { workloadId: payroll, cycleId: final.act.cycleId, decision: 'approve' })).status, 409, 'only a final approver signs off');
    assert.equal((await act(eve, 'signoff', { workloadId: payroll, cycleId: final.act.cycleId, decision: 'approve' })).status, 404, 'nor anyone of another team');
    const signed = await act(bea, 'signoff', { workloadId: payroll, cycleId: final.act.cycleId, decision: 'approve' });
    assert.deepEqual([signed.status, signed.body.message], [200, 'You gave the final business sign-off of UAT cycle 1. Business testing of Payroll API is passed.']);
    const { body } = await detail(bea, payroll);
    assert.equal(body.gates.find((g: any) => g.id === BUSINESS_TESTING_GATE).status, 'passed');
    assert.deepEqual(
      body.cycles.map((c: any) => [c.state, c.approved, c.needed]),
      [['passed', 1, 1]],
    );
  });

  it('acknowledges a notice from the tab once, and refuses a person it was not sent to as the card does', async () => {
    const item = (await myWork(tom)).find((i) => i.kind === 'notice');
    assert.deepEqual(item && [item.title, item.link], [
      'Acknowledge "Ledger moves on Friday"',
      `https://teams.microsoft.com/l/chat/${encodeURIComponent(`a:personal-${tom.aadObjectId}`)}/conversations?tenantId=${TENANT}`,
    ]);
    const stranger = await act(priya, 'acknowledgements', { workloadId: ledger, noticeId: item.act.noticeId });
    assert.deepEqual([stranger.status, stranger.body.message], [409, 'This notice was not sent to you, so there is nothing for you to acknowledge; nothing was recorded.']);
    const first = await act(tom, 'acknowledgements', { workloadId: ledger, noticeId: item.act.noticeId });
    assert.deepEqual([first.status, first.body.message], [200, 'Thank you: your acknowledgement is recorded.']);
    const second = await act(tom, 'acknowledgements', { workloadId: ledger, noticeId: item.act.noticeId });
    assert.equal(second.body.changed, false);
    assert.ok(!(await myWork(tom)).some((i) => i.kind === 'notice'), 'nothing left to acknowledge');
    const notice = (await detail(priya, ledger)).body.notices[0];
    assert.deepEqual([notice.acknowledged, notice.acknowledgedOver.map((p: any) => p.acknowledged)], [1, [1]]);
  });

  it("marks a retro action item done from the tab, and the retro's burn-down shows it", async () => {
    const before = (await detail(priya, ledger)).body;
    assert.deepEqual(before.burnDown.at(-1).open, 1);
    const item = (await myWork(tom)).find((i) => i.kind === 'action');
    assert.ok(item, 'the action item waits on its owner');
    assert.equal((await act(eve, 'action-items', { workloadId: ledger, actionId: item.act.actionId })).status, 404);
    const done = await act(tom, 'action-items', { workloadId: ledger, actionId: item.act.actionId });
    assert.deepEqual([done.status, done.body.message], [200, 'Done: Rehearse the cutover with the database team']);
    const after = (await detail(priya, ledger)).body;
    assert.deepEqual([after.actions[0].status, after.burnDown.at(-1).open], ['done', 0]);
  });

  it('names no author of an anonymous retro entry anywhere it answers', async () => {
    const stored = (await h.app.cosmos.workloads.items.query({ query: 'SELECT * FROM c WHERE c.type = "entry" AND c.workloadId = @w', parameters: [{ name: '@w', value: ledger }] }).fetchAll())
      .resources;
    assert.equal(stored.length, 1, 'the entry is stored');
    const answers = [await board(priya), await detail(priya, ledger), await detail(zed, ledger), await call('GET', '/api/tab/mywork', zed), await call('GET', '/api/tab/mywork', priya)];
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      const text = JSON.stringify(answer.body);
      for (const secret of [zed.name, zed.aadObjectId, String(stored[0].authorKey), SECRET_ENTRY]) assert.ok(!text.includes(secret), `an answer names ${secret}`);
    }
  });

  it('refuses a body that is not JSON, or not an action, with a sentence, and changes nothing', async () => {
    const notJson = await call('POST', '/api/tab/gates', tom, { body: 'gateId=user-routing', contentType: 'text/plain' });
    assert.deepEqual([notJson.status, notJson.body.message], [415, 'Send the action as JSON (content-type application/json).']);
    const malformed = await act(tom, 'gates', { workloadId: payroll, gateId: 'user-routing', rev: 'two', decision: 'maybe' });
    assert.deepEqual([malformed.status, malformed.body.message], [400, 'That action is not one Liftoff knows: reload the tab and press the button again.']);
    const broken = await call('POST', '/api/tab/gates', tom, { body: '{"workloadId":' });
    assert.equal(broken.status, 400);
    assert.doesNotMatch(JSON.stringify(broken.body), /SyntaxError|at JSON|stack/);
    assert.equal((await call('POST', '/api/tab/gates', undefined, { body: {} })).status, 401);
  });
  it('lists the priorities review of an ended wave for its business owner, with a link to the channel of its card', async () => {
    // Wave 0 held Payroll API and ended yesterday; Wave 1 (laid before, open until two weeks from now) is the one its decisions change.
    const partition = teamPartitionOf({ tenantId: TENANT, scopeId: alpha.teamId! });
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const ended: Wave = {
      id: 'wave-0',
      waveId: 'wave-0',
      workloadId: partition,
      type: 'wave',
      tenantId: TENANT,
      scopeId: alpha.teamId!,
      conversationId: alpha.conversationId,
      name: 'Wave 0',
      start: day(-14),
      end: day(-1),
      workloadIds: [payroll],
      status: 'open',
      createdBy: priya,
      createdAt: new Date().toISOString(),
    };
    await h.app.cosmos.workloads.items.upsert(ended);
    const reviews = async (who: Person) => (await myWork(who)).filter((i) => i.kind === 'review');
    assert.deepEqual(await reviews(bea), [], 'nothing to review before the review is opened');

    assert.equal(await h.app.sweepWaveReviews(), 1, 'Liftoff opens the review of the wave that ended');
    const link = `https://teams.microsoft.com/l/channel/${encodeURIComponent(alpha.conversationId)}/Payroll%20API?tenantId=${TENANT}`;
    const item = { kind: 'review', workloadId: payroll, workloadName: 'Wave 0', title: 'Priorities review of Wave 0: its decisions on Wave 1', link, act: { kind: 'review', waveId: 'wave-0' } };
    assert.deepEqual(await reviews(bea), [item], 'the business owner of Payroll API takes part');
    assert.deepEqual(await reviews(priya), [item], 'so does its project manager');
    assert.deepEqual(await reviews(tom), [], 'its migration engineer does not');
    assert.deepEqual(await reviews(eve), [], 'nor does anyone of another team');
  });
});
