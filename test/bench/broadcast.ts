/**
 * Broadcast benchmark: `npm run bench:broadcast`. Not part of `npm test`.
 *
 * This process plays Teams, and starts Azure's part: an embedded Cosmos DB server in a process of its own (as production
 * has Cosmos DB elsewhere, so its scans do not stall the fake Teams), and a fake Bot Connector here that enforces a global
 * rate and Teams' per-conversation windows, answering 429 with Retry-After when they are exceeded. Liftoff itself runs
 * as child processes (`node dist/bot/index.js`), pointed at both, so a "crash" is a real SIGKILL.
 *
 * - paced: 10,000 recipients (`BENCH_RECIPIENTS`), the sender's ceiling at Teams' 50/s (adaptive pacing below it),
 *   against a connector allowing Teams' 50/s, with 3% 429, 1% 503, 0.5% 403 blocked and 0.5% 404 injected; two
 *   processes run, as in production, the sender is killed once mid-run and the standby takes over when the lease (3 s) lapses.
 * - headroom: 50,000 recipients (`BENCH_HEADROOM_RECIPIENTS`), connector limit 2,000/s, no faults, sender configured at
 *   2,000/s: the engine's own speed, and its memory at five times the audience.
 * `BENCH_ONLY=paced` or `BENCH_ONLY=headroom` runs one of the two.
 * `BENCH_SETTLE_TIMEOUT_S` (default 1200) bounds the wait for a notice to settle; a headroom part that runs out of it
 * reports how far it got (`headroomError`) and the line is printed all the same.
 *
 * Liftoff runs as production does, from the compiled build (`dist/`, built first when missing or stale), Cosmos DB
 * in another process. The last line printed is one JSON object with the figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { connectCosmos, CosmosStore } from '../../bot/store/cosmos';
import { createLogger } from '../../bot/log';
import { CosmosNoticeRepository } from '../../bot/store/noticeRepository';
import { CosmosSenderCoordination } from '../../bot/store/coordinationRepository';
import { CosmosWorkloadRepository } from '../../bot/store/workloadRepository';
import { ReleaseService } from '../../bot/release/service';
import { BroadcastService } from '../../bot/broadcast/service';
import type { Delivery } from '../../bot/broadcast/model';
import type { ConversationRecord } from '../../bot/conversations/model';
import { spawnLiftoff } from '../support/process';
import { personalConversationId, startFakeConnector, FakeConnector } from '../support/fakeConnector';
import { build, buildReason } from '../../scripts/start';

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 10_000);
const HEADROOM_RECIPIENTS = Number(process.env.BENCH_HEADROOM_RECIPIENTS ?? 50_000);
const ONLY = process.env.BENCH_ONLY;
/** Longest wait for a notice to settle (`BENCH_SETTLE_TIMEOUT_S`): the headroom part then reports how far it got. */
const SETTLE_TIMEOUT_MS = Number(process.env.BENCH_SETTLE_TIMEOUT_S ?? 1200) * 1000;
/** How far the run under way got: what a timed-out part reports. */
const sofar = { sent: 0, seconds: 0, peakRssMb: 0 };
const TEAMS_RATE = 50;
const HEADROOM_RATE = 2000;
const LEASE_SECONDS = 3;
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const log = createLogger('silent');
const author = { aadObjectId: '00000000-0000-4000-8000-000000000a11', name: 'Chloe Change' };

interface Child {
  process: ChildProcess;
  lines: string[];
  peakRssMb(): number;
}

/** Starts one Liftoff process against the bench's Cosmos, paced as given. */
function startLiftoff(endpoint: string, rate: number, name: string): Child {
  const { process: child, lines } = spawnLiftoff(
    endpoint,
    Buffer.from('bench').toString('base64'),
    {
      BROADCAST_RATE_PER_SECOND: String(rate),
      BROADCAST_LEASE_SECONDS: String(LEASE_SECONDS),
      ...(process.env.BENCH_SENDER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SENDER_NODE_OPTIONS } : {}),
    },
    (line) => {
      if (!line.includes('DeprecationWarning') && !line.includes('--trace-deprecation')) process.stderr.write(`[${name}] ${line}\n`);
    },
    'compiled',
  );
  let peak = 0;
  const sample = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
    } catch {
      // The process is gone; its last sample stands.
    }
  }, 200);
  child.once('exit', () => clearInterval(sample));
  return { process: child, lines, peakRssMb: () => peak };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

