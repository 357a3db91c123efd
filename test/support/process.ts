import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(__dirname, '../..');

/** The ways a Liftoff process starts: the TypeScript sources under tsx, the compiled build, or `npm start`'s script. */
export const LIFTOFF_ENTRIES = {
  tsx: ['--import', 'tsx', 'bot/index.ts'],
  compiled: ['dist/bot/index.js'],
  start: ['scripts/start.js'],
} as const;
export type LiftoffEntry = keyof typeof LIFTOFF_ENTRIES;

/** A Liftoff process of its own, and the JSON log lines it has written so far. */
export interface LiftoffProcess {
  process: ChildProcess;
  lines: string[];
}

/**
 * Starts Liftoff as its own process on a free loopback port, with the environment given on top of the
 * test's own (no COSMOS_ENDPOINT: the process runs its embedded Cosmos server).
 */
export function startLiftoffProcess(entry: LiftoffEntry, env: Record<string, string> = {}, onStderr?: (line: string) => void): LiftoffProcess {
  const { COSMOS_ENDPOINT: _endpoint, COSMOS_KEY: _key, ...inherited } = process.env;
  const child = spawn(process.execPath, LIFTOFF_ENTRIES[entry], {
    cwd: ROOT,
    env: {
      ...inherited,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      RETRO_PSEUDONYM_SECRET: 'a-test-secret-of-at-least-thirty-two-characters',
      ...env,
    },
    stdio: ['ignore', 'pipe', onStderr ? 'pipe' : 'ignore'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  if (onStderr) createInterface({ input: child.stderr! }).on('line', onStderr);
  return { process: child, lines };
}

/**
 * Starts `bot/index.ts` as its own process on a free port against a Cosmos DB endpoint shared with
 * the caller (an embedded server the caller runs), as a second instance in production would be.
 */
export function spawnLiftoff(endpoint: string, key: string, env: Record<string, string> = {}, onStderr?: (line: string) => void, entry: LiftoffEntry = 'tsx'): LiftoffProcess {
  // Test processes run without Bot Framework authentication against a Cosmos DB the test owns.
  return startLiftoffProcess(entry, { COSMOS_ENDPOINT: endpoint, COSMOS_KEY: key, COSMOS_DATABASE: 'liftoff', LIFTOFF_ALLOW_ANONYMOUS: 'true', ...env }, onStderr);
}

function logEntry(line: string): { event?: string; url?: string } {
  try {
    return JSON.parse(line) as { event?: string; url?: string };
  } catch {
    return {};
  }
}

/**
 * Waits until the process logs where it listens and GET /healthz answers 200 there; returns its URL.
 * Rejects when the process exits first.
 */
export async function healthyUrl(liftoff: LiftoffProcess): Promise<string> {
  const { process: child, lines } = liftoff;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Liftoff exited (${child.exitCode ?? child.signalCode}) before it was healthy`);
    const started = lines.map(logEntry).find((entry) => entry.event === 'started');
    if (started?.url) {
      const status = await fetch(`${started.url}/healthz`).then(
        (res) => res.status,
        () => 0,
      );
      if (status === 200) return started.url;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Runs a node command from the repository root without blocking this process (which may serve the embedded Cosmos DB it reads). */
export function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}
