import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(__dirname, '../..');

/** A Liftoff process of its own, and the JSON log lines it has written so far. */
export interface LiftoffProcess {
  process: ChildProcess;
  lines: string[];
}

/**
 * Starts `bot/index.ts` as its own process on a free port against a Cosmos DB endpoint shared with
 * the caller (an embedded server the caller runs), as a second instance in production would be.
 */
export function spawnLiftoff(endpoint: string, key: string, env: Record<string, string> = {}, onStderr?: (line: string) => void): LiftoffProcess {
  return start(
    {
      COSMOS_ENDPOINT: endpoint,
      COSMOS_KEY: key,
      COSMOS_DATABASE: 'liftoff',
      RETRO_PSEUDONYM_SECRET: 'a-test-secret-of-at-least-thirty-two-characters',
      // Test processes run without Bot Framework authentication against a Cosmos DB the test owns.
      LIFTOFF_ALLOW_ANONYMOUS: 'true',
      ...env,
    },
    onStderr,
  );
}

/** Starts `bot/index.ts` as its own process with its own embedded Cosmos DB, as `npm start` does on a laptop. */
export function spawnEmbeddedLiftoff(env: Record<string, string> = {}, onStderr?: (line: string) => void): LiftoffProcess {
  return start(env, onStderr);
}

/** The address a spawned Liftoff listens on, once its start-up log line says so. */
export async function listeningUrl(liftoff: LiftoffProcess, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const started = liftoff.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { event?: string; url?: string }).find((entry) => entry.event === 'started');
    if (started?.url) return started.url;
    if (liftoff.process.exitCode !== null) throw new Error(`Liftoff exited with code ${liftoff.process.exitCode} before listening`);
    if (Date.now() > deadline) throw new Error('Liftoff did not start listening in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function start(env: Record<string, string>, onStderr?: (line: string) => void): LiftoffProcess {
  const { COSMOS_ENDPOINT: _endpoint, COSMOS_KEY: _key, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'bot/index.ts'], {
    cwd: ROOT,
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', onStderr ? 'pipe' : 'ignore'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  if (onStderr) createInterface({ input: child.stderr! }).on('line', onStderr);
  return { process: child, lines };
}
