/**
 * The fan-out's and the sender's store calls alone, against the embedded Cosmos DB server in a process of its own (as
 * `bench:broadcast` starts it), behind the counting proxy: `N=20000 PAGE=1000 npx tsx test/bench/fanoutStore.ts`.
 * Seeds N 1:1 conversations, then times the audience read (`inTenantPages`, pages of PAGE) against the deliveries'
 * writes (`addDeliveries`), then two work pages of 1,000 and one status count. Not part of `npm test`; last line JSON.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { connectCosmos } from '../../bot/store/cosmos';
import { createLogger } from '../../bot/log';
import { CosmosConversationRepository } from '../../bot/store/conversationRepository';
import { CosmosNoticeRepository } from '../../bot/store/noticeRepository';
import { startCountingProxy } from '../support/cosmosRequests';
const N = Number(process.env.N ?? 20000);
const PAGE = Number(process.env.PAGE ?? 1000);
async function main() {
  const script =
    "const { createHttpServer } = require('@vercel/cosmosdb-server'); const server = createHttpServer(); server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));";
  const child = spawn(process.execPath, ['-e', script], { cwd: resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((r) => child.stdout.once('data', (c: Buffer) => r(JSON.parse(c.toString()).port)));
  const proxy = await startCountingProxy(`http://127.0.0.1:${port}`, []);
  const store = await connectCosmos({ mode: 'key', endpoint: proxy.endpoint, key: Buffer.from('b').toString('base64'), database: 'x' }, createLogger('silent'));
  const T = 't1';
  let t = Date.now();
  const docs = Array.from({ length: N }, (_, i) => ({
    id: `user:${i}`,
    type: 'conversation',
    kind: 'personal',
    tenantId: T,
    conversationId: `a:${i}`,
    serviceUrl: 'http://x',
    user: { aadObjectId: `${i}`, teamsUserId: `29:${i}`, name: `P ${i}` },
    reference: { serviceUrl: 'http://x', channelId: 'msteams', conversation: { id: `a:${i}` } },
    installedAt: new Date().toISOString(),
  }));
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < docs.length) await store.conversations.items.create(docs[next++]!);
    }),
  );
  console.log('seed', (Date.now() - t) / 1000);
  proxy.reset();
  const convs = new CosmosConversationRepository(store.conversations);
  const notices = new CosmosNoticeRepository(store.workloads);
  let read = 0,
    write = 0,
    n = 0;
  t = Date.now();
  let p = Date.now();
  for await (const page of convs.inTenantPages(T, 'personal', PAGE)) {
    read += Date.now() - p;
    p = Date.now();
    await notices.addDeliveries(
      'w1',
      page.map(
        (c) => ({ id: `n1:${c.id}`, workloadId: 'w1', type: 'delivery', noticeId: 'n1', status: 'pending', recipient: { kind: 'person', aadObjectId: c.user!.aadObjectId }, attempts: 0 }) as any,
      ),
    );
    write += Date.now() - p;
    n += page.length;
    if (n % 5000 === 0) console.log(n, read, write);
    p = Date.now();
  }
  console.log(JSON.stringify({ N, PAGE, n, totalS: (Date.now() - t) / 1000, readS: read / 1000, writeS: write / 1000, requests: proxy.counts() }));
  proxy.reset();
  t = Date.now();
  const w = await notices.workFor({ id: 'n1', workloadId: 'w1', contentRev: 1, remindRev: 0 }, 1000);
  const w1 = Date.now() - t;
  t = Date.now();
  const w2 = await notices.workFor({ id: 'n1', workloadId: 'w1', contentRev: 1, remindRev: 0 }, 1000, w[w.length - 1]!.id);
  console.log(JSON.stringify({ workPage1Ms: w1, workPage2Ms: Date.now() - t, len: w.length + w2.length, requests: proxy.counts() }));
  t = Date.now();
  await notices.statusCounts('w1', 'n1');
  console.log(JSON.stringify({ statusCountsMs: Date.now() - t }));
  child.kill();
  process.exit(0);
}
void main();