interface Setup {
  store: CosmosStore;
  stopCosmos(): Promise<void>;
  fake: FakeConnector;
  broadcast: BroadcastService;
  notices: CosmosNoticeRepository;
  workloadId: string;
  endpoint: string;
  /** Recipient index by conversation id. */
  recipientOf: Map<string, number>;
}

/**
 * The embedded Cosmos DB server in a process of its own, as production has Cosmos DB elsewhere: its query scans do not
 * stall the fake Teams and the bench's own reads, which run in this process.
 */
async function startCosmosProcess(): Promise<{ endpoint: string; process: ChildProcess; peakRssMb(): number }> {
  const script =
    "const { createHttpServer } = require('@vercel/cosmosdb-server'); const server = createHttpServer();" +
    "server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));";
  const child = spawn(process.execPath, ['-e', script], { cwd: resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolvePort, reject) => {
    child.once('exit', (code) => reject(new Error(`the Cosmos DB process exited ${code}`)));
    child.stdout.once('data', (chunk: Buffer) => resolvePort((JSON.parse(chunk.toString()) as { port: number }).port));
  });
  let peak = 0;
  const sample = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
    } catch {
      // Gone.
    }
  }, 1000);
  child.once('exit', () => clearInterval(sample));
  return { endpoint: `http://127.0.0.1:${port}`, process: child, peakRssMb: () => peak };
}

async function setUp(rateLimits: { globalPerSecond: number }, recipients: number): Promise<Setup> {
  const cosmos = await startCosmosProcess();
  const store = await connectCosmos({ mode: 'key', endpoint: cosmos.endpoint, key: Buffer.from('bench').toString('base64'), database: 'liftoff' }, log);
  const fake = await startFakeConnector({ rateLimits: { ...rateLimits, perConversation: true } });
  const release = new ReleaseService(new CosmosWorkloadRepository(store.workloads));
  const created = await release.create({ name: 'Payroll API', scope: { tenantId: TENANT, scopeId: '19:team@thread.tacv2', conversationId: '19:team@thread.tacv2' }, actor: author });
  if (created.kind !== 'created') throw new Error('could not create the workload');
  const recipientOf = new Map<string, number>();
  const records: ConversationRecord[] = Array.from({ length: recipients }, (_, i) => {
    const aadObjectId = `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`;
    const teamsUserId = `29:bench-${i}`;
    // The id Teams (and the fake) answers when the chat is recreated after a 404: the same chat.
    const conversationId = personalConversationId(teamsUserId, TENANT);
    recipientOf.set(conversationId, i);
    return {
      id: `user:${aadObjectId}`,
      conversationId,
      kind: 'personal',
      tenantId: TENANT,
      serviceUrl: fake.url,
      user: { aadObjectId, teamsUserId, name: `Person ${i}` },
      reference: { serviceUrl: fake.url, channelId: 'msteams', conversation: { id: conversationId } },
      installedAt: new Date().toISOString(),
    };
  });
  await pool(records, 64, async (record) => {
    await store.conversations.items.create({ ...record, type: 'conversation' });
  });
  const notices = new CosmosNoticeRepository(store.workloads);
  const broadcast = new BroadcastService(notices, new CosmosSenderCoordination(store.broadcast), release, { approvalRequired: false });
  return {
    store,
    async stopCosmos() {
      await store.close();
      process.stderr.write(`Cosmos DB process: peak RSS ${cosmos.peakRssMb().toFixed(0)} MB\n`);
      const exited = new Promise((r) => cosmos.process.once('exit', r));
      cosmos.process.kill('SIGTERM');
      await exited;
    },
    fake,
    broadcast,
    notices,
    workloadId: created.workload.workloadId,
    endpoint: cosmos.endpoint,
    recipientOf,
  };
}

