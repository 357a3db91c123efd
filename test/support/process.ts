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
  const child = spawn(process.execPath, ['--import', 'tsx', 'bot/index.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      COSMOS_ENDPOINT: endpoint,
      COSMOS_KEY: key,
      COSMOS_DATABASE: 'liftoff',
      RETRO_PSEUDONYM_SECRET: 'a-test-secret-of-at-least-thirty-two-characters',
      // Test processes run without Bot Framework authentication against a Cosmos DB the test owns.
      LIFTOFF_ALLOW_ANONYMOUS: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', onStderr ? 'pipe' : 'ignore'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  if (onStderr) createInterface({ input: child.stderr! }).on('line', onStderr);
  return { process: child, lines };
}
