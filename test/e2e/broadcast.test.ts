import { strict as assert } from 'node:assert';
import { cardText, findAction, Harness, startHarness } from '../support/liftoff';
import { downtime, person, TENANT } from '../support/builders';
import { personalChat, teamChannel, teamsUserId, workloadIdIn } from '../support/teams';
import { personalConversationId, type ActivityOpRecord } from '../support/fakeConnector';
import type { Delivery, Notice } from '../../bot/broadcast/model';
import type { Workload } from '../../bot/release/model';

/** Fast settings: a high pace, a short lease, progress every 200 ms, quick bounded retries. */
export const FAST_BROADCAST = {
  BROADCAST_RATE_PER_SECOND: '500',
  BROADCAST_LEASE_SECONDS: '1',
  BROADCAST_PROGRESS_SECONDS: '0.2',
  BROADCAST_RETRY_BASE_MS: '5',
  BROADCAST_MAX_ATTEMPTS: '3',
};

const priya = person('Priya Project');
const chloe = person('Chloe Change');
const alice = person('Alice Accounts');
const bob = person('Bob Billing');
const carol = person('Carol Claims');
const dora = person('Dora Desk');
const evan = person('Evan Expenses');
const team = teamChannel('payroll');
const releases = { id: '19:releases@thread.tacv2', name: 'Releases' };
const everybody = [priya, chloe, alice, bob, carol, dora, evan];

interface Composed {
  noticeId: string;
  workloadId: string;
  preview: any;
}

