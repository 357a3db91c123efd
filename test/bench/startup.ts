/**
 * Start-up benchmark: `npm run bench:startup`. Not part of `npm test`.
 *
 * Starts Liftoff as its own process, on its embedded Cosmos DB, the two ways it can run: from the
 * TypeScript sources (`node --import tsx bot/index.ts`, what `npm start` used to be) and compiled
 * (`node dist/bot/index.js`, production), alternating one of each per round so both meet the same
 * load on a shared machine. For every start it records:
 *
 * - start to healthy: from spawn to the first GET /healthz answered 200;
 * - idle RSS: VmRSS of the Node process (from /proc/<pid>/status) 2 s after it was healthy;
 * - CPU to healthy: user + system CPU time the process had used when it was healthy (/proc/<pid>/stat),
 *   which a busy machine stretches far less than the wall clock.
 *
 * A third start, compiled against a Cosmos DB endpoint in another process (an embedded server this
 * benchmark runs), has the shape of production on Azure Cosmos DB: the embedded server is not loaded.
 * tsx's esbuild service runs as a process of its own; its memory is not in the tsx figures.
 *
 * Builds dist/ first (as npm start would). BENCH_ROUNDS sets the rounds (default 5).
 * The last line printed is one JSON object with the figures.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { startEmbeddedCosmos } from '../../bot/store/cosmos';
import { build } from '../../scripts/start';
import { healthyUrl, LiftoffEntry, startLiftoffProcess } from '../support/process';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IDLE_MS = 2000;
/** How each measured start is made: the entry, and the Cosmos DB it uses (embedded in it, or the bench's). */
interface Variant {
  name: string;
  entry: LiftoffEntry;
  externalCosmos: boolean;
}
const VARIANTS: Variant[] = [
  { name: 'tsx', entry: 'tsx', externalCosmos: false },
  { name: 'compiled', entry: 'compiled', externalCosmos: false },
  { name: 'compiled, Cosmos elsewhere', entry: 'compiled', externalCosmos: true },
];

interface Start {
  healthyMs: number;
  cpuMs: number;
  idleRssMb: number;
}

/** Linux's clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, the 12th and 13th after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

async function measure({ entry, externalCosmos }: Variant, cosmosEndpoint: string): Promise<Start> {
  // Any key: the embedded server does not check signatures.
  // Without an app id, a real Cosmos endpoint needs the explicit anonymous opt-in (a private test deployment).
  const env: Record<string, string> = externalCosmos ? { COSMOS_ENDPOINT: cosmosEndpoint, COSMOS_KEY: Buffer.from('bench').toString('base64'), LIFTOFF_ALLOW_ANONYMOUS: 'true' } : {};
  const begun = performance.now();
  const liftoff = startLiftoffProcess(entry, env, () => {});
  try {
    await healthyUrl(liftoff);
    const healthyMs = performance.now() - begun;
    const cpu = cpuMs(liftoff.process.pid!);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idleRssMb = rssMb(liftoff.process.pid!);
    const exited = once(liftoff.process, 'exit');
    liftoff.process.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    if (code !== 0) throw new Error(`${entry} exited ${code} on SIGTERM`);
    return { healthyMs, cpuMs: cpu, idleRssMb };
  } finally {
    liftoff.process.kill('SIGKILL');
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round1 = (n: number) => Math.round(n * 10) / 10;

async function main(): Promise<void> {
  console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, load ${loadavg().map(round1).join(' ')}`);
  build(resolve(__dirname, '../..'));
  const cosmos = await startEmbeddedCosmos();
  const runs = new Map<string, Start[]>(VARIANTS.map((v) => [v.name, []]));
  for (let round = 1; round <= ROUNDS; round += 1) {
    // Alternate the order, so no variant always goes first after the previous one's exit.
    for (const variant of round % 2 ? VARIANTS : [...VARIANTS].reverse()) {
      const start = await measure(variant, cosmos.endpoint);
      runs.get(variant.name)!.push(start);
      console.log(
        `round ${round} ${variant.name.padEnd(26)} healthy ${start.healthyMs.toFixed(0).padStart(5)} ms  CPU ${start.cpuMs.toFixed(0).padStart(5)} ms  idle RSS ${start.idleRssMb.toFixed(1)} MB`,
      );
    }
  }
  cosmos.server.close();
  cosmos.server.closeAllConnections();
  const summary = Object.fromEntries(
    VARIANTS.map(({ name }) => {
      const healthy = runs.get(name)!.map((s) => s.healthyMs);
      const rss = runs.get(name)!.map((s) => s.idleRssMb);
      const cpu = runs.get(name)!.map((s) => s.cpuMs);
      return [
        name,
        {
          healthyMsMedian: round1(median(healthy)),
          healthyMsMin: round1(Math.min(...healthy)),
          healthyMsMax: round1(Math.max(...healthy)),
          cpuMsMedian: round1(median(cpu)),
          idleRssMbMedian: round1(median(rss)),
          idleRssMbMax: round1(Math.max(...rss)),
        },
      ];
    }),
  );
  for (const { name } of VARIANTS) {
    const s = summary[name]!;
    console.log(
      `${name.padEnd(26)} median healthy ${s.healthyMsMedian} ms (${s.healthyMsMin}–${s.healthyMsMax}), CPU ${s.cpuMsMedian} ms, median idle RSS ${s.idleRssMbMedian} MB (max ${s.idleRssMbMax})`,
    );
  }
  console.log(JSON.stringify({ node: process.version, rounds: ROUNDS, load: loadavg().map(round1), ...summary }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
