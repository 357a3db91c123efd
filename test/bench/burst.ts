import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { Shot } from './loadClient';

/** Starts the load generator in its own process (see loadClient.ts). */
export function startLoadClient(): ChildProcess {
  return fork(path.join(__dirname, 'loadClient.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Fires every activity at once from the load generator; answers each one's status, latency and body, in order. */
export function burst(client: ChildProcess, url: string, activities: Array<Record<string, unknown>>): Promise<Shot[]> {
  return new Promise((resolve, reject) => {
    client.once('message', (reply: { shots?: Shot[]; error?: string }) => (reply.shots ? resolve(reply.shots) : reject(new Error(reply.error))));
    client.send({ url, bodies: activities.map((a) => JSON.stringify(a)) });
  });
}
