import { startLiftoff, RunningLiftoff } from '../../bot/app';
import { readConfig } from '../../bot/config';
import { Writable } from 'node:stream';
import { createLogger, Logger } from '../../bot/log';
import type { CosmosStore } from '../../bot/store/cosmos';
import { startFakeConnector, FakeConnector, ActivityOpRecord } from './fakeConnector';
import { ActivityFactory } from './teams';

export interface PostResult {
  status: number;
  body: any;
}

/** The real Liftoff server on a free loopback port, the embedded Cosmos, and a fake Bot Connector. */
export interface Harness {
  app: RunningLiftoff;
  fake: FakeConnector;
  activities: ActivityFactory;
  post(activity: Record<string, unknown>, headers?: Record<string, string>): Promise<PostResult>;
  /** Posts a message and returns the card the bot answered with. */
  say(activity: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** The clock Liftoff reads (default: the real one). */
  clock?: () => Date;
  /** A fake connector to share, e.g. across a restart; the harness then leaves it running on close. */
  fake?: FakeConnector;
  /** A Cosmos store to share across a restart; left open on close. */
  store?: CosmosStore;
  /** The logger Liftoff writes to (default: one at TEST_LOG_LEVEL, silent). */
  log?: Logger;
  /** Where the tab's built pages are (default dist/tab). */
  tabBuildDir?: string;
}

/** A logger that keeps every JSON line it writes, parsed, for assertions on what the log says. */
export function recordingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('debug', sink), lines };
}

export async function startHarness(env: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const fake = options.fake ?? (await startFakeConnector());
  const config = readConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env });
  const app = await startLiftoff(config, options.log ?? createLogger(config.logLevel), {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.store ? { store: options.store } : {}),
    ...(options.tabBuildDir ? { tabBuildDir: options.tabBuildDir } : {}),
  });
  const post = async (activity: Record<string, unknown>, headers: Record<string, string> = {}): Promise<PostResult> => {
    const response = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(activity),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    app,
    fake,
    activities: new ActivityFactory(fake.url),
    post,
    async say(activity) {
      const before = fake.lastSeq;
      const result = await post(activity);
      if (result.status !== 200) throw new Error(`message answered HTTP ${result.status}`);
      const reply = fake.activities.find((r) => r.seq > before && (r.kind === 'reply' || r.kind === 'send')) as ActivityOpRecord | undefined;
      if (!reply) throw new Error('the bot sent no reply');
      const attachment = reply.activity?.attachments?.[0];
      return attachment ? attachment.content : { text: reply.activity?.text };
    },
    async close() {
      await app.close();
      if (!options.fake) await fake.close();
    },
  };
}

/** All text of a card, flattened, for assertions on what a person reads. */
export function cardText(card: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'text' || key === 'title' || key === 'value') && typeof value === 'string') out.push(value);
        else walk(value);
      }
    }
  };
  walk(card);
  return out.join('\n');
}

/** Finds the first action with this verb (and matching data, when given) anywhere in a card. */
export function findAction(card: unknown, verb: string, match: Record<string, unknown> = {}): { verb: string; data: Record<string, unknown> } {
  let found: { verb: string; data: Record<string, unknown> } | undefined;
  const walk = (node: unknown): void => {
    if (found) return;
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (obj.type === 'Action.Execute' && obj.verb === verb) {
        const data = (obj.data ?? {}) as Record<string, unknown>;
        if (Object.entries(match).every(([k, v]) => data[k] === v)) {
          found = { verb, data };
          return;
        }
      }
      Object.values(obj).forEach(walk);
    }
  };
  walk(card);
  if (!found) throw new Error(`no ${verb} action on the card`);
  return found;
}

/** The style of the banner on top of a card ('good' or 'attention'), or undefined when the card has none. */
export function bannerStyle(card: unknown): string | undefined {
  const first = ((card as { body?: unknown[] }).body ?? [])[0] as { type?: string; style?: string } | undefined;
  return first?.type === 'Container' && (first.style === 'good' || first.style === 'attention') ? first.style : undefined;
}

/** How many elements a card holds, hidden ones included: the proxy for how tall it can grow. */
export function elementCount(card: unknown): number {
  let count = 0;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (typeof obj.type === 'string' && !obj.type.startsWith('Action.') && obj.type !== 'AdaptiveCard') count += 1;
      Object.values(obj).forEach(walk);
    }
  };
  walk((card as { body?: unknown }).body);
  return count;
}
