import { burst, startLoadClient } from './burst';
/**
 * What each action costs: `npm run bench:actions`.
 *
 * The real Liftoff server on the embedded Cosmos DB behind a counting proxy (test/support/cosmosRequests.ts),
 * a fake Bot Connector, and the load generator in its own process (loadClient.ts). In one run, side by side:
 * `help`, `status` of fresh workloads, a gate decision, `status` of workloads with BENCH_HISTORY audit events
 * each, a UAT cycle opened, a UAT approval and a retro entry, spread over BENCH_WORKLOADS workloads as that
 * many teams would, fired BENCH_CONCURRENCY at a time. It prints turns per second and Cosmos requests per
 * turn by kind; the last line is one JSON object with the figures.
 */
import { strict as assert } from 'node:assert';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../bot/log';
import type { Person } from '../../bot/release/model';
import { connectCosmos, type CosmosStore } from '../../bot/store/cosmos';
import { addHistory, gateDecision, retroEntry, retroStart, rosterOf, uatApproval, uatOpen, workloadReady } from '../support/actions';
import { person } from '../support/builders';
import { countedStore, difference, RequestCounts } from '../support/cosmosRequests';
import { cardText, startHarness } from '../support/liftoff';
import { Place, teamChannel } from '../support/teams';

const TURNS = Number(process.env.BENCH_TURNS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const WORKLOADS = Number(process.env.BENCH_WORKLOADS ?? 50);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 2000);
/** An approval and a retro entry redraw a shared card after the answer and are slow: fewer of them keep the run short. */
const VOTES = Number(process.env.BENCH_VOTES ?? 200);
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 200);
/** BENCH_ONLY=help,status,gate (names as printed, up to the first comma or space) runs only those phases, e.g. under `--cpu-prof`. */
const ONLY = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
/** BENCH_PROFILE=<dir> writes a CPU profile of this process (server, embedded Cosmos, fake connector) per measured phase. */
const PROFILE = process.env.BENCH_PROFILE;
/** BENCH_COSMOS=process runs the embedded Cosmos and its counting proxy in their own process (cosmosProcess.ts). */
const COSMOS_PROCESS = process.env.BENCH_COSMOS === 'process';
const skipped: Figure = { turns: 0, rps: 0, perTurn: { total: 0 } };

interface Figure {
  turns: number;
  rps: number;
  perTurn: Record<string, number>;
}

/** The store the server uses, and the counts of what it sent: in this process, or in cosmosProcess.ts. */
async function cosmos(): Promise<{ store: CosmosStore; counts: () => Promise<RequestCounts>; close: () => Promise<void> }> {
  if (!COSMOS_PROCESS) {
    const counted = await countedStore();
    return { store: counted.store, counts: async () => counted.proxy.counts(), close: counted.close };
  }
  const child = fork(path.join(__dirname, 'cosmosProcess.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = <T>(key: string, message?: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (reply: Record<string, unknown>) => {
        if (key in reply) {
          child.off('message', on);
          resolve(reply[key] as T);
        }
      };
      child.on('message', on);
      if (message) child.send(message);
    });
  const endpoint = await ask<string>('endpoint');
  const key = Buffer.from('liftoff-embedded-cosmos-key').toString('base64');
  const store = await connectCosmos({ mode: 'key', endpoint, key, database: `bench-${randomUUID().slice(0, 8)}` }, createLogger('silent'));
  return {
    store,
    counts: () => ask<RequestCounts>('counts', 'counts'),
    close: async () => {
      await store.close();
      child.kill();
    },
  };
}