describe('change communication over HTTP, end to end', () => {
  let h: Harness;
  let workloadId: string;

  const notices = async (): Promise<Notice[]> => (await h.app.cosmos.workloads.items.query<Notice>({ query: 'SELECT * FROM c WHERE c.type = "notice"' }).fetchAll()).resources;
  const notice = async (id: string): Promise<Notice> => (await notices()).find((n) => n.id === id)!;
  const deliveries = async (noticeId: string): Promise<Delivery[]> =>
    (await h.app.cosmos.workloads.items.query<Delivery>({ query: 'SELECT * FROM c WHERE c.type = "delivery" AND c.noticeId = @n', parameters: [{ name: '@n', value: noticeId }] }).fetchAll())
      .resources;
  const deliveryTo = async (noticeId: string, who: { aadObjectId: string }): Promise<Delivery> => (await deliveries(noticeId)).find((d) => d.recipientKey === `user:${who.aadObjectId}`)!;

  /** Waits until the notice has settled (every delivery final, the sender done with it). */
  async function settled(noticeId: string, timeoutMs = 8000): Promise<Notice> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await notice(noticeId);
      const outbox = (await h.app.cosmos.broadcast.item('outbox', 'outbox').read<{ entries: Array<{ noticeId: string }> }>()).resource;
      const queued = outbox?.entries.some((e) => e.noticeId === noticeId) ?? false;
      if (n && n.status !== 'sending' && !queued && n.settledRev === n.rev) return n;
      if (Date.now() > deadline) throw new Error(`notice ${noticeId} did not settle: ${JSON.stringify({ status: n?.status, queued, rev: n?.rev, settledRev: n?.settledRev })}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const sendsTo = (conversationId: string) => h.fake.sentTo(conversationId).filter((r) => r.kind === 'send') as ActivityOpRecord[];
  const noticeSendsTo = (conversationId: string, noticeId: string) => sendsTo(conversationId).filter((r) => JSON.stringify(r.activity).includes(noticeId));

  async function compose(author: typeof priya, fields: Record<string, unknown>): Promise<Composed> {
    const card = await h.say(h.activities.message(author, 'notify Payroll API', team));
    const preview = findAction(card, 'notice.preview');
    const res = await h.post(h.activities.execute(author, 'notice.preview', { ...preview.data, ...fields }, team));
    return { noticeId: String(preview.data.noticeId), workloadId: String(preview.data.workloadId), preview: res.body.value };
  }

  async function sendNow(author: typeof priya, composed: Composed, replyToId: string): Promise<any> {
    const send = findAction(composed.preview, 'notice.send');
    const res = await h.post(h.activities.execute(author, 'notice.send', send.data, team, replyToId));
    return res.body.value;
  }

  before(async () => {
    h = await startHarness(FAST_BROADCAST);
    h.fake.setRoster(
      team.teamId!,
      everybody.map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: TENANT })),
    );
    h.fake.setChannels(team.teamId!, [{ id: team.conversationId }, releases]);
    await h.post(h.activities.installation(priya, 'add', team));
    for (const p of [alice, bob, carol, dora, evan]) await h.post(h.activities.installation(p, 'add', personalChat(p)));
    await h.say(h.activities.message(priya, 'new Payroll API', team));
    workloadId = workloadIdIn(team, 'payroll-api');
    const { resource } = await h.app.cosmos.workloads.item(workloadId, workloadId).read<Workload>();
    const roles = findAction(await h.say(h.activities.message(priya, 'roles Payroll API', team)), 'roles.save');
    await h.post(h.activities.execute(priya, 'roles.save', { ...roles.data, rolesRev: resource!.rolesRev, role: 'changeManager', people: chloe.aadObjectId }, team));
  });
  after(() => h.close());

  it('offers a compose card to a change manager, and refuses one to someone without the role', async () => {
    const card = await h.say(h.activities.message(chloe, 'notify Payroll API', team));
    const text = cardText(card);
    assert.match(text, /Compose a notice for Payroll API/);
    assert.match(text, /Downtime window/);
    assert.match(JSON.stringify(card), /Releases/, 'channels where Liftoff is installed are offered');
    assert.match(JSON.stringify(card), new RegExp(alice.aadObjectId), 'people of the conversation are offered');
    const refused = await h.say(h.activities.message(alice, 'notify Payroll API', team));
    assert.match(cardText(refused), /Only a change manager or the project manager of Payroll API can compose a notice/);
  });

  it('answers a bad compose with a sentence and keeps what was typed', async () => {
    const { preview } = await compose(chloe, { ...downtime, endDate: '2026-11-27', people: alice.aadObjectId });
    assert.match(cardText(preview), /The end must come after the start/);
    assert.match(JSON.stringify(preview), /Payroll API offline Saturday night/);
    const nobody = await compose(chloe, { ...downtime });
    assert.match(cardText(nobody.preview), /Choose who gets the notice/);
  });

  /** The downtime notice to the Releases channel and three people, composed by the change manager. */
  const composeMain = (): Promise<Composed> => compose(chloe, { ...downtime, channels: releases.id, people: [alice, bob, carol].map((p) => p.aadObjectId).join(',') });

  /** The downtime notice sent from the preview in message `replyToId`, once every delivery is final. */
  async function sentMain(replyToId: string): Promise<Composed> {
    const composed = await composeMain();
    await sendNow(chloe, composed, replyToId);
    await settled(composed.noticeId);
    return composed;
  }

  it('previews a downtime notice to the author before anything is sent', async () => {
    const before = h.fake.lastSeq;
    const main = await composeMain();
    const text = cardText(main.preview);
    assert.match(text, /Preview: this is what recipients will see\. It goes to 1 channel, 3 people/);
    assert.match(text, /Payroll API offline Saturday night/);
    assert.match(text, /Sat 28 Nov 2026, 22:00 Europe\/Paris to Sun 29 Nov 2026, 02:00 Europe\/Paris/);
    assert.match(text, /\[Business change plan\]\(https:\/\/contoso\.example\/change-plans\/payroll\)/);
    assert.equal((await notice(main.noticeId)).status, 'draft');
    assert.equal(h.fake.activities.filter((r) => r.seq > before && r.kind === 'send').length, 0, 'nothing sent yet');
  });

  it('sends to the channel and the three people once each, and the progress card finishes in place', async () => {
    const main = await composeMain();
    const card = await sendNow(chloe, main, 'preview-msg');
    assert.match(cardText(card), /Sending\. This card shows the progress/);
    const done = await settled(main.noticeId);
    assert.equal(done.status, 'sent');
    assert.equal(done.total, 4);
    for (const p of [alice, bob, carol]) assert.equal(noticeSendsTo(`a:personal-${p.aadObjectId}`, main.noticeId).length, 1, `${p.name} got it once`);
    assert.equal(noticeSendsTo(releases.id, main.noticeId).length, 1, 'the channel got it once');
    const ds = await deliveries(main.noticeId);
    assert.deepEqual(
      ds.map((d) => d.status),
      ['sent', 'sent', 'sent', 'sent'],
    );
    for (const d of ds) assert.ok(d.activityId, 'each sent delivery keeps its activity id');
    const last = h.fake.updates('preview-msg').at(-1);
    assert.ok(last, 'the progress card was updated in place');
    const lastText = cardText(last.activity?.attachments?.[0]?.content);
    assert.match(lastText, /Notice sent/);
    assert.match(lastText, /Sent\n4/);
    assert.doesNotMatch(lastText, /Pending/, 'no state nobody is in');
  });

  it('shows the progress of a notice to one person in a few lines, with Remind to acknowledge as a button', async () => {
    const composed = await compose(chloe, { ...downtime, title: 'One recipient', people: alice.aadObjectId });
    await sendNow(chloe, composed, 'one-recipient-msg');
    await settled(composed.noticeId);
    const progress = (await h.post(h.activities.execute(chloe, 'notice.progress', { workloadId, noticeId: composed.noticeId }, team, 'one-recipient-msg'))).body.value;
    const text = cardText(progress);
    assert.match(text, /Recipients\n1\nSent\n1\nAcknowledged\n0/);
    for (const state of ['Pending', 'Blocked', 'Not found', 'Failed']) assert.ok(!text.includes(`${state}\n`), `no ${state} line when nobody is in it`);
    assert.equal(findAction(progress, 'notice.remind').data.noticeId, composed.noticeId, 'Remind to acknowledge is a button');
    assert.doesNotMatch(text, /remind-ack/);
  });

  it('shows recipients a card with Acknowledge, and records one acknowledgement per person whatever the clicks', async () => {
    const main = await sentMain('ack-msg');
    const received = noticeSendsTo(`a:personal-${alice.aadObjectId}`, main.noticeId)[0]!;
    const card = received.activity?.attachments?.[0]?.content;
    const ack = findAction(card, 'notice.ack');
    const first = await h.post(h.activities.execute(alice, 'notice.ack', ack.data, personalChat(alice), received.activityId));
    const second = await h.post(h.activities.execute(alice, 'notice.ack', ack.data, personalChat(alice), received.activityId));
    assert.match(cardText(first.body.value), /your acknowledgement is recorded/);
    assert.match(cardText(second.body.value), /You acknowledged this notice/);
    const acks = await h.app.cosmos.workloads.items.query({ query: 'SELECT * FROM c WHERE c.type = "ack" AND c.noticeId = @n', parameters: [{ name: '@n', value: main.noticeId }] }).fetchAll();
    assert.equal(acks.resources.length, 1);
    const progress = await h.post(h.activities.execute(chloe, 'notice.progress', { workloadId, noticeId: main.noticeId }, team, 'ack-msg'));
    assert.match(cardText(progress.body.value), /Acknowledged\n1/);
  });

  it('nudges those who have not acknowledged with remind-ack, once each', async () => {
    const main = await sentMain('remind-msg');
    const received = noticeSendsTo(`a:personal-${alice.aadObjectId}`, main.noticeId)[0]!;
    const ack = findAction(received.activity?.attachments?.[0]?.content, 'notice.ack');
    assert.match(cardText((await h.post(h.activities.execute(alice, 'notice.ack', ack.data, personalChat(alice), received.activityId))).body.value), /your acknowledgement is recorded/);
    const card = await h.say(h.activities.message(chloe, `remind-ack ${main.noticeId}`, team));
    assert.match(cardText(card), /Reminding everyone reached 1:1 who has not acknowledged yet/);
    await settled(main.noticeId);
    const reminders = (p: typeof alice) => noticeSendsTo(`a:personal-${p.aadObjectId}`, main.noticeId).filter((r) => JSON.stringify(r.activity).includes('Reminder'));
    assert.equal(reminders(alice).length, 0, 'Alice acknowledged');
    assert.equal(reminders(bob).length, 1);
    assert.equal(reminders(carol).length, 1);
  });

  it('updates a sent notice everywhere it was delivered, in place', async () => {
    const main = await sentMain('update-msg');
    const current = await notice(main.noticeId);
    const edit = await h.post(h.activities.execute(chloe, 'notice.edit', { workloadId, noticeId: main.noticeId }, team, 'update-msg'));
    assert.match(cardText(edit.body.value), /Update the notice for Payroll API/);
    const update = findAction(edit.body.value, 'notice.update');
    assert.equal(update.data.rev, current.rev);
    const res = await h.post(h.activities.execute(chloe, 'notice.update', { ...update.data, ...downtime, title: 'Payroll API offline Sunday night' }, team, 'update-msg'));
    assert.match(cardText(res.body.value), /every delivered copy is being updated in place/);
    await settled(main.noticeId);
    for (const d of await deliveries(main.noticeId)) {
      const updates = h.fake.updates(d.activityId!);
      assert.equal(updates.length, 1, `${d.recipientKey} updated once`);
      assert.match(JSON.stringify(updates[0]!.activity), /Sunday night/);
    }
  });

  it('recalls a sent notice everywhere it was delivered', async () => {
    const main = await sentMain('recall-msg');
    const res = await h.post(h.activities.execute(chloe, 'notice.recall', { workloadId, noticeId: main.noticeId }, team, 'recall-msg'));
    assert.match(cardText(res.body.value), /Recalling/);
    await settled(main.noticeId);
    const ds = await deliveries(main.noticeId);
    for (const d of ds) {
      assert.equal(d.status, 'recalled');
      assert.ok(
        h.fake.activities.some((r) => r.kind === 'delete' && r.activityId === d.activityId),
        `${d.recipientKey} deleted`,
      );
    }
  });

  it('keeps every input of the compose card when it comes back with a sentence, "Post it in this conversation" included', async () => {
    const { preview } = await compose(chloe, { ...downtime, endDate: '2026-11-27', here: 'true', channels: releases.id, people: alice.aadObjectId });
    assert.match(cardText(preview), /The end must come after the start/);
    const json = JSON.stringify(preview);
    assert.match(json, /"id":"here"[^}]*"value":"true"/);
    assert.match(json, new RegExp(`"id":"channels","value":"${releases.id}"`));
    assert.match(json, new RegExp(`"id":"people","value":"${alice.aadObjectId}"`));
  });

  it('draws the checklist again in the message a notice was sent from, once it is sent, with a way back from the progress card', async () => {
    // A workload of its own: its communication gate is still pending.
    await h.say(h.activities.message(priya, 'new Portal Checklist', team));
    const card = await h.say(h.activities.message(priya, 'notify Portal Checklist', team));
    const previewAction = findAction(card, 'notice.preview');
    const fields = { ...downtime, kind: 'upcomingChange', title: 'Portal checklist', people: alice.aadObjectId };
    const preview = (await h.post(h.activities.execute(priya, 'notice.preview', { ...previewAction.data, ...fields }, team))).body.value;
    const composed = { noticeId: String(previewAction.data.noticeId), workloadId: String(previewAction.data.workloadId), preview };
    const progress = await sendNow(priya, composed, 'checklist-msg');
    assert.equal(findAction(progress, 'workload.status').data.workloadId, composed.workloadId, 'the progress card leads back to the checklist');
    await settled(composed.noticeId);
    // The sender reports the notice sent just after it settles; the redraw follows as background work.
    const deadline = Date.now() + 8000;
    let last: any;
    for (;;) {
      await h.app.background.drain();
      const updates = h.fake.updates('checklist-msg');
      last = updates[updates.length - 1]?.activity?.attachments?.[0]?.content;
      if ((last && cardText(last).includes('Portal checklist" was sent')) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const text = cardText(last);
    assert.match(text, /The notice "Portal checklist" was sent to 1 of 1 recipients: the communication gate is passed/);
    assert.match(text, /✅ Change communication · 1 of 1 closed/);
    assert.match(text, /Next step/);
  });

  it('passes the communication gate when an upcoming-change notice has been sent, in the audit trail', async () => {
    const composed = await compose(priya, { ...downtime, kind: 'upcomingChange', title: 'New payroll portal', people: alice.aadObjectId });
    await sendNow(priya, composed, 'gate-msg');
    await settled(composed.noticeId);
    const { resource } = await h.app.cosmos.workloads.item(workloadId, workloadId).read<Workload>();
    const gate = resource!.gates.find((g) => g.id === 'change-notice-sent');
    assert.equal(gate?.status, 'passed');
    assert.match(gate?.evidence ?? '', /New payroll portal.*sent to 1 of 1 recipients/);
    const history = await h.say(h.activities.message(priya, 'history Payroll API', team));
    assert.match(cardText(history), /"Change notice sent to business and IT teams" passed for Priya Project/);
    const checklist = await h.say(h.activities.message(priya, 'status Payroll API', team));
    assert.match(cardText(checklist), /Change communication/);
    assert.match(cardText(checklist), /New payroll portal/);
  });

  describe('who may acknowledge', () => {
    const dave = person('Dave Desk');
    let sent: Composed;
    let thread: string;
    let postedId: string;
    const acksOf = async (noticeId: string) =>
      (
        await h.app.cosmos.workloads.items
          .query<{ by: { aadObjectId: string } }>({ query: 'SELECT * FROM c WHERE c.type = "ack" AND c.noticeId = @n', parameters: [{ name: '@n', value: noticeId }] })
          .fetchAll()
      ).resources;
    const ack = (who: typeof alice, noticeId: string, place: Parameters<typeof h.activities.execute>[3], replyToId?: string) =>
      h.post(h.activities.execute(who, 'notice.ack', { workloadId, noticeId }, place, replyToId));

    before(async () => {
      sent = await compose(chloe, { ...downtime, title: 'For Releases and Alice', channels: releases.id, people: alice.aadObjectId });
      await sendNow(chloe, sent, 'ack-rule-msg');
      await settled(sent.noticeId);
      const posted = noticeSendsTo(releases.id, sent.noticeId)[0];
      assert.ok(posted?.activityId, 'the notice was posted in the Releases channel');
      postedId = posted.activityId;
      thread = `${releases.id};messageid=${postedId}`;
    });

    it('records an acknowledgement from a channel member pressing Acknowledge on the card posted in that channel', async () => {
      const res = await ack(dave, sent.noticeId, { conversationId: thread, conversationType: 'channel', teamId: team.teamId! }, postedId);
      assert.equal(res.status, 200);
      assert.match(cardText(res.body.value), /your acknowledgement is recorded|You acknowledged this notice/);
      assert.ok((await acksOf(sent.noticeId)).some((a) => a.by.aadObjectId === dave.aadObjectId));
    });

    it('answers someone the notice was not sent to with a sentence and stores nothing', async () => {
      for (const place of [personalChat(bob), team]) {
        const res = await ack(bob, sent.noticeId, place);
        assert.equal(res.status, 200);
        assert.match(cardText(res.body.value), /This notice was not sent to you/);
        assert.doesNotMatch(cardText(res.body.value), /For Releases and Alice/, 'the notice is not shown to them');
      }
      const acks = await acksOf(sent.noticeId);
      assert.ok(!acks.some((a) => a.by.aadObjectId === bob.aadObjectId), 'no acknowledgement from Bob');
      const progress = await h.post(h.activities.execute(chloe, 'notice.progress', { workloadId, noticeId: sent.noticeId }, team, 'ack-rule-msg'));
      const counts = cardText(progress.body.value);
      assert.match(counts, /Recipients\n2\n/);
      assert.match(counts, new RegExp(`Acknowledged\\n${acks.length}\\n`), 'only acknowledgements from recipients are counted');
    });

    it('accepts no acknowledgement of a notice that was never sent, not even from its future recipients', async () => {
      const drafted = await compose(chloe, { ...downtime, title: 'Still a draft', here: 'true', people: alice.aadObjectId });
      assert.equal((await notice(drafted.noticeId)).status, 'draft');
      for (const [who, place] of [
        [alice, personalChat(alice)],
        [chloe, team],
      ] as const) {
        const res = await ack(who, drafted.noticeId, place);
        assert.match(cardText(res.body.value), /This notice was not sent to you/);
      }
      assert.equal((await acksOf(drafted.noticeId)).length, 0);
    });
  });

  describe('fault paths', () => {
    const conv = (p: typeof alice) => `a:personal-${p.aadObjectId}`;
    const to = (p: typeof alice) => (r: { kind: string; conversationId?: string }) => r.kind === 'send' && r.conversationId === conv(p);

    it('waits out Retry-After on 429 and backs off on 503 and 412, then sends once', async () => {
      h.fake.failNext(1, { status: 429, retryAfterSeconds: 0, match: to(alice) });
      h.fake.failNext(2, { status: 503, match: to(bob) });
      h.fake.failNext(1, { status: 412, match: to(carol) });
      const composed = await compose(chloe, { ...downtime, title: 'Retry please', people: [alice, bob, carol].map((p) => p.aadObjectId).join(',') });
      await sendNow(chloe, composed, 'retry-msg');
      await settled(composed.noticeId);
      assert.equal((await deliveryTo(composed.noticeId, alice)).attempts, 2);
      assert.equal((await deliveryTo(composed.noticeId, bob)).attempts, 3);
      assert.equal((await deliveryTo(composed.noticeId, carol)).attempts, 2);
      for (const p of [alice, bob, carol]) {
        assert.equal((await deliveryTo(composed.noticeId, p)).status, 'sent');
        assert.equal(noticeSendsTo(conv(p), composed.noticeId).length, 1, `${p.name} got it once`);
      }
    });

    it('records a blocked bot as blocked, final, whichever code Teams uses', async () => {
      h.fake.blockUser(conv(alice));
      h.fake.blockUser(conv(bob), { code: 'MessageWritesBlocked' });
      const composed = await compose(chloe, { ...downtime, title: 'Blocked', people: [alice, bob].map((p) => p.aadObjectId).join(',') });
      await sendNow(chloe, composed, 'blocked-msg');
      await settled(composed.noticeId);
      for (const p of [alice, bob]) {
        const d = await deliveryTo(composed.noticeId, p);
        assert.equal(d.status, 'blocked');
        assert.equal(d.attempts, 1, 'not retried');
      }
      h.fake.unblockUser(conv(alice));
      h.fake.unblockUser(conv(bob));
    });

    it('recreates a stale 1:1 conversation once on 404, stores it, and sends there', async () => {
      h.fake.forgetConversation(conv(dora));
      const composed = await compose(chloe, { ...downtime, title: 'Stale chat', people: dora.aadObjectId });
      await sendNow(chloe, composed, 'stale-msg');
      await settled(composed.noticeId);
      const d = await deliveryTo(composed.noticeId, dora);
      const fresh = personalConversationId(teamsUserId(dora), TENANT);
      assert.equal(d.status, 'sent');
      assert.equal(d.recreated, true);
      assert.equal(d.recipient.kind === 'person' && d.recipient.conversationId, fresh);
      assert.equal(noticeSendsTo(fresh, composed.noticeId).length, 1);
      const stored = (await h.app.cosmos.conversations.item(`user:${dora.aadObjectId}`, `user:${dora.aadObjectId}`).read<{ conversationId: string }>()).resource;
      assert.equal(stored?.conversationId, fresh, 'the new conversation is kept');
    });

    it('records not found when the recreated conversation is stale too', async () => {
      // The stored chat is gone, and so is the one Teams answers when asked to recreate it.
      h.fake.forgetConversation(conv(evan));
      const fresh = personalConversationId(teamsUserId(evan), TENANT);
      h.fake.failNext(1, { status: 404, match: (r) => r.kind === 'send' && r.conversationId === fresh });
      const composed = await compose(chloe, { ...downtime, title: 'Gone', people: evan.aadObjectId });
      await sendNow(chloe, composed, 'gone-msg');
      await settled(composed.noticeId);
      const d = await deliveryTo(composed.noticeId, evan);
      assert.equal(d.status, 'notFound');
      assert.equal(h.fake.activities.filter((r) => r.kind === 'create' && r.conversationId === fresh).length >= 1, true);
    });

    it('gives up after the bounded attempts as failed, and re-sends to the failed on request', async () => {
      h.fake.failNext(3, { status: 503, match: to(bob) });
      const composed = await compose(chloe, { ...downtime, title: 'Flaky', people: [alice, bob].map((p) => p.aadObjectId).join(',') });
      await sendNow(chloe, composed, 'flaky-msg');
      await settled(composed.noticeId);
      const failed = await deliveryTo(composed.noticeId, bob);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.attempts, 3);
      assert.match(failed.lastError ?? '', /503/);
      const final = cardText(h.fake.updates('flaky-msg').at(-1)!.activity?.attachments?.[0]?.content);
      assert.match(final, /Failed\n1/);
      const resend = findAction(h.fake.updates('flaky-msg').at(-1)!.activity?.attachments?.[0]?.content, 'notice.resend');
      const res = await h.post(h.activities.execute(chloe, 'notice.resend', resend.data, team, 'flaky-msg'));
      assert.match(cardText(res.body.value), /Sending again to 1 failed recipient/);
      await settled(composed.noticeId);
      assert.equal((await deliveryTo(composed.noticeId, bob)).status, 'sent');
      assert.equal(noticeSendsTo(conv(bob), composed.noticeId).length, 1);
      assert.equal(noticeSendsTo(conv(alice), composed.noticeId).length, 1, 'Alice is not sent to again');
    });

    it('cancels a send in flight: recipients not reached get nothing', async () => {
      h.fake.failNext(50, { status: 429, retryAfterSeconds: 1, match: to(bob) });
      const composed = await compose(chloe, { ...downtime, title: 'Cancel me', people: [alice, bob].map((p) => p.aadObjectId).join(',') });
      await sendNow(chloe, composed, 'cancel-msg');
      await h.fake.waitFor((r) => r.kind === 'send' && r.conversationId === conv(alice) && JSON.stringify(r.activity).includes(composed.noticeId), 4000);
      const res = await h.post(h.activities.execute(chloe, 'notice.cancel', { workloadId, noticeId: composed.noticeId }, team, 'cancel-msg'));
      assert.match(cardText(res.body.value), /Cancelled: recipients not reached yet get nothing/);
      await settled(composed.noticeId);
      assert.equal((await deliveryTo(composed.noticeId, bob)).status, 'cancelled');
      assert.equal(noticeSendsTo(conv(bob), composed.noticeId).length, 0);
      assert.equal((await notice(composed.noticeId)).status, 'cancelled');
      h.fake.reset();
    });
  });
});

describe('change communication with a second approver', () => {
  let h: Harness;
  const team = teamChannel('approvals');

  before(async () => {
    h = await startHarness({ ...FAST_BROADCAST, NOTICE_APPROVAL: 'required' });
    h.fake.setRoster(
      team.teamId!,
      [priya, chloe, alice].map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: TENANT })),
    );
    await h.post(h.activities.installation(alice, 'add', personalChat(alice)));
    await h.say(h.activities.message(priya, 'new Ledger', team));
    const roles = findAction(await h.say(h.activities.message(priya, 'roles Ledger', team)), 'roles.save');
    await h.post(h.activities.execute(priya, 'roles.save', { ...roles.data, role: 'changeManager', people: `${priya.aadObjectId},${chloe.aadObjectId}` }, team));
  });
  after(() => h.close());

  it('sends nothing until a second change manager approves', async () => {
    const card = await h.say(h.activities.message(priya, 'notify Ledger', team));
    const previewAction = findAction(card, 'notice.preview');
    const preview = (await h.post(h.activities.execute(priya, 'notice.preview', { ...previewAction.data, ...downtime, people: alice.aadObjectId }, team))).body.value;
    const send = findAction(preview, 'notice.send');
    const waiting = (await h.post(h.activities.execute(priya, 'notice.send', send.data, team, 'approval-msg'))).body.value;
    assert.match(cardText(waiting), /Waiting for a second change manager to approve/);
    const approveAction = findAction(waiting, 'notice.approve');
    const own = (await h.post(h.activities.execute(priya, 'notice.approve', approveAction.data, team, 'approval-msg'))).body.value;
    assert.match(cardText(own), /the author cannot approve their own/);
    const byOutsider = (await h.post(h.activities.execute(alice, 'notice.approve', approveAction.data, team, 'approval-msg'))).body.value;
    assert.match(cardText(byOutsider), /Only a change manager of this workload can approve/);
    await new Promise((r) => setTimeout(r, 300));
    const notices = h.fake.sentTo(`a:personal-${alice.aadObjectId}`).filter((r) => !JSON.stringify(r.activity).includes('Welcome to Liftoff'));
    assert.equal(notices.length, 0, 'nothing sent before approval (the welcome of her install aside)');
    const approved = (await h.post(h.activities.execute(chloe, 'notice.approve', approveAction.data, team, 'approval-msg'))).body.value;
    assert.match(cardText(approved), /Approved by Chloe Change; sending/);
    await h.fake.waitFor((r) => r.kind === 'send' && r.conversationId === `a:personal-${alice.aadObjectId}`, 4000);
  });
});
