import { strict as assert } from 'node:assert';
import type { Server } from 'node:http';
import { connectCosmos, CosmosStore, startEmbeddedCosmos } from '../../bot/store/cosmos';
import { createLogger } from '../../bot/log';
import { CosmosNoticeRepository } from '../../bot/store/noticeRepository';
import { CosmosSenderCoordination } from '../../bot/store/coordinationRepository';
import { CosmosWorkloadRepository } from '../../bot/store/workloadRepository';
import { ReleaseService } from '../../bot/release/service';
import { BroadcastService } from '../../bot/broadcast/service';
import type { Notice } from '../../bot/broadcast/model';
import { FakeConnector, personalConversationId, startFakeConnector } from '../support/fakeConnector';
import { LiftoffProcess, runNode as run, spawnLiftoff } from '../support/process';
import { person, TENANT } from '../support/builders';

const KEY = Buffer.from('liftoff-test').toString('base64');
const RECIPIENTS = 40;

type Bot = LiftoffProcess;

function startBot(endpoint: string): Bot {
  return spawnLiftoff(endpoint, KEY, { BROADCAST_RATE_PER_SECOND: '8', BROADCAST_LEASE_SECONDS: '2', BROADCAST_PROGRESS_SECONDS: '0.5' });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('two Liftoff processes on one Cosmos DB', function () {
  this.timeout(90_000);
  const chloe = person('Chloe Change');
  let server: Server;
  let endpoint: string;
  let store: CosmosStore;
  let fake: FakeConnector;
  const bots: Bot[] = [];

  /** Creates a workload of its own and starts sending a notice to every recipient; the bots do the sending. */
  async function sendToEveryone(name: string): Promise<{ noticeId: string; settled: () => Promise<Notice>; decide: (choice: 'resend' | 'leave') => ReturnType<BroadcastService['decideUncertain']> }> {
    const release = new ReleaseService(new CosmosWorkloadRepository(store.workloads));
    const created = await release.create({ name, scope: { tenantId: TENANT, scopeId: '19:t@thread.tacv2', conversationId: '19:t@thread.tacv2' }, actor: chloe });
    assert.equal(created.kind, 'created');
    const workload = created.kind === 'created' ? created.workload : undefined;
    const notices = new CosmosNoticeRepository(store.workloads);
    const broadcast = new BroadcastService(notices, new CosmosSenderCoordination(store.broadcast), release, { approvalRequired: false });
    const noticeId = broadcast.newNoticeId(workload!.workloadId);
    const draft = await broadcast.saveDraft({
      workload: workload!,
      noticeId,
      actor: chloe,
      content: { kind: 'general', title: `${name} moves`, body: 'It moves to Azure.' },
      audience: { channelIds: [], teamIds: [], people: [], everyone: true },
    });
    assert.equal(draft.kind, 'saved');
    await broadcast.send({ workload: workload!, noticeId, actor: chloe, rev: 1 });
    const settled = () =>
      until('the notice to settle', 30_000, async () => {
        const n = await notices.get(workload!.workloadId, noticeId);
        return n?.status === 'sent' && n.settledRev === n.rev ? n : undefined;
      });
    const decide = (choice: 'resend' | 'leave') => broadcast.decideUncertain({ workload: workload!, noticeId, actor: chloe, choice });
    return { noticeId, settled, decide };
  }

  /** Copies of the notice each conversation got from the fake Teams. */
  function copiesOf(noticeId: string): Map<string, number> {
    const perConversation = new Map<string, number>();
    for (const r of fake.activities) if (r.kind === 'send' && JSON.stringify(r.activity).includes(noticeId)) perConversation.set(r.conversationId, (perConversation.get(r.conversationId) ?? 0) + 1);
    return perConversation;
  }

  /** Kills the process holding the tenant's lease and waits for the other one to take it. */
  async function killTheHolder(): Promise<void> {
    const first = (await store.broadcast.item(`lease:${TENANT}`, `lease:${TENANT}`).read<{ holder: string; epoch: number }>()).resource!;
    const holder = bots.find((b) => b.process.exitCode === null && first.holder.includes(`:${b.process.pid}:`))!;
    const survivor = bots.find((b) => b !== holder && b.process.exitCode === null)!;
    assert.ok(holder && survivor, `the lease names one of the two processes (${first.holder})`);
    await until('the other process to start', 30_000, () => (survivor.lines.some((l) => l.includes('"event":"started"')) ? true : undefined));
    const acquired = () => survivor.lines.filter((l) => l.includes('broadcast.lease_acquired')).length;
    const before = acquired();
    holder.process.kill('SIGKILL');
    await until('the survivor to take the lease', 20_000, () => (acquired() > before ? true : undefined));
    bots.splice(bots.indexOf(holder), 1, startBot(endpoint));
  }

  before(async () => {
    ({ server, endpoint } = await startEmbeddedCosmos());
    store = await connectCosmos({ mode: 'key', endpoint, key: KEY, database: 'liftoff' }, createLogger('silent'));
    fake = await startFakeConnector({ rateLimits: { globalPerSecond: 50, perConversation: true } });
    for (let i = 0; i < RECIPIENTS; i += 1) {
      const who = person(`Recipient ${i}`);
      const conversationId = personalConversationId(`29:r${i}`, TENANT);
      await store.conversations.items.create({
        id: `user:${who.aadObjectId}`,
        type: 'conversation',
        conversationId,
        kind: 'personal',
        tenantId: TENANT,
        serviceUrl: fake.url,
        user: { aadObjectId: who.aadObjectId, teamsUserId: `29:r${i}`, name: who.name },
        reference: { conversation: { id: conversationId } },
        installedAt: new Date().toISOString(),
      });
    }
    bots.push(startBot(endpoint), startBot(endpoint));
    await until('both processes to start', 30_000, () => (bots.every((b) => b.lines.some((l) => l.includes('"event":"started"'))) ? true : undefined));
  });

  after(async () => {
    for (const bot of bots) if (bot.process.exitCode === null) bot.process.kill('SIGKILL');
    await fake.close();
    await store.close();
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  });

  it('moves the sender lease to the other process when the holder is killed, and the notice reaches everyone', async () => {
    const sentBefore = fake.stats.sent;
    const { noticeId, settled } = await sendToEveryone('Ledger');

    await until('some sends', 20_000, () => (fake.stats.sent >= sentBefore + 10 ? true : undefined));
    const first = (await store.broadcast.item(`lease:${TENANT}`, `lease:${TENANT}`).read<{ holder: string; epoch: number }>()).resource!;
    const holder = bots.find((b) => first.holder.includes(`:${b.process.pid}:`))!;
    const survivor = bots.find((b) => b !== holder)!;
    assert.ok(holder && survivor, `the lease names one of the two processes (${first.holder})`);
    const acquired = () => survivor.lines.filter((l) => l.includes('broadcast.lease_acquired')).length;
    const before = acquired();
    holder.process.kill('SIGKILL');
    bots.splice(bots.indexOf(holder), 1, startBot(endpoint));

    await until('the survivor to take the lease', 20_000, () => (acquired() > before ? true : undefined));
    const moved = (await store.broadcast.item(`lease:${TENANT}`, `lease:${TENANT}`).read<{ holder: string; epoch: number }>()).resource!;
    assert.ok(moved.holder.includes(`:${survivor.process.pid}:`), 'the survivor holds the lease');
    assert.ok(moved.epoch > first.epoch, 'the lease changed hands');

    const done = await settled();
    assert.equal(done.total, RECIPIENTS);
    const deliveries = await new CosmosNoticeRepository(store.workloads).deliveries(done.workloadId, noticeId);
    const statuses = new Set(deliveries.map((d) => d.status));
    assert.ok(
      [...statuses].every((s) => s === 'sent' || s === 'uncertain'),
      `every delivery is sent, or uncertain if the kill caught it (${[...statuses].join(', ')})`,
    );
    const perConversation = copiesOf(noticeId);
    assert.ok(perConversation.size >= RECIPIENTS - deliveries.filter((d) => d.status === 'uncertain').length, 'nobody is lost');
    assert.deepEqual(
      [...perConversation.values()].filter((n) => n > 1),
      [],
      'nobody got two copies',
    );
  });

  it('records as uncertain what a killed sender had posted but not recorded, sends it to nobody twice, and re-sends only when the author asks', async () => {
    const heldConversations = [3, 4].map((i) => personalConversationId(`29:r${i}`, TENANT));
    const { noticeId, settled, decide } = await sendToEveryone('Archive');
    // Teams holds the answer to two posts: the sender has posted them and waits, as in the window a crash can hit.
    const held = fake.hold((req) => req.kind === 'send' && heldConversations.includes(req.conversationId ?? '') && JSON.stringify(req.body).includes(noticeId));
    await until('both posts to be waiting for Teams', 20_000, () => (held.count === 2 ? true : undefined));
    await killTheHolder();
    held.release();

    const done = await settled();
    const notices = new CosmosNoticeRepository(store.workloads);
    const uncertain = (await notices.deliveries(done.workloadId, noticeId)).filter((d) => d.status === 'uncertain').map((d) => d.recipient.conversationId ?? d.id);
    assert.ok(
      heldConversations.every((c) => uncertain.includes(c)),
      `the two held posts are uncertain (${uncertain.join(', ')})`,
    );
    const broadcast = new BroadcastService(notices, new CosmosSenderCoordination(store.broadcast), new ReleaseService(new CosmosWorkloadRepository(store.workloads)), { approvalRequired: false });
    const progress = await broadcast.progress(done);
    assert.equal(progress.uncertain, uncertain.length, 'the progress card counts them');
    assert.equal(progress.sent + progress.uncertain, RECIPIENTS, 'every recipient ends sent or uncertain');
    assert.deepEqual(
      [...copiesOf(noticeId).values()].filter((n) => n > 1),
      [],
      'nobody got two copies',
    );
    for (const c of heldConversations) assert.equal(copiesOf(noticeId).get(c), 1, 'the held posts reached Teams once, after the sender died');

    const resent = await decide('resend');
    assert.equal(resent.requeued, uncertain.length);
    const again = await until('the re-send to settle', 30_000, async () => {
      const n = await notices.get(done.workloadId, noticeId);
      return n?.status === 'sent' && n.settledRev === n.rev && n.rev > done.rev ? n : undefined;
    });
    assert.equal((await broadcast.progress(again)).uncertain, 0);
    for (const c of heldConversations) assert.equal(copiesOf(noticeId).get(c), 2, 'a second copy, because the author chose it');
  });

  it('keeps a scheduled notice in Cosmos DB across a restart of every process, sends it once due, and leaves one not yet due alone', async () => {
    const release = new ReleaseService(new CosmosWorkloadRepository(store.workloads));
    const created = await release.create({ name: 'Calendar', scope: { tenantId: TENANT, scopeId: '19:t@thread.tacv2', conversationId: '19:t@thread.tacv2' }, actor: chloe });
    assert.equal(created.kind, 'created');
    const workload = created.kind === 'created' ? created.workload : undefined;
    const notices = new CosmosNoticeRepository(store.workloads);
    // Due at the start of this minute: the author scheduled it a minute before, on the author's clock.
    const dueAt = Math.floor(Date.now() / 60_000) * 60_000;
    const authorClock = () => new Date(dueAt - 60_000);
    const broadcast = new BroadcastService(notices, new CosmosSenderCoordination(store.broadcast), release, { approvalRequired: false }, () => undefined, authorClock);
    const at = (ms: number) => ({ sendDate: new Date(ms).toISOString().slice(0, 10), sendTime: new Date(ms).toISOString().slice(11, 16), timeZone: 'UTC' });
    const schedule = async (title: string, sendAt: ReturnType<typeof at>) => {
      const noticeId = broadcast.newNoticeId(workload!.workloadId);
      const draft = await broadcast.saveDraft({
        workload: workload!,
        noticeId,
        actor: chloe,
        content: { kind: 'general', title, body: 'It moves to Azure.' },
        audience: { channelIds: [], teamIds: [], people: [], everyone: true },
        sendAt,
      });
      assert.equal(draft.kind, 'saved', draft.kind === 'saved' ? '' : draft.message);
      const sent = await broadcast.send({ workload: workload!, noticeId, actor: chloe, rev: 1 });
      assert.equal(sent?.notice.status, 'scheduled');
      return noticeId;
    };

    for (const bot of bots) bot.process.kill('SIGKILL');
    await until('every process to stop', 10_000, () => (bots.every((b) => b.process.exitCode !== null || b.process.signalCode !== null) ? true : undefined));
    const dueNow = await schedule('Calendar moves today', at(dueAt));
    const tomorrow = await schedule('Calendar moves tomorrow', at(dueAt + 86_400_000));
    bots.splice(0, bots.length, startBot(endpoint), startBot(endpoint));

    const done = await until('the due notice to settle', 60_000, async () => {
      const n = await notices.get(workload!.workloadId, dueNow);
      return n?.status === 'sent' && n.settledRev === n.rev ? n : undefined;
    });
    assert.equal(done.schedule?.at, new Date(dueAt).toISOString());
    assert.equal(copiesOf(dueNow).size, RECIPIENTS, 'everyone got the due notice');
    const later = await notices.get(workload!.workloadId, tomorrow);
    assert.equal(later?.status, 'scheduled', 'the notice due tomorrow waits');
    assert.equal(copiesOf(tomorrow).size, 0, 'and nobody got it');
    assert.equal((await new CosmosSenderCoordination(store.broadcast).outbox()).find((e) => e.noticeId === tomorrow)?.dueAt, dueAt + 86_400_000, 'it waits in the outbox with its time');

    const cancelled = await broadcast.cancel({ workload: workload!, noticeId: tomorrow, actor: chloe });
    assert.equal(cancelled?.notice.status, 'cancelled', 'the author can cancel it before it goes');
  });

  it('exports the per-recipient outcome as CSV from the command line, reading the same Cosmos', async () => {
    const { noticeId, settled } = await sendToEveryone('Journal');
    await settled();
    const result = await run(['--import', 'tsx', 'scripts/liftoff.ts', 'deliveries', noticeId], {
      ...process.env,
      COSMOS_ENDPOINT: endpoint,
      COSMOS_KEY: KEY,
      COSMOS_DATABASE: 'liftoff',
      LOG_LEVEL: 'silent',
    });
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines[0], 'recipient,kind,name,conversationId,status,attempts,activityId,sentAt,finishedAt,lastError,acknowledged,acknowledgedBy,acknowledgedAt');
    assert.equal(lines.length, RECIPIENTS + 1);
    assert.ok(
      lines.slice(1).every((l) => /^user:[^,]+,person,Recipient \d+,a:[^,]+,sent,\d,\d+,/.test(l)),
      lines[1],
    );
  });

  it('says in one sentence that the embedded Cosmos cannot be read from outside', async () => {
    const env = { ...process.env };
    delete env.COSMOS_ENDPOINT;
    delete env.COSMOS_KEY;
    const result = await run(['--import', 'tsx', 'scripts/liftoff.ts', 'deliveries', `${TENANT}:ledger:notice-1`], env);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /the embedded Cosmos DB lives only in the memory of a running Liftoff/);
  });
});