async function main(): Promise<void> {
  const counted = await cosmos();
  // No periodic sweeps: what is counted is the turns' own requests. The plan sweep's cross-partition query also scans
  // every document on the embedded server (100,000 audit events here): one took 198 s and stalled the gate phase.
  const h = await startHarness(
    { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent', SIGNOFF_SWEEP_SECONDS: '0', PLAN_SWEEP_SECONDS: '0', RETRO_PSEUDONYM_SECRET: 'bench-retro-secret-that-is-long-enough-0123456789' },
    { store: counted.store },
  );
  const client = startLoadClient();
  const endpoint = `${h.app.url}/api/messages`;
  const pm = person('Bench Manager');
  const testers: Person[] = Array.from({ length: Math.ceil(Math.max(VOTES, ENTRIES) / WORKLOADS) }, (_, i) => person(`Bench Tester ${i}`));
  const teams: Place[] = Array.from({ length: WORKLOADS }, (_, i) => teamChannel(`bench-${i}`));

  /** Fires the turns CONCURRENCY at a time; every one must be answered 200 with a card the check accepts. */
  async function measure(name: string, turns: Array<Record<string, unknown>>, check: (text: string) => boolean): Promise<Figure> {
    if (ONLY && !ONLY.includes(name.split(/[ ,]/)[0]!)) return skipped;
    await h.app.background.drain();
    const profiler = PROFILE ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const before = await counted.counts();
    const started = performance.now();
    let refused = 0;
    for (let i = 0; i < turns.length; i += CONCURRENCY) {
      const shots = await burst(client, endpoint, turns.slice(i, i + CONCURRENCY));
      for (const shot of shots) {
        const body = shot.body as { statusCode?: number; value?: unknown } | undefined;
        // A message turn answers 200 with no body (its card goes through the connector); an invoke answers with its card.
        const ok = shot.status === 200 && (body === undefined || (body.statusCode === 200 && check(cardText(body.value))));
        if (!ok) refused += 1;
      }
    }
    const ms = performance.now() - started;
    await h.app.background.drain();
    if (profiler && PROFILE) {
      const { profile } = await profiler.post('Profiler.stop');
      await writeFile(path.join(PROFILE, `${name.replace(/\W+/g, '-')}.cpuprofile`), JSON.stringify(profile));
      profiler.disconnect();
    }
    const spent: RequestCounts = difference(await counted.counts(), before);
    assert.equal(refused, 0, `${name}: every turn answered as expected`);
    const perTurn = Object.fromEntries(Object.entries(spent).map(([k, v]) => [k, Math.round((v / turns.length) * 100) / 100]));
    const figure = { turns: turns.length, rps: Math.round((turns.length / ms) * 1000), perTurn };
    console.log(`${name.padEnd(24)} ${String(figure.rps).padStart(5)} turns/s  ${String(perTurn.total).padStart(6)} Cosmos requests per turn  ${JSON.stringify(perTurn)}`);
    return figure;
  }

  const spread = <T>(count: number, make: (i: number) => T): T[] => Array.from({ length: count }, (_, i) => make(i));

  try {
    // Set up through the bot: one team per workload, its project manager (business owner too) and its testers.
    const fresh: string[] = [];
    const long: string[] = [];
    for (const [i, team] of teams.entries()) {
      rosterOf(h, team, [pm, ...testers]);
      fresh.push(await workloadReady(h, pm, team, `Fresh ${i}`, { promoted: true }));
      long.push(await workloadReady(h, pm, team, `Long ${i}`));
      await addHistory(h.app.cosmos.workloads, long[i]!, HISTORY);
    }
    // Warm up (JIT, connection pools, SDK caches) on the long workloads' status, which no figure below reuses.
    await burst(
      client,
      endpoint,
      spread(CONCURRENCY, (i) => h.activities.message(pm, 'help', teams[i % WORKLOADS]!)),
    );
    await burst(
      client,
      endpoint,
      spread(CONCURRENCY, (i) => h.activities.message(pm, `status Long ${i % WORKLOADS}`, teams[i % WORKLOADS]!)),
    );

    const help = await measure(
      'help',
      spread(TURNS, (i) => h.activities.message(pm, 'help', teams[i % WORKLOADS]!)),
      () => true,
    );
    const status = await measure(
      'status, fresh',
      spread(TURNS, (i) => h.activities.message(pm, `status Fresh ${i % WORKLOADS}`, teams[i % WORKLOADS]!)),
      () => true,
    );
    // Each round decides the retrospective gate of every fresh workload once more: every decision is a write.
    const gate = await measure(
      'gate decision',
      spread(TURNS, (i) => gateDecision(h, pm, teams[i % WORKLOADS]!, fresh[i % WORKLOADS]!, 1 + Math.floor(i / WORKLOADS))),
      (t) => /failed "Retrospective held/.test(t),
    );
    const statusAfter = await measure(
      `status, ${HISTORY} events`,
      spread(TURNS, (i) => h.activities.message(pm, `status Long ${i % WORKLOADS}`, teams[i % WORKLOADS]!)),
      () => true,
    );
    const open = await measure(
      'UAT cycle open',
      spread(WORKLOADS, (i) => uatOpen(h, pm, teams[i]!, fresh[i]!, testers)),
      (t) => /opened UAT cycle 1/.test(t),
    );
    const vote = await measure(
      'UAT approval',
      spread(VOTES, (i) => uatApproval(h, testers[Math.floor(i / WORKLOADS)]!, teams[i % WORKLOADS]!, fresh[i % WORKLOADS]!)),
      (t) => /You approved UAT cycle 1/.test(t),
    );
    if (!ONLY || ONLY.includes('retro')) {
      await burst(
        client,
        endpoint,
        spread(WORKLOADS, (i) => retroStart(h, pm, teams[i]!, fresh[i]!)),
      );
    }
    await h.app.background.drain();
    const entry = await measure(
      'retro entry',
      spread(ENTRIES, (i) => retroEntry(h, testers[Math.floor(i / WORKLOADS)]!, teams[i % WORKLOADS]!, fresh[i % WORKLOADS]!, `Entry ${i}`)),
      () => true,
    );

    const crossPartitionPerAction = Math.max(...[status, gate, statusAfter, open, vote, entry].map((f) => f.perTurn.crossPartitionQuery ?? 0));
    const figures = {
      helpRps: help.rps,
      statusRps: status.rps,
      statusRpsAfterHistory: statusAfter.rps,
      gateRps: gate.rps,
      openRps: open.rps,
      voteRps: vote.rps,
      entryRps: entry.rps,
      cosmosPerHelp: help.perTurn.total,
      cosmosPerStatus: status.perTurn.total,
      cosmosPerStatusAfterHistory: statusAfter.perTurn.total,
      cosmosPerGate: gate.perTurn.total,
      cosmosPerOpen: open.perTurn.total,
      cosmosPerVote: vote.perTurn.total,
      cosmosPerEntry: entry.perTurn.total,
      crossPartitionPerAction,
    };
    console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${new Date().toISOString()}`);
    console.log(
      `turns: ${TURNS} per path (UAT open ${WORKLOADS}, UAT approval ${VOTES}, retro entry ${ENTRIES}) at concurrency ${CONCURRENCY} over ${WORKLOADS} workloads; ${HISTORY} audit events on each long workload`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    client.kill();
    await h.close();
    await counted.close();
  }
}

main().catch((error: unknown) => {
  console.error('The actions benchmark failed:', error);
  process.exit(1);
});
