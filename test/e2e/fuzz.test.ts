import { strict as assert } from 'node:assert';
import { z } from 'zod';
import { broadcastRoutes } from '../../bot/teams/broadcastRoutes';
import { retroRoutes } from '../../bot/teams/retroRoutes';
import { mergeRoutes, Routes } from '../../bot/teams/router';
import { releaseRoutes } from '../../bot/teams/routes';
import { signoffRoutes } from '../../bot/teams/signoffRoutes';
import { person } from '../support/builders';
import { seededRandom } from '../support/fakeConnector';
import { Harness, startHarness } from '../support/liftoff';
import { groupChat, personalChat, Place, teamChannel } from '../support/teams';

/** The route table as the bot builds it; its verbs and commands are read, never called. */
const routes: Routes = mergeRoutes(releaseRoutes({} as never), signoffRoutes({} as never), retroRoutes({} as never), broadcastRoutes({} as never));

/**
 * Garbage of every shape. Every string holds at least one character no workload name may hold (a "poison"), so
 * no generated text is a valid name: a fuzzed `new` or `workload.create` must be refused, never create.
 */
class Garbage {
  constructor(readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }

  private static readonly POISON = ['"', '{', '}', '|', '\\', '/', '#', '?', '\u0000', '\u202e', '\ud800', '\uffff', '%', '^', '`'];
  private static readonly PIECES = [
    'a',
    'Z',
    '0',
    ' ',
    '\t',
    '\n',
    '<',
    '>',
    '&amp;',
    '&lt;',
    '<at>Liftoff</at>',
    '<b>',
    '</p>',
    '${x}',
    '{{y}}',
    '../',
    '%00',
    'ﷺ',
    '👩🏽‍🚀',
    'é',
    'e\u0301',
    'İ',
    'ß',
    '\u200b',
    '\u2028',
    '𝔘',
    '中文',
    'עברית',
    'null',
    'undefined',
    '[object Object]',
    '__proto__',
    'constructor',
    'SELECT * FROM c',
    "' OR 1=1 --",
    'javascript:alert(1)',
    '[x](https://evil.test)',
    '\\u0000',
  ];

  string(): string {
    const size = this.pick([0, 1, 3, 10, 40, 61, 200, 301, 1000, 5000]);
    let out = '';
    while (out.length < size) out += this.chance(0.3) ? String.fromCharCode(this.int(0x3000)) : this.pick(Garbage.PIECES);
    if (this.chance(0.03)) out = 'x'.repeat(this.pick([20_000, 200_000]));
    const at = this.int(out.length + 1);
    // One poison anywhere, and one last: reading a message drops its `<...>` tags, poison and all, but
    // nothing after the last `>` is a tag.
    return `${out.slice(0, at)}${this.pick(Garbage.POISON)}${out.slice(at)}${this.pick(Garbage.POISON)}`;
  }

  number(): number {
    return this.pick([0, -1, 1, 2, 0.5, 1e21, -1e21, Number.MAX_SAFE_INTEGER, 2 ** 53 + 1, 1e-300, 3.14159, 999_999_999]);
  }

  value(depth = 0): unknown {
    const kind = this.int(depth > 3 ? 5 : 8);
    switch (kind) {
      case 0:
        return this.string();
      case 1:
        return this.number();
      case 2:
        return this.pick([true, false, null]);
      case 3:
        return this.pick(['', ' ', 'pass', 'approve', 'reject', 'manual', 'automatic', 'projectManager', '1', 'true', '2020-02-30T25:61:00Z']);
      case 4:
        return String(this.number());
      case 5:
        return Array.from({ length: this.int(5) }, () => this.value(depth + 1));
      default: {
        const obj: Record<string, unknown> = {};
        for (let i = this.int(5); i > 0; i -= 1) obj[this.chance(0.2) ? '__proto__' : this.string().slice(0, 20)] = this.value(depth + 1);
        return obj;
      }
    }
  }
}

const fieldsOf = (schema: z.ZodType): string[] => (schema instanceof z.ZodObject ? Object.keys(schema.shape) : []);

