import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { parseCommand } from '../../bot/teams/liftoffBot';
import { person } from '../support/builders';
import { channelClaims, FakeBotLogin, startFakeBotLogin } from '../support/botLogin';
import { cardText, Harness, recordingLogger, startHarness } from '../support/liftoff';
import { healthyUrl, startLiftoffProcess } from '../support/process';
import { personalChat } from '../support/teams';

const priya = person('Priya');
const APP_ID = '6a2b6b0e-0d1c-4c57-9d0a-3f4b8f3c2e11';

interface Answer {
  status: number;
  text: string;
}

/** A raw POST to the messaging endpoint, with exactly the headers and bytes given. */
async function postRaw(url: string, headers: Record<string, string>, body: Buffer | string): Promise<Answer> {
  const res = await fetch(`${url}/api/messages`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

async function health(url: string): Promise<number> {
  return (await fetch(`${url}/healthz`)).status;
}

/** The answer is a sentence of ours in JSON: no stack, no library message. */
function assertSentence(answer: Answer): void {
  const body = JSON.parse(answer.text) as { message?: unknown };
  assert.equal(typeof body.message, 'string', answer.text);
  assert.match(body.message as string, /^Liftoff|^The request/);
  assert.doesNotMatch(answer.text, /\bat \S+ \(|Error:|Invalid JSON|incorrect header|exceeds|jwt|signature|expired/i);
}

/** Everything written to this process's stderr while `work` runs. */
async function stderrDuring<T>(work: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return write(chunk, ...(rest as []));
  };
  try {
    return { result: await work(), stderr };
  } finally {
    process.stderr.write = write;
  }
}

describe('what the endpoint refuses', () => {
  describe('bodies it cannot read safely', () => {
    let h: Harness;
    let activity: string;
    before(async () => {
      h = await startHarness();
      activity = JSON.stringify(h.activities.message(priya, 'new Zipped Plan', personalChat(priya)));
    });
    after(() => h.close());

    const stored = async (): Promise<number> => (await h.app.cosmos.workloads.items.query('SELECT * FROM c').fetchAll()).resources.length;

    for (const encoding of ['gzip', 'deflate', 'br', 'x-unknown']) {
      it(`refuses Content-Encoding ${encoding} with 415 before reading the body, and keeps answering`, async () => {
        const corrupt = await postRaw(h.app.url, { 'content-type': 'application/json', 'content-encoding': encoding }, 'this is not compressed');
        assert.equal(corrupt.status, 415);
        assertSentence(corrupt);
        assert.equal(await health(h.app.url), 200);
      });
    }

    it('refuses even a well-formed gzip activity, so a small body can never inflate past the size limit', async () => {
      const bomb = gzipSync(JSON.stringify({ type: 'message', text: 'x'.repeat(20 * 1024 * 1024) }));
      assert.ok(bomb.length < 1024 * 1024, 'the compressed body is under the limit');
      const answer = await postRaw(h.app.url, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(activity));
      assert.equal(answer.status, 415);
      assert.equal((await postRaw(h.app.url, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, bomb)).status, 415);
      assert.equal(await stored(), 0);
      assert.equal(await health(h.app.url), 200);
    });

    it('refuses a body over 1 MB with 413, whether its length is declared or it arrives in chunks', async () => {
      const big = JSON.stringify({ type: 'message', text: 'x'.repeat(1024 * 1024) });
      const declared = await postRaw(h.app.url, { 'content-type': 'application/json' }, big);
      assert.equal(declared.status, 413);
      assertSentence(declared);
      const chunked = await new Promise<Answer>((resolve, reject) => {
        const req = request(`${h.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        for (let i = 0; i < 24; i += 1) req.write('x'.repeat(64 * 1024));
        req.end();
      });
      assert.equal(chunked.status, 413);
      assertSentence(chunked);
      assert.equal(await health(h.app.url), 200);
    });

    it('answers 400 with a sentence to a body that is not JSON, or not an activity', async () => {
      for (const body of ['{"type": "message", "text": ', '{bad', '[1, 2]', 'null', '42', '"message"', '{"text": "no type"}', '{"type": 7}', '']) {
        const answer = await postRaw(h.app.url, { 'content-type': 'application/json' }, body);
        assert.equal(answer.status, 400, body);
        assertSentence(answer);
      }
      assert.equal(await health(h.app.url), 200);
    });

    it('answers 415 to a body that is not declared as JSON', async () => {
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream']) {
        const answer = await postRaw(h.app.url, { 'content-type': contentType }, activity);
        assert.equal(answer.status, 415, contentType);
        assertSentence(answer);
      }
      assert.equal(await stored(), 0);
    });

    it('answers unknown paths and methods with a sentence in JSON', async () => {
      const unknown = await fetch(`${h.app.url}/api/notify`);
      assert.equal(unknown.status, 404);
      assertSentence({ status: unknown.status, text: await unknown.text() });
      const wrongMethod = await fetch(`${h.app.url}/api/messages`);
      assert.equal(wrongMethod.status, 405);
      assertSentence({ status: wrongMethod.status, text: await wrongMethod.text() });
    });
  });

  describe('a Liftoff process of its own', () => {
    it('does not exit on a corrupt gzip body, and writes one JSON log line, no stack', async function () {
      this.timeout(30_000);
      const stderr: string[] = [];
      const liftoff = startLiftoffProcess('tsx', {}, (line) => stderr.push(line));
      try {
        const url = await healthyUrl(liftoff);
        const answer = await postRaw(url, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, Buffer.from('not gzip at all'));
        assert.equal(answer.status, 415);
        assert.equal(await health(url), 200);
        assert.equal(liftoff.process.exitCode, null, 'still running');
        const refused = liftoff.lines.filter((line) => line.includes('"request.refused"'));
        assert.equal(refused.length, 1);
        assert.equal((JSON.parse(refused[0]!) as { status?: number }).status, 415);
        assert.deepEqual(
          stderr.filter((line) => !/DeprecationWarning|--trace-deprecation/.test(line)),
          [],
        );
      } finally {
        liftoff.process.kill('SIGKILL');
        if (liftoff.process.exitCode === null) await once(liftoff.process, 'exit');
      }
    });
  });

  describe('tokens', () => {
    let h: Harness;
    let login: FakeBotLogin;
    let lines: Record<string, unknown>[];
    before(async () => {
      login = await startFakeBotLogin();
      const recording = recordingLogger();
      lines = recording.lines;
      h = await startHarness({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'not-a-real-secret' }, { log: recording.log });
    });
    after(async () => {
      await h.close();
      await login.close();
    });

    const helpInvoke = () => h.activities.execute(priya, 'help.show', {}, personalChat(priya));
    const claims = () => channelClaims(APP_ID, h.fake.url);

    it('runs the turn for a token the channel signed (the fake login is the one botbuilder trusts)', async () => {
      const res = await h.post(helpInvoke(), { authorization: `Bearer ${login.channelToken(claims())}` });
      assert.equal(res.status, 200);
      assert.equal(res.body.value.type, 'AdaptiveCard');
    });

    const now = () => Math.floor(Date.now() / 1000);
    const forged: Array<[string, () => string, string]> = [
      ['no token at all', () => '', 'no-token'],
      ['an unsigned token (alg none)', () => `Bearer ${login.unsignedToken(claims())}`, 'invalid-token'],
      ['an HS256 token keyed with the public key', () => `Bearer ${login.hs256Token(claims())}`, 'invalid-token'],
      ['a token signed by a foreign RSA key', () => `Bearer ${login.foreignKeyToken(claims())}`, 'invalid-token'],
      ['a token that is not yet valid', () => `Bearer ${login.channelToken({ ...claims(), nbf: now() + 3600, exp: now() + 7200 })}`, 'not-yet-valid'],
      ['an expired token', () => `Bearer ${login.channelToken({ ...claims(), nbf: now() - 7200, exp: now() - 3600 })}`, 'expired'],
      ['a token for another bot', () => `Bearer ${login.channelToken({ ...claims(), aud: '0b0b0b0b-0d1c-4c57-9d0a-3f4b8f3c2e11' })}`, 'not-authorized'],
      ['a token for another service URL', () => `Bearer ${login.channelToken({ ...claims(), serviceurl: 'https://evil.test/' })}`, 'not-authorized'],
    ];
    for (const [what, header, reason] of forged) {
      it(`answers 401 to ${what}, runs no turn, logs one line and writes nothing to stderr`, async () => {
        const seen = lines.length;
        const sent = h.fake.lastSeq;
        const { result, stderr } = await stderrDuring(() => h.post(helpInvoke(), header() ? { authorization: header() } : {}));
        assert.equal(result.status, 401);
        assert.deepEqual(Object.keys(result.body as object), ['message']);
        assertSentence({ status: result.status, text: JSON.stringify(result.body) });
        assert.equal(stderr, '');
        assert.equal(h.fake.activities.filter((r) => r.seq > sent).length, 0);
        const logged = lines.slice(seen).filter((l) => l.event === 'auth.refused');
        assert.equal(logged.length, 1);
        assert.equal(logged[0]!.reason, reason);
        assert.doesNotMatch(JSON.stringify(lines.slice(seen)), /eyJ|BEGIN PUBLIC KEY|\n\s+at /, 'no token, key or stack in the log');
      });
    }
  });

  describe('message text', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness();
    });
    after(() => h.close());

    it('answers a message of 100,000 "<" with a sentence while /healthz answers alongside', async () => {
      const flood = h.say(h.activities.message(priya, '<'.repeat(100_000), personalChat(priya)));
      const probe = health(h.app.url);
      const [card, status] = await Promise.all([flood, probe]);
      assert.equal(status, 200);
      assert.match(cardText(card), /longer than 4,000 characters/);
    });

    it('reads a command in a message of 4,000 characters of markup', async () => {
      const marked = await h.say(h.activities.message(priya, `${'<b>'.repeat(600)}help ${'<'.repeat(2000)}`, personalChat(priya)));
      assert.deepEqual(marked, await h.say(h.activities.message(priya, 'help', personalChat(priya))));
    });

    it('strips markup from a million unclosed "<" in one pass', () => {
      assert.deepEqual(parseCommand(`<p>status</p> ${'<'.repeat(1_000_000)}`).command, 'status');
      assert.deepEqual(parseCommand('<p>new <b>Payroll</b>&nbsp;API</p>'), { command: 'new', args: 'Payroll API' });
      assert.deepEqual(parseCommand('a < b and c > d'), { command: 'a', args: 'd' });
      assert.deepEqual(parseCommand('status x < y'), { command: 'status', args: 'x < y' });
    });

    it('repeats at most 40 characters of an unknown command word, with an ellipsis', async () => {
      const word = `z${'y'.repeat(3000)}`;
      const text = cardText(await h.say(h.activities.message(priya, word, personalChat(priya))));
      assert.match(text, /Liftoff doesn't know "zy{38}…"/);
      assert.doesNotMatch(text, /y{40}/);
    });

    it('repeats at most 40 characters of an unknown card verb, with an ellipsis', async () => {
      const res = await h.post(h.activities.execute(priya, `v${'w'.repeat(99)}`, {}, personalChat(priya)));
      assert.equal(res.status, 200);
      assert.match(res.body.value.message, /"vw{38}…"/);
    });
  });
});
