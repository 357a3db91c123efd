import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Harness, startHarness } from '../support/liftoff';
import { person, TENANT } from '../support/builders';
import { groupChat, personalChat, teamChannel } from '../support/teams';
import { startFakeConnector } from '../support/fakeConnector';
import { ActivityFactory } from '../support/teams';
import type { ConversationRecord } from '../../bot/conversations/model';

const priya = person('Priya');

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

describe('the Teams edge', () => {
  describe('with Bot Framework authentication on', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ MICROSOFT_APP_ID: '6a2b6b0e-0d1c-4c57-9d0a-3f4b8f3c2e11', MICROSOFT_APP_PASSWORD: 'not-a-real-secret' });
    });
    after(() => h.close());

    it('answers 401 to a request without a token, and runs no turn', async () => {
      const res = await h.post(h.activities.message(priya, 'new Secret Plan', personalChat(priya)));
      assert.equal(res.status, 401);
      assert.equal(h.fake.activities.length, 0);
      const { resources } = await h.app.cosmos.workloads.items.query('SELECT * FROM c').fetchAll();
      assert.equal(resources.length, 0);
    });
  });

  describe('install events', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness();
    });
    after(() => h.close());

    const read = async (id: string): Promise<ConversationRecord | undefined> => (await h.app.cosmos.conversations.item(id, id).read<ConversationRecord>()).resource;

    it('keeps the personal chat of the person who installed Liftoff, and forgets it on uninstall', async () => {
      const place = personalChat(priya);
      await h.post(h.activities.installation(priya, 'add', place));
      const stored = await read(`user:${priya.aadObjectId}`);
      assert.equal(stored?.kind, 'personal');
      assert.equal(stored?.conversationId, place.conversationId);
      assert.equal(stored?.serviceUrl, h.fake.url);
      assert.equal((stored?.reference as { conversation?: { id?: string } }).conversation?.id, place.conversationId);
      await h.post(h.activities.installation(priya, 'remove', place));
      assert.equal(await read(`user:${priya.aadObjectId}`), undefined);
    });

    it('keeps every channel of a team where Liftoff is installed, and forgets them all on uninstall', async () => {
      const place = teamChannel('ops');
      h.fake.setChannels(place.teamId!, [{ id: place.conversationId }, { id: '19:cutover@thread.tacv2', name: 'Cutover' }]);
      await h.post(h.activities.installation(priya, 'add', place));
      assert.equal((await read(place.conversationId))?.kind, 'channel');
      assert.equal((await read('19:cutover@thread.tacv2'))?.name, 'Cutover');
      assert.equal((await read('19:cutover@thread.tacv2'))?.teamId, place.teamId);
      await h.post(h.activities.installation(priya, 'remove', place));
      assert.equal(await read(place.conversationId), undefined);
      assert.equal(await read('19:cutover@thread.tacv2'), undefined);
    });

    it('keeps a group chat', async () => {
      const place = groupChat('cab');
      await h.post(h.activities.installation(priya, 'add', place));
      assert.equal((await read(place.conversationId))?.kind, 'groupChat');
    });
  });

  describe('tenant and channel filter', () => {
    let h: Harness;
    const allowed = TENANT;
    before(async () => {
      h = await startHarness({ ALLOWED_TENANTS: allowed });
    });
    after(() => h.close());

    it('answers people of an allowed tenant', async () => {
      const card = await h.say(h.activities.message(priya, 'help', personalChat(priya)));
      assert.equal(card.type, 'AdaptiveCard');
    });

    it('ignores a tenant that is not allowed, storing and sending nothing', async () => {
      const before = h.fake.lastSeq;
      const res = await h.post(h.activities.message(priya, 'new Intruder', { ...personalChat(priya), tenantId: '99999999-9999-4999-8999-999999999999' }));
      assert.ok(res.status < 300);
      assert.equal(h.fake.activities.filter((r) => r.seq > before).length, 0);
      const { resources } = await h.app.cosmos.workloads.items.query('SELECT * FROM c WHERE c.name = "Intruder"').fetchAll();
      assert.equal(resources.length, 0);
    });

    it('ignores channels other than Microsoft Teams', async () => {
      const before = h.fake.lastSeq;
      await h.post({ ...h.activities.message(priya, 'help', personalChat(priya)), channelId: 'webchat' });
      assert.equal(h.fake.activities.filter((r) => r.seq > before).length, 0);
    });
  });

  describe('the process', () => {
    it('stops start-up with one sentence naming a wrong variable', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bot/index.ts'], { env: { ...process.env, PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const [code] = await once(child, 'exit');
      assert.equal(code, 1);
      assert.match(stderr, /Liftoff cannot start: PORT must be a port number from 0 to 65535, not "eighty"\./);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    });

    it('finishes an in-flight turn on SIGTERM, then exits cleanly', async function () {
      this.timeout(30_000);
      const fake = await startFakeConnector({ latencyMs: 1500 });
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', 'bot/index.ts'], {
        env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      try {
        for (let i = 0; i < 200 && !/Liftoff is listening/.test(stdout); i += 1) await new Promise((r) => setTimeout(r, 50));
        assert.match(stdout, /ALL DATA IS IN MEMORY/, 'says loudly that the embedded store is in memory');
        const activity = new ActivityFactory(fake.url).message(priya, 'help', personalChat(priya));
        const pending = fetch(`http://127.0.0.1:${port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
        await new Promise((r) => setTimeout(r, 300));
        child.kill('SIGTERM');
        const res = await pending;
        assert.equal(res.status, 200, 'the in-flight turn was answered');
        const [code] = await once(child, 'exit');
        assert.equal(code, 0);
        assert.equal(fake.sentTo(personalChat(priya).conversationId).length, 1, 'the reply reached Teams');
        assert.match(stdout, /stopped cleanly/);
      } finally {
        child.kill('SIGKILL');
        await fake.close();
      }
    });
  });
});
