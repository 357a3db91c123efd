import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { person, TENANT } from '../support/builders';
import { Harness, startHarness } from '../support/liftoff';
import { payrollWithTomTesting } from '../support/tabSeed';
import { startTokenIssuer, TAB_APP_ID_URI, TokenIssuer } from '../support/tabTokens';
import { Place, teamChannel, teamsUserId, workloadIdIn } from '../support/teams';

const priya = person('Priya PM');
const bea = person('Bea Owner');
const tom = person('Tom Engineer');
const eve = person('Eve Elsewhere');

const alpha = teamChannel('alpha');
const beta = teamChannel('beta');
const payroll = workloadIdIn(alpha, 'payroll-api');

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the release board API (/api/tab/...)', () => {
  let h: Harness;
  let issuer: TokenIssuer;
  let pages: string;

  const get = async (path: string, token?: string): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${h.app.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, body: await response.json() };
  };
  const board = (place: Place, token?: string) => get(`/api/tab/board?scope=${encodeURIComponent(place.teamId!)}`, token);
  const members = (...people: Array<typeof priya>) => people.map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: TENANT }));

  before(async () => {
    issuer = await startTokenIssuer();
    // A stand-in for the Vite build, so the spec reads what the server does with the files, not what Vite wrote.
    pages = await mkdtemp(join(tmpdir(), 'liftoff-tab-pages-'));
    await mkdir(join(pages, 'assets'));
    await writeFile(join(pages, 'board.html'), '<!doctype html><title>Release board</title>');
    await writeFile(join(pages, 'assets', 'main-abc123.js'), 'console.log("board")');
    h = await startHarness(issuer.env, { tabBuildDir: pages });
    h.fake.setRoster(alpha.teamId!, members(priya, bea, tom));
    h.fake.setRoster(beta.teamId!, members(eve));
    // Installing Liftoff in a team stores where Teams can be asked about its roster; Tom's UAT decision waits in the tab.
    await payrollWithTomTesting(h, { priya, bea, tom, eve }, alpha, beta);
  });
  after(async () => {
    await h.close();
    await issuer.close();
    await rm(pages, { recursive: true, force: true });
  });

  it('answers a member of the team with its board: each workload, the stage it is in and what blocks it', async () => {
    const { status, body } = await board(alpha, await issuer.token(bea));
    assert.equal(status, 200);
    assert.deepEqual(
      body.stages.map((s: any) => s.title),
      ['Staged', 'Change plan', 'Communication', 'Business testing', 'Benchmark', 'Ready for production', 'Promoted', 'Decommissioned', 'Cost review', 'Retrospective'],
    );
    assert.equal(body.workloads.length, 1);
    const [row] = body.workloads;
    assert.equal(row.name, 'Payroll API');
    assert.equal(row.stageTitle, 'Staged');
    assert.deepEqual([row.closedGates, row.totalGates], [0, 16]);
    assert.deepEqual(row.next, { gate: 'Assets replicated and staged', owners: ['Tom Engineer'] });
    assert.deepEqual(row.cells[0], { stage: 'staged', title: 'Staged', state: 'current', closed: 0, gates: 1, blockers: ['Assets replicated and staged'] });
    assert.equal(row.cells[1].state, 'waiting');
  });

  it('shows the selected workload: its gates with owners, and the audit timeline', async () => {
    const { status, body } = await get(`/api/tab/workloads/${encodeURIComponent(payroll)}`, await issuer.token(tom));
    assert.equal(status, 200);
    assert.equal(body.name, 'Payroll API');
    const staged = body.gates.find((g: any) => g.id === 'assets-staged');
    assert.deepEqual(staged, { id: 'assets-staged', title: 'Assets replicated and staged', stageTitle: 'Staged', ownerRole: 'Migration engineer', owners: ['Tom Engineer'], status: 'pending' });
    assert.ok(body.timeline.length >= 3, 'created, roles assigned, cycle opened');
    assert.ok(body.timeline.every((e: any) => e.actor === 'Priya PM'));
    assert.deepEqual(
      body.cycles.map((c: any) => [c.number, c.state, c.approved, c.rejected, c.pending, c.needed]),
      [[1, 'open', 0, 0, 1, 1]],
    );
    assert.deepEqual([body.notices, body.actions], [[], []]);
  });

  it('lists in "My release work" the gates the person may decide now and their pending UAT decision, each with a deep link to its channel', async () => {
    const { status, body } = await get('/api/tab/mywork', await issuer.token(tom));
    assert.equal(status, 200);
    const link = `https://teams.microsoft.com/l/channel/${encodeURIComponent(alpha.conversationId)}/Payroll%20API?tenantId=${TENANT}`;
    // Readiness gates do not wait for earlier stages (the release rule), so user routing is Tom's to decide too.
    assert.deepEqual(body.items, [
      { kind: 'gate', workloadId: payroll, workloadName: 'Payroll API', title: 'Assets replicated and staged', link, act: { kind: 'gate', gateId: 'assets-staged', rev: 1, also: ['fail'] } },
      // User routing passes with typed evidence, filled on its form in chat: the page says so instead of offering Pass.
      { kind: 'gate', workloadId: payroll, workloadName: 'Payroll API', title: 'User routing', link, act: { kind: 'gate', gateId: 'user-routing', rev: 1, evidenceForm: true, also: ['fail'] } },
      { kind: 'uat', workloadId: payroll, workloadName: 'Payroll API', title: 'UAT cycle 1: your test decision', link, act: { kind: 'uat', cycleId: 'uat-1' } },
    ]);
    const owner = (await get('/api/tab/mywork', await issuer.token(bea))).body.items;
    assert.ok(
      owner.every((item: any) => item.kind === 'gate'),
      'the final sign-off waits until the testers have decided',
    );
  });

  describe('refuses with 401, and says how to open the tab, a request without a valid Teams token', () => {
    const cases: Array<[string, () => Promise<string | undefined>]> = [
      ['no token', async () => undefined],
      ['an expired token', () => issuer.token(priya, {}, { now: new Date(Date.now() - 3 * 3600_000) })],
      ['a token for another audience', () => issuer.token(priya, { aud: 'api://elsewhere.example.com/00000000-0000-0000-0000-000000000001' })],
      ['a token from another issuer', () => issuer.token(priya, { iss: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0' })],
      ['a token whose issuer names another tenant than its tid', () => issuer.token(priya, { iss: issuer.issuerOf('11111111-2222-4333-8444-555555555555') })],
      [
        'an unsigned token (alg none)',
        async () =>
          `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: issuer.issuerOf(TENANT), aud: TAB_APP_ID_URI, tid: TENANT, oid: priya.aadObjectId, exp: Math.floor(Date.now() / 1000) + 3600 })}.`,
      ],
      [
        'a token signed with HS256',
        () =>
          new SignJWT({ iss: issuer.issuerOf(TENANT), aud: TAB_APP_ID_URI, tid: TENANT, oid: priya.aadObjectId })
            .setProtectedHeader({ alg: 'HS256', kid: 'test-key' })
            .setExpirationTime('1h')
            .sign(new TextEncoder().encode('a shared secret anyone could have guessed, 32+ bytes')),
      ],
      ['a token with its signature tampered', async () => `${(await issuer.token(priya)).slice(0, -4)}AAAA`],
    ];
    for (const [what, token] of cases) {
      it(`refuses ${what}`, async () => {
        const value = await token();
        for (const answer of [await board(alpha, value), await get(`/api/tab/workloads/${encodeURIComponent(payroll)}`, value), await get('/api/tab/mywork', value)]) {
          assert.equal(answer.status, 401);
          assert.equal(answer.body.message, 'Open Liftoff from Microsoft Teams: the tab signs you in with your Teams account.');
        }
      });
    }
  });

  it("answers a member of another team 404 for that team's board and its workload, exactly as for a missing one", async () => {
    const token = await issuer.token(eve);
    const theirs = await board(alpha, token);
    assert.equal(theirs.status, 404);
    assert.doesNotMatch(JSON.stringify(theirs.body), /Payroll|Priya|Tom/);
    const workload = await get(`/api/tab/workloads/${encodeURIComponent(payroll)}`, token);
    const missing = await get(`/api/tab/workloads/${encodeURIComponent(workloadIdIn(alpha, 'no-such-workload'))}`, token);
    assert.deepEqual(workload, missing);
    assert.equal(workload.status, 404);
    assert.deepEqual((await get('/api/tab/mywork', token)).body.items, []);
    const own = await board(beta, token);
    assert.deepEqual([own.status, own.body.workloads], [200, []], 'her own team has a board, with nothing of alpha on it');
  });

  it('serves the built tab pages under /tab/ with the frame ancestors Teams needs, says when they are not built, and serves no file outside the build', async () => {
    const page = await fetch(`${h.app.url}/tab/board`);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), '<!doctype html><title>Release board</title>');
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /^frame-ancestors 'self' https:\/\/teams\.microsoft\.com /);
    const script = await fetch(`${h.app.url}/tab/assets/main-abc123.js`);
    assert.deepEqual([script.status, script.headers.get('content-type'), await script.text()], [200, 'text/javascript; charset=utf-8', 'console.log("board")']);
    const unbuilt = await fetch(`${h.app.url}/tab/mywork`);
    assert.deepEqual([unbuilt.status, await unbuilt.text()], [503, 'The tab pages are not built on this server: run npm run build, then start Liftoff again.']);
    for (const path of ['/tab/assets/..%2F..%2Fpackage.json', '/tab/assets/.env', '/tab/assets/main.ts']) {
      assert.equal((await fetch(`${h.app.url}${path}`)).status, 404, path);
    }
  });

  it('refuses a board request that names no team or chat with a sentence', async () => {
    const answer = await get('/api/tab/board', await issuer.token(priya));
    assert.equal(answer.status, 400);
    assert.match(answer.body.message, /named no team or chat\.$/);
  });
});