/** Composes a downtime notice to everyone and presses Send, as the author would; resolves with its id. */
async function sendToEveryone(setup: Setup): Promise<string> {
  const workload = (await new CosmosWorkloadRepository(setup.store.workloads).get(setup.workloadId))!;
  const noticeId = setup.broadcast.newNoticeId(workload.workloadId);
  const draft = await setup.broadcast.saveDraft({
    workload,
    noticeId,
    actor: author,
    content: {
      kind: 'downtime',
      title: 'Payroll API offline Saturday night',
      body: 'The **Payroll API** moves to Azure.',
      startsAt: '2026-11-28T22:00',
      endsAt: '2026-11-29T02:00',
      timeZone: 'Europe/Paris',
      impact: 'Payslips unavailable',
      contact: 'payroll@contoso.example',
    },
    audience: { channelIds: [], teamIds: [], people: [], everyone: true },
  });
  if (draft.kind !== 'saved') throw new Error(draft.message);
  const sent = await setup.broadcast.send({
    workload,
    noticeId,
    actor: author,
    rev: draft.notice.rev,
    progress: { conversationId: 'a:bench-author', serviceUrl: setup.fake.url, activityId: 'bench-progress' },
  });
  if (sent?.kind !== 'changed') throw new Error('the notice was not sent');
  return noticeId;
}

interface Outcome {
  seconds: number;
  delivered: number;
  duplicates: number;
  lost: number;
  finalFailures: number;
  statuses: Record<string, number>;
  recordLagMs: number[];
  peakRssMb: number;
  handoverSeconds?: number;
  requests: number;
  uncertain: number;
  teamsRequests: number;
  timeline: Timeline;
}

/** Where the run's time went, from when the fake Teams answered each request for the notice. */
interface Timeline {
  /** Press Send → Teams' first answer: saving the notice, the lease, the fan-out's first page. */
  toFirstAnswerS: number;
  /** The longest pause between two answers: the takeover after the kill. */
  longestPauseS: number;
  /** Teams' last answer → the notice settled (final progress card, outbox emptied, the bench seeing it). */
  afterLastAnswerS: number;
  /** Answers a second from the first to the last, the longest pause left out. */
  steadyRps: number;
}

function timelineOf(fake: FakeConnector, started: number, ended: number): Timeline {
  const answered = [...fake.activities.map((r) => r.timestamp), ...fake.rejections.filter((r) => r.reason !== 'globalLimit' && r.reason !== 'conversationLimit').map((r) => r.timestamp)].sort(
    (a, b) => a - b,
  );
  if (answered.length === 0) return { toFirstAnswerS: 0, longestPauseS: 0, afterLastAnswerS: 0, steadyRps: 0 };
  let longest = 0;
  for (let i = 1; i < answered.length; i += 1) longest = Math.max(longest, answered[i]! - answered[i - 1]!);
  const first = answered[0]!;
  const last = answered[answered.length - 1]!;
  const round = (ms: number) => Number((ms / 1000).toFixed(2));
  return {
    toFirstAnswerS: round(first - started),
    longestPauseS: round(longest),
    afterLastAnswerS: round(ended - last),
    steadyRps: Number(((answered.length * 1000) / Math.max(1, last - first - longest)).toFixed(1)),
  };
}

function settledLog(children: Child[]): number[] {
  const lags: number[] = [];
  for (const child of children) {
    for (const line of child.lines) {
      if (!line.includes('broadcast.record_lag')) continue;
      const parsed = JSON.parse(line) as { samplesMs?: number[] };
      lags.push(...(parsed.samplesMs ?? []));
    }
  }
  return lags;
}

