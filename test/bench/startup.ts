/**
 * Start-up benchmark: `npm run bench:startup`. Not part of `npm test`.
 *
 * Starts Liftoff as its own process, on its embedded Cosmos DB, the two ways it can run: from the
 * TypeScript sources (`node --import tsx bot/index.ts`, what `npm start` used to be) and compiled
 * (`node dist/bot/index.js`, production), alternating one of each per round so both meet the same
 * load on a shared machine. For every start it records:
 *
 * - start to healthy: from spawn to the first GET /healthz answered 200;
 * - idle RSS: VmRSS of the Node process (from /proc/<pid>/status) 2 s after it was healthy.
 *
 * Builds dist/ first (as npm start would). BENCH_ROUNDS sets the rounds (default 5).
 * The last line printed is one JSON object with the figures.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { build } from '../../scripts/start';
import { healthyUrl, LiftoffEntry, startLiftoffProcess } from '../support/process';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IDLE_MS = 2000;
const ENTRIES: LiftoffEntry[] = ['tsx', 'compiled'];

interface Start {
  healthyMs: number;
  idleRssMb: number;
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

async function measure(entry: LiftoffEntry): Promise<Start> {
  const begun = performance.now();
  const liftoff = startLiftoffProcess(entry, {}, () => {});
  try {
    await healthyUrl(liftoff);
    const healthyMs = performance.now() - begun;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idleRssMb = rssMb(liftoff.process.pid!);
    const exited = once(liftoff.process, 'exit');
    liftoff.process.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    if (code !== 0) throw new Error(`${entry} exited ${code} on SIGTERM`);
    return { healthyMs, idleRssMb };
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
  const runs: Record<LiftoffEntry, Start[]> = { tsx: [], compiled: [], start: [] };
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const entry of round % 2 ? ENTRIES : [...ENTRIES].reverse()) {
      const start = await measure(entry);
      runs[entry].push(start);
      console.log(`round ${round} ${entry.padEnd(8)} healthy ${start.healthyMs.toFixed(0).padStart(5)} ms  idle RSS ${start.idleRssMb.toFixed(1)} MB`);
    }
  }
  const summary = Object.fromEntries(
    ENTRIES.map((entry) => {
      const healthy = runs[entry].map((s) => s.healthyMs);
      const rss = runs[entry].map((s) => s.idleRssMb);
      return [
        entry,
        {
          healthyMsMedian: round1(median(healthy)),
          healthyMsMin: round1(Math.min(...healthy)),
          healthyMsMax: round1(Math.max(...healthy)),
          idleRssMbMedian: round1(median(rss)),
          idleRssMbMax: round1(Math.max(...rss)),
        },
      ];
    }),
  );
  for (const entry of ENTRIES) {
    const s = summary[entry]!;
    console.log(`${entry.padEnd(8)} median healthy ${s.healthyMsMedian} ms (${s.healthyMsMin}–${s.healthyMsMax}), median idle RSS ${s.idleRssMbMedian} MB (max ${s.idleRssMbMax})`);
  }
  console.log(JSON.stringify({ node: process.version, rounds: ROUNDS, load: loadavg().map(round1), ...summary }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
