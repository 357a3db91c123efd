import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, buildReason } from '../scripts/start';
import { person } from './support/builders';
import { cardText } from './support/liftoff';
import { startFakeConnector } from './support/fakeConnector';
import { healthyUrl, LiftoffEntry, startLiftoffProcess } from './support/process';
import { ActivityFactory, personalChat } from './support/teams';

const ROOT = resolve(__dirname, '..');
const priya = person('Priya');

/** Starts an entry, waits for /healthz, asks for help, stops it with SIGTERM; returns what a test checks. */
async function helpThenSigterm(entry: LiftoffEntry): Promise<{ card: unknown; code: number | null; stdout: string[]; stderr: string[] }> {
  const fake = await startFakeConnector();
  const stderr: string[] = [];
  const liftoff = startLiftoffProcess(entry, {}, (line) => stderr.push(line));
  try {
    const url = await healthyUrl(liftoff);
    const activity = new ActivityFactory(fake.url).message(priya, 'help', personalChat(priya));
    const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    assert.equal(res.status, 200);
    const [reply] = fake.sentTo(personalChat(priya).conversationId);
    const exited = once(liftoff.process, 'exit');
    liftoff.process.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return { card: reply?.activity?.attachments?.[0]?.content, code, stdout: liftoff.lines, stderr };
  } finally {
    liftoff.process.kill('SIGKILL');
    await fake.close();
  }
}

describe('the compiled build', () => {
  // Compiles bot/ and cards/ into dist/ and the tab into dist/tab the way npm start does when dist/ is stale (some seconds).
  before(function () {
    this.timeout(180_000);
    build(ROOT);
  });

  it('runs as node dist/bot/index.js: healthy, answers help with the help card, and exits 0 on SIGTERM', async function () {
    this.timeout(60_000);
    const { card, code, stdout } = await helpThenSigterm('compiled');
    assert.match(cardText(card), /new <name>/, 'the help card lists the commands');
    assert.equal(code, 0);
    assert.ok(
      stdout.some((line) => /"event":"stopped"/.test(line)),
      'logs that it stopped cleanly',
    );
  });

  it('runs as npm start does (scripts/start.js): the up-to-date build in its own process, so SIGTERM stops it cleanly', async function () {
    this.timeout(60_000);
    const { card, code, stdout, stderr } = await helpThenSigterm('start');
    assert.match(cardText(card), /new <name>/);
    assert.equal(code, 0);
    assert.ok(stdout.some((line) => /"event":"stopped"/.test(line)));
    assert.ok(!stderr.some((line) => /Building dist/.test(line)), 'an up-to-date build is not rebuilt');
  });
});

describe('npm start deciding whether to build first', () => {
  let root: string;
  const at = (minutes: number) => new Date(Date.UTC(2026, 10, 22, 9, minutes));
  async function file(path: string, minutes: number): Promise<void> {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), '');
    await utimes(join(root, path), at(minutes), at(minutes));
  }
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'liftoff-start-'));
    await file('bot/index.ts', 0);
    await file('cards/templates/help.json', 2);
    await file('tsconfig.json', 0);
    await file('tsconfig.build.json', 0);
    for (const dir of ['bot', 'cards/templates', 'cards']) await utimes(join(root, dir), at(0), at(0));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('builds when dist/ is missing', () => {
    assert.equal(buildReason(root), 'missing');
  });

  it('builds when a source changed after the build, a card template included', async () => {
    await file('dist/bot/index.js', 1);
    await file('dist/tab/board.html', 1);
    assert.equal(buildReason(root), 'stale');
  });

  it('builds when the tab pages (dist/tab) are missing, even with the bot compiled', async () => {
    await file('dist/bot/index.js', 3);
    assert.equal(buildReason(root), 'missing');
  });

  it('builds when a page of the tab changed after the build', async () => {
    await file('dist/bot/index.js', 3);
    await file('dist/tab/board.html', 3);
    await file('tab/src/Board.tsx', 4);
    assert.equal(buildReason(root), 'stale');
  });

  it('starts the build as it is when it is newer than every source', async () => {
    await file('dist/bot/index.js', 3);
    await file('dist/tab/board.html', 3);
    assert.equal(buildReason(root), undefined);
  });
});

describe('the azd deployment (azure.yaml, infra/)', () => {
  const read = (path: string) => readFile(join(ROOT, path), 'utf8');

  it('starts the compiled build on Node 22, and hands npm run package the BOT_ID and BOT_DOMAIN it reads', async () => {
    const [azure, main, resources, packageScript] = await Promise.all([read('azure.yaml'), read('infra/main.bicep'), read('infra/resources.bicep'), read('scripts/package.ts')]);
    const service = /^services:\n {2}([\w-]+):/m.exec(azure)?.[1];
    assert.ok(service, 'azure.yaml names a service');
    assert.match(resources, new RegExp(`param serviceName string = '${service}'`), 'the web app carries the azd-service-name azd deploys to');
    assert.match(resources, /appCommandLine: 'node dist\/bot\/index\.js'/);
    assert.match(resources, /linuxFxVersion: 'NODE\|22-lts'/);
    for (const name of ['BOT_ID', 'BOT_DOMAIN']) {
      assert.match(packageScript, new RegExp(`env\\.${name}\\b`), `npm run package reads ${name}`);
      assert.match(main, new RegExp(`^output ${name} string = `, 'm'), `provisioning outputs ${name}`);
    }
  });
});