async function run(name: string, setup: Setup, rate: number, recipients: number, killAt?: number): Promise<Outcome> {
  const children: Child[] = [startLiftoff(setup.endpoint, rate, `${name}-1`)];
  await waitFor('Liftoff to start', 60_000, () => (children[0]!.lines.some((l) => l.includes('"event":"started"')) ? true : undefined));
  // The standby instance, running before the notice as a second instance runs in production.
  const second = killAt !== undefined ? startLiftoff(setup.endpoint, rate, `${name}-2`) : undefined;
  if (second) {
    children.push(second);
    await waitFor('the standby to start', 60_000, () => (second.lines.some((l) => l.includes('"event":"started"')) ? true : undefined));
  }
  const started = Date.now();
  const noticeId = await sendToEveryone(setup);
  const noticeSends = () => setup.fake.stats.sent;
  let handoverSeconds: number | undefined;
  if (killAt !== undefined && second) {
    await waitFor('half the notices to go out', 600_000, () => (noticeSends() >= killAt ? true : undefined));
    // Kill whichever process holds the tenant's lease; the other one takes over.
    const lease = (await setup.store.broadcast.item(`lease:${TENANT}`, `lease:${TENANT}`).read<{ holder: string }>()).resource;
    const holderAt = children.findIndex((c) => lease?.holder.includes(`:${c.process.pid}:`));
    const [holder] = children.splice(holderAt < 0 ? 0 : holderAt, 1);
    children.unshift(holder!);
    const standby = children[1]!;
    const acquiredBefore = standby.lines.filter((l) => l.includes('broadcast.lease_acquired')).length;
    holder!.process.kill('SIGKILL');
    const killedAt = Date.now();
    process.stderr.write(`[${name}] killed the sender after ${noticeSends()} sends, ${((killedAt - started) / 1000).toFixed(1)} s in\n`);
    await waitFor('the lease to move', 60_000, () => (standby.lines.filter((l) => l.includes('broadcast.lease_acquired')).length > acquiredBefore ? true : undefined));
    handoverSeconds = (Date.now() - killedAt) / 1000;
    process.stderr.write(`[${name}] the second process took the lease ${handoverSeconds.toFixed(1)} s after the kill\n`);
  }
  let lastReport = Date.now();
  await waitFor('the notice to settle', SETTLE_TIMEOUT_MS, async () => {
    Object.assign(sofar, { sent: noticeSends(), seconds: (Date.now() - started) / 1000, peakRssMb: Math.max(...children.map((c) => c.peakRssMb())) });
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      process.stderr.write(`[${name}] ${noticeSends()} sent, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    }
    const notice = await setup.notices.get(setup.workloadId, noticeId);
    return notice && notice.status === 'sent' && notice.settledRev === notice.rev ? notice : undefined;
  }).catch((error: unknown) => {
    // Timed out: the processes go, so the bench can still print what it has.
    for (const child of children) child.process.kill('SIGKILL');
    throw error;
  });
  const ended = Date.now();
  const seconds = (ended - started) / 1000;
  const last = children[children.length - 1]!;
  last.process.kill('SIGTERM');
  await new Promise((r) => last.process.once('exit', r));
  for (const child of children) {
    for (const line of child.lines) {
      if (/"broadcast\.(settled|lease_acquired|lease_lost|fanned_out|notice_failed)"/.test(line)) process.stderr.write(`[${name}] ${line}\n`);
    }
  }
  const deliveries: Delivery[] = await setup.notices.deliveries(setup.workloadId, noticeId);
  const statuses: Record<string, number> = {};
  for (const d of deliveries) statuses[d.status] = (statuses[d.status] ?? 0) + 1;
  const perRecipient = new Map<number, number>();
  for (const record of setup.fake.activities) {
    if (record.kind !== 'send') continue;
    const recipient = setup.recipientOf.get(record.conversationId);
    if (recipient !== undefined) perRecipient.set(recipient, (perRecipient.get(recipient) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const n of perRecipient.values()) duplicates += n - 1;
  const finalStatuses = ['sent', 'blocked', 'notFound', 'failed', 'uncertain'];
  return {
    seconds,
    delivered: perRecipient.size,
    duplicates,
    lost: recipients - deliveries.filter((d) => finalStatuses.includes(d.status)).length,
    finalFailures: (statuses.blocked ?? 0) + (statuses.notFound ?? 0) + (statuses.failed ?? 0),
    statuses,
    recordLagMs: settledLog(children),
    peakRssMb: Math.max(...children.map((c) => c.peakRssMb())),
    ...(handoverSeconds !== undefined ? { handoverSeconds } : {}),
    requests: setup.fake.stats.received,
    uncertain: statuses.uncertain ?? 0,
    // What Teams answered for the notice, retries after injected faults included, not the 429s for going over its rate.
    teamsRequests: setup.fake.stats.received - setup.fake.stats.throttled,
    timeline: timelineOf(setup.fake, started, ended),
  };
}

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function pacedRun(): Promise<Outcome & { connector: Record<string, number> }> {
  const setup = await setUp({ globalPerSecond: TEAMS_RATE }, RECIPIENTS);
  setup.fake.setFaults({ p429: 0.03, p503: 0.01, p403: 0.005, p404: 0.005 }, 42);
  const paced = await run('paced', setup, TEAMS_RATE, RECIPIENTS, Math.floor(RECIPIENTS / 2));
  const connector = { ...setup.fake.stats.byStatus, throttledByRate: setup.fake.stats.throttled };
  await setup.fake.close();
  await setup.stopCosmos();
  process.stderr.write(
    `paced: ${paced.seconds.toFixed(1)} s, statuses ${JSON.stringify(paced.statuses)}, connector ${JSON.stringify(connector)}, lease handover ${paced.handoverSeconds?.toFixed(1)} s, duplicates ${paced.duplicates}, lost ${paced.lost}, peak RSS ${paced.peakRssMb.toFixed(0)} MB\n` +
      `paced, where the time went: ${JSON.stringify(paced.timeline)}\n`,
  );
  return { ...paced, connector };
}

async function headroomRun(): Promise<Outcome> {
  const setup = await setUp({ globalPerSecond: HEADROOM_RATE }, HEADROOM_RECIPIENTS);
  let headroom: Outcome;
  try {
    headroom = await run('headroom', setup, HEADROOM_RATE, HEADROOM_RECIPIENTS);
  } finally {
    await setup.fake.close();
    await setup.stopCosmos();
  }
  process.stderr.write(
    `headroom: ${HEADROOM_RECIPIENTS} recipients, ${headroom.seconds.toFixed(1)} s, ${(HEADROOM_RECIPIENTS / headroom.seconds).toFixed(1)}/s, statuses ${JSON.stringify(headroom.statuses)}, duplicates ${headroom.duplicates}, lost ${headroom.lost}, peak RSS ${headroom.peakRssMb.toFixed(0)} MB\n` +
      `headroom, where the time went: ${JSON.stringify(headroom.timeline)}\n`,
  );
  return headroom;
}

async function main(): Promise<void> {
  const root = resolve(__dirname, '../..');
  process.stderr.write(
    `broadcast bench: ${RECIPIENTS} recipients paced, ${HEADROOM_RECIPIENTS} headroom, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  if (buildReason(root) !== undefined) build(root);
  const paced = ONLY === 'headroom' ? undefined : await pacedRun();
  let headroomError: string | undefined;
  const headroom =
    ONLY === 'paced'
      ? undefined
      : await headroomRun().catch((error: unknown) => {
          // The paced figures are still printed; the headroom part says how far it got.
          headroomError = `${error instanceof Error ? error.message : String(error)} after ${sofar.seconds.toFixed(0)} s, ${sofar.sent} sent, peak RSS ${sofar.peakRssMb.toFixed(0)} MB`;
          process.stderr.write(`headroom failed: ${headroomError}\n`);
          return undefined;
        });
  const lag = (paced?.recordLagMs ?? []).concat(headroom?.recordLagMs ?? []);
  process.stderr.write(`crash window (Teams accepted → delivery recorded), ${lag.length} samples: p50 ${percentile(lag, 50)} ms, p99 ${percentile(lag, 99)} ms, max ${Math.max(0, ...lag)} ms\n`);
  console.log(
    JSON.stringify({
      recipients: RECIPIENTS,
      delivered: paced?.delivered,
      finalFailures: paced?.finalFailures,
      uncertain: paced?.uncertain,
      duplicates: paced?.duplicates,
      lost: paced?.lost,
      seconds: paced && Number(paced.seconds.toFixed(1)),
      teamsRequests: paced?.teamsRequests,
      ceilingRps: TEAMS_RATE,
      ceilingEfficiency: paced && Number((paced.teamsRequests / (paced.seconds * TEAMS_RATE)).toFixed(3)),
      engineRps: headroom && Number((HEADROOM_RECIPIENTS / headroom.seconds).toFixed(1)),
      peakRssMb: paced && Number(paced.peakRssMb.toFixed(0)),
      peakRssMb50k: headroom && Number(headroom.peakRssMb.toFixed(0)),
      throttledByRate: paced?.connector.throttledByRate,
      headroomRecipients: HEADROOM_RECIPIENTS,
      headroomDuplicates: headroom?.duplicates,
      headroomLost: headroom?.lost,
      headroomError,
    }),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