describe('the endpoint under fuzzing', function () {
  this.timeout(120_000);
  // A new seed each run, printed in the title; FUZZ_SEED=<seed> repeats a run.
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
  const priya = person('Priya Fuzz');
  const places: Place[] = [personalChat(priya), teamChannel('fuzz'), groupChat('fuzz')];
  let h: Harness;
  let workloadId = '';

  before(async () => {
    h = await startHarness();
    const created = await h.say(h.activities.message(priya, 'new Fuzz Target', teamChannel('fuzz')));
    assert.equal(created.type, 'AdaptiveCard');
    const { resources } = await h.app.cosmos.workloads.items.query<{ id: string; type: string }>('SELECT * FROM c WHERE c.type = "workload"').fetchAll();
    assert.equal(resources.length, 1);
    workloadId = resources[0]!.id;
  });
  after(() => h.close());

  const snapshot = async (): Promise<unknown[]> => {
    const { resources } = await h.app.cosmos.workloads.items.query<{ id: string }>('SELECT * FROM c').fetchAll();
    return resources.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };

  it(`answers 2,400 malformed activities and card payloads without a 5xx, an exit or a change to any workload (seed ${seed})`, async () => {
    const g = new Garbage(seededRandom(seed));
    const before = await snapshot();
    const verbs = Object.keys(routes.verbs);
    const commands = Object.keys(routes.commands);

    /** A Teams-shaped activity with random parts broken: removed, retyped, or replaced with garbage. */
    const mutate = (activity: Record<string, unknown>): Record<string, unknown> => {
      const copy = structuredClone(activity) as Record<string, any>;
      const paths = [
        ['from'],
        ['from', 'aadObjectId'],
        ['from', 'name'],
        ['recipient'],
        ['recipient', 'id'],
        ['conversation'],
        ['conversation', 'id'],
        ['conversation', 'tenantId'],
        ['conversation', 'conversationType'],
        ['channelData'],
        ['channelData', 'tenant'],
        ['channelData', 'team'],
        ['channelData', 'tenant', 'id'],
        ['entities'],
        ['text'],
        ['value'],
        ['name'],
        ['replyToId'],
        ['id'],
        ['timestamp'],
        ['localTimezone'],
        ['channelId'],
        ['membersAdded'],
        ['action'],
        ['attachments'],
        ['textFormat'],
      ];
      for (let n = 1 + g.int(3); n > 0; n -= 1) {
        const path = g.pick(paths);
        let node = copy;
        for (const key of path.slice(0, -1)) {
          if (!node[key] || typeof node[key] !== 'object') node[key] = {};
          node = node[key];
        }
        const last = path[path.length - 1]!;
        if (g.chance(0.3)) delete node[last];
        else node[last] = g.value();
      }
      return copy;
    };

    const invoke = (place: Place): Record<string, unknown> => {
      const verb = g.chance(0.9) ? g.pick(verbs) : g.string().slice(0, 120);
      const schema = routes.verbs[verb]?.schema;
      const data: Record<string, unknown> = {};
      for (const field of schema ? fieldsOf(schema) : []) if (g.chance(0.8)) data[field] = g.chance(0.3) ? workloadId : g.value();
      for (let i = g.int(3); i > 0; i -= 1) data[g.string().slice(0, 30)] = g.value();
      // The plausible words of value() ('pass', 'true', ...) are valid workload names: a name always carries a poison.
      if (typeof data.name === 'string') data.name = `${data.name}|`;
      // Card data that a verb would accept must not name the setup's workload: the fuzz sends only what is malformed or names nothing.
      if (schema?.safeParse(data).success && Object.values(data).includes(workloadId)) {
        for (const [key, value] of Object.entries(data)) if (value === workloadId) data[key] = `${g.string().slice(0, 50)}:no-such-workload`;
      }
      const value = g.pick([
        () => ({ action: { type: 'Action.Execute', verb, data }, trigger: g.pick(['manual', 'automatic', undefined, 'other']) }),
        () => ({ action: { type: g.pick(['Action.Submit', 'Action.Execute', 7]), verb: g.value(), data: g.value() } }),
        () => ({ action: g.value() }),
        () => g.value(),
      ])();
      const activity = {
        ...h.activities.execute(priya, verb, {}, place),
        value,
        name: g.chance(0.9) ? 'adaptiveCard/action' : g.pick(['task/fetch', 'composeExtension/query', 'signin/verifyState', g.string()]),
      };
      return g.chance(0.3) ? mutate(activity) : activity;
    };

    const message = (place: Place): Record<string, unknown> => {
      const text = g.chance(0.7) ? `${g.pick(commands)} ${g.string()}` : g.string();
      const activity = h.activities.message(priya, text, place);
      return g.chance(0.5) ? mutate(activity) : activity;
    };

    const other = (place: Place): Record<string, unknown> => {
      const kind = g.pick(['conversationUpdate', 'messageReaction', 'event', 'typing', 'endOfConversation', 'installationUpdate', g.string().slice(0, 40)]);
      return mutate({ ...h.activities.message(priya, '', place), type: kind, action: g.pick(['add', 'remove', g.string()]) });
    };

    /** Raw bytes with a random content type: truncated activities, JSON that is not an object, or noise. */
    const raw = (): { body: string; contentType: string } => {
      const json = JSON.stringify(g.chance(0.5) ? invoke(g.pick(places)) : message(g.pick(places)));
      const body = g.pick([
        () => json.slice(0, g.int(json.length)),
        () => JSON.stringify(g.value()),
        () => g.string(),
        () => json.replace(/"type":"(message|invoke)"/, `"type":${JSON.stringify(g.value())}`),
        () => json,
      ])();
      const contentType = g.pick([
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/vnd.api+json',
        'multipart/form-data; boundary=zz',
        '',
        g.string().slice(0, 60),
      ]);
      return { body, contentType };
    };

    const failures: string[] = [];
    const cases: Array<() => Promise<void>> = [];
    const send = async (label: string, body: string, contentType: string): Promise<void> => {
      const headers: Record<string, string> = {};
      // fetch refuses header values with control characters; such a header never reaches a server anyway.
      if (contentType && !/[^\t\x20-\x7e]/.test(contentType)) headers['content-type'] = contentType;
      const res = await fetch(`${h.app.url}/api/messages`, { method: 'POST', headers, body });
      const text = await res.text();
      if (res.status >= 500) failures.push(`${label}: HTTP ${res.status} ${text.slice(0, 200)} for ${body.slice(0, 300)}`);
    };
    for (let i = 0; i < 2400; i += 1) {
      const place = g.pick(places);
      const which = i % 4;
      if (which === 0) {
        const { body, contentType } = raw();
        cases.push(() => send('raw', body, contentType));
      } else {
        const activity = which === 1 ? invoke(place) : which === 2 ? message(place) : g.chance(0.5) ? invoke(place) : other(place);
        const body = JSON.stringify(activity);
        cases.push(() => send(String(activity.type), body, 'application/json'));
      }
    }

    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) await cases[next++]!();
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await h.app.background.drain();

    assert.deepEqual([...new Set(failures.map((f) => f.slice(0, 60)))].slice(0, 8), [], `seed ${seed}: ${failures.length} requests answered 5xx`);
    assert.equal((await fetch(`${h.app.url}/healthz`)).status, 200, `seed ${seed}: /healthz after the fuzz`);
    assert.deepEqual(await snapshot(), before, `seed ${seed}: the workloads container changed`);
  });
});
