/**
 * The release board in a real browser (Debian's Chromium), inside a small host page that plays the Teams
 * client for teams-js: it answers initialize, getContext and authentication.getAuthToken over postMessage
 * (the message names are teams-js's own, dist/esm/.../internal/communication.js and public/app/app.js)
 * and pushes a theme change. The host page is served by Playwright as https://teams.microsoft.com, an
 * origin teams-js accepts, so the tab needs no test-only switch; the tab itself is served as https://liftoff.test,
 * forwarded by Playwright to the real server on loopback. Skipped where Chromium is not installed.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import type { Person, Workload } from '../../bot/release/model';
import { teamPartitionOf } from '../../bot/release/rules';
import type { Wave } from '../../bot/waves/model';
import { buildTab } from '../../scripts/start';
import { press } from '../support/actions';
import { person, TENANT } from '../support/builders';
import { findAction, Harness, startHarness } from '../support/liftoff';
import { SignoffDriver } from '../support/signoff';
import { startTokenIssuer, TokenIssuer } from '../support/tabTokens';
import { teamChannel, teamsUserId, workloadIdIn } from '../support/teams';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(__dirname, '../..');
const SHOTS = join(ROOT, 'build', 'tab-screenshots');
const HOST = 'https://teams.microsoft.com/liftoff-test-host';
/** Where the browser finds Liftoff: an https origin Playwright forwards to the loopback server (Chromium keeps public pages off loopback). */
const LIFTOFF = 'https://liftoff.test';

/**
 * An element's full and visible width, run in the page. Typed loosely: without the DOM library (the root
 * program has React's empty element interfaces only) the element has no layout properties to the compiler.
 */
const widthsOf = (el: unknown): number[] => {
  const box = el as { scrollWidth: number; clientWidth: number };
  return [box.scrollWidth, box.clientWidth];
};

const priya = person('Priya PM');
const tom = person('Tom Engineer');
const alpha = teamChannel('alpha');
const payroll = workloadIdIn(alpha, 'payroll-api');

/** The runtime a Teams web client announces on initialize: the capabilities the tab uses. */
const RUNTIME = {
  apiVersion: 4,
  hostVersionsInfo: { adaptiveCardSchemaVersion: { majorVersion: 1, minorVersion: 5 } },
  isLegacyTeams: false,
  supports: { app: {}, appEntity: {}, authentication: {}, pages: { config: {}, tabs: {}, appButton: {}, backStack: {} }, teams: { fullTrust: {} } },
};

/** The host page: one iframe holding the tab, and the Teams side of teams-js's postMessage protocol. */
function hostPage(tabUrl: string, context: Record<string, unknown>, token: string): string {
  const script = `
    const runtime = ${JSON.stringify(JSON.stringify(RUNTIME))};
    const context = ${JSON.stringify(context)};
    const token = ${JSON.stringify(token)};
    const frame = document.querySelector('iframe');
    window.addEventListener('message', (event) => {
      const m = event.data;
      if (!m || typeof m.func !== 'string' || event.source !== frame.contentWindow) return;
      const reply = (args) => event.source.postMessage({ id: m.id, uuid: m.uuid, args }, event.origin);
      if (m.func === 'initialize') reply(['content', 'web', runtime, '2.58.0']);
      else if (m.func === 'getContext') reply([context]);
      else if (m.func === 'authentication.getAuthToken') reply([true, token]);
    });
    window.setTheme = (theme) => frame.contentWindow.postMessage({ func: 'themeChange', args: [theme] }, new URL(frame.src).origin);
  `;
  return `<!doctype html><html><head><title>Teams (test host)</title><style>html,body{margin:0;height:100%}iframe{border:0;width:100%;height:100%}</style></head>
<body><iframe title="Liftoff tab" src="${tabUrl}"></iframe><script>${script}</script></body></html>`;
}

describe('the release board tab in Chromium, hosted by a page that plays Teams', function () {
  let h: Harness;
  let issuer: TokenIssuer;
  let browser: Browser;
  let pages: string | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) return this.skip();
    this.timeout(180_000);
    // The pages as npm run build makes them (a few seconds with Vite), into a folder of this run's own.
    pages = await mkdtemp(join(tmpdir(), 'liftoff-tab-'));
    buildTab(ROOT, pages);
    issuer = await startTokenIssuer();
    h = await startHarness(issuer.env, { tabBuildDir: pages });
    h.fake.setRoster(
      alpha.teamId!,
      [priya, tom].map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: TENANT })),
    );
    await h.post(h.activities.installation(priya, 'add', alpha));
    await h.say(h.activities.message(priya, 'new Payroll API', alpha));
    const roles = findAction(await h.say(h.activities.message(priya, 'roles Payroll API', alpha)), 'roles.save');
    await h.post(h.activities.execute(priya, 'roles.save', { ...roles.data, role: 'migrationEngineer', people: tom.aadObjectId }, alpha));
    // A UAT cycle with one approval of two, for the panel's picture of it, and the team's wave, for the board's grouping.
    const signoff = new SignoffDriver(h, alpha);
    await signoff.assignBusinessOwner(priya, 'Payroll API', priya);
    const opened = await signoff.open(priya, 'Payroll API', { testers: [tom, priya], dueDate: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) });
    assert.ok(opened.cycleId, 'the cycle opened');
    await press(h, h.activities.execute(priya, 'signoff.decide', { workloadId: payroll, cycleId: opened.cycleId, decision: 'approve' }, alpha));
    const today = new Date().toISOString().slice(0, 10);
    const wave: Wave = {
      id: 'wave-1',
      waveId: 'wave-1',
      workloadId: teamPartitionOf({ tenantId: TENANT, scopeId: alpha.teamId! }),
      type: 'wave',
      tenantId: TENANT,
      scopeId: alpha.teamId!,
      name: 'Wave 1',
      start: today,
      end: new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10),
      workloadIds: [payroll],
      status: 'open',
      createdBy: priya,
      createdAt: new Date().toISOString(),
    };
    await h.app.cosmos.workloads.items.create(wave);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
    await issuer?.close();
    if (pages) await rm(pages, { recursive: true, force: true });
  });

  /** Opens a tab page inside the host page, as this person, at this width, runs the steps, and closes it; nothing leaves the machine. */
  async function withTab(path: string, who: Person, width: number, steps: (opened: { page: Page; tab: FrameLocator }) => Promise<void>): Promise<void> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const legacyContext = {
      locale: 'en-us',
      theme: 'default',
      tid: TENANT,
      userObjectId: who.aadObjectId,
      hostClientType: 'web',
      frameContext: 'content',
      appSessionId: 'test',
      ...(path === '/tab/board' ? { teamId: alpha.teamId, teamName: 'Alpha', channelId: alpha.conversationId, channelName: 'General' } : {}),
    };
    const html = hostPage(`${LIFTOFF}${path}`, legacyContext, await issuer.token(who));
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url === HOST) await route.fulfill({ status: 200, contentType: 'text/html', body: html });
      else if (url.startsWith(`${LIFTOFF}/`)) await route.fulfill({ response: await route.fetch({ url: h.app.url + url.slice(LIFTOFF.length) }) });
      else await route.abort();
    });
    try {
      const page = await context.newPage();
      await page.goto(HOST);
      await steps({ page, tab: page.frameLocator('iframe') });
    } finally {
      await context.close();
    }
  }

  it("shows the team's workload and the stage it is in, and opens its gates with their owners", async function () {
    this.timeout(60_000);
    await withTab('/tab/board', priya, 1280, async ({ page, tab }) => {
      const row = tab.getByRole('row', { name: /Payroll API/ });
      await row.waitFor();
      assert.match(await row.innerText(), /Staged[\s\S]*0\/16 gates/);
      assert.match(await row.innerText(), /Next: Assets replicated and staged \(Tom Engineer\)/);
      assert.equal(await tab.getByRole('columnheader').count(), 12, 'workload, progress and the ten stages');
      await tab.getByRole('heading', { name: /^Wave 1: \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d$/ }).waitFor();
      await page.screenshot({ path: join(SHOTS, 'board.png') });
      await tab.getByRole('button', { name: /Payroll API/ }).press('Enter');
      const gates = tab.getByRole('table', { name: 'Gates of Payroll API' });
      await gates.waitFor();
      assert.match(await gates.getByRole('row', { name: /Assets replicated and staged/ }).innerText(), /Tom Engineer[\s\S]*pending/);
      assert.equal(await tab.getByRole('img', { name: /^UAT cycle 1: 1 approved of 2 needed, 0 rejected, 1 still to decide$/ }).count(), 1, 'the UAT picture is named by its words');
      await tab.getByRole('article').screenshot({ path: join(SHOTS, 'board-workload.png') });
    });
  });

  it('fits a phone: at 320 px wide the workload and its stage are on screen, without scrolling sideways', async function () {
    this.timeout(60_000);
    await withTab('/tab/board', priya, 320, async ({ page, tab }) => {
      const row = tab.getByRole('row', { name: /Payroll API/ });
      await row.waitFor();
      assert.match(await row.innerText(), /Payroll API[\s\S]*Staged[\s\S]*0\/16 gates/);
      assert.doesNotMatch(await row.innerText(), /Not started/, 'the stage columns give way on a phone; the panel lists the gates');
      const region = tab.getByRole('region', { name: 'Workloads against the release stages' });
      const widths = await region.evaluate(widthsOf);
      assert.ok(widths[0]! <= widths[1]!, `the board is ${widths[0]} px wide in ${widths[1]} px`);
      const box = await row.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 320, `the row spans ${JSON.stringify(box)}`);
      await page.screenshot({ path: join(SHOTS, 'board-320px.png') });
    });
  });

  it('follows the Teams theme: dark when Teams switches to dark', async function () {
    this.timeout(60_000);
    await withTab('/tab/board', priya, 1024, async ({ page, tab }) => {
      await tab.getByRole('row', { name: /Payroll API/ }).waitFor();
      assert.equal(await tab.locator('[data-theme="dark"]').count(), 0);
      await page.evaluate("window.setTheme('dark')");
      await tab.locator('[data-theme="dark"]').waitFor();
      await page.screenshot({ path: join(SHOTS, 'board-dark.png') });
    });
  });

  it('shows a gate decided in chat on the open board within seconds, without a reload', async function () {
    this.timeout(60_000);
    await withTab('/tab/board', priya, 1280, async ({ tab }) => {
      const row = tab.getByRole('row', { name: /Payroll API/ });
      await row.waitFor();
      const before = await row.innerText();
      const closed = Number(/(\d+)\/16 gates/.exec(before)?.[1]);
      // Someone decides a gate in chat, on the card: the tab polls (304 while nothing changed) and redraws the row.
      const workload = (await h.app.cosmos.workloads.item(payroll, payroll).read<Workload>()).resource!;
      const rev = workload.gates.find((g) => g.id === 'assets-staged')!.rev;
      await h.post(h.activities.execute(tom, 'gate.decide', { workloadId: payroll, gateId: 'assets-staged', decision: 'fail', note: 'Replication lags', revs: { 'assets-staged': rev } }, alpha));
      await tab
        .getByRole('row', { name: /Payroll API/ })
        .getByText('Failed')
        .waitFor({ timeout: 20_000 });
      assert.match(await row.innerText(), new RegExp(`${closed}/16 gates`), 'a failed gate closes nothing');
    });
  });

  it('decides a gate from "My release work" with the keyboard, and says what happened', async function () {
    this.timeout(60_000);
    await withTab('/tab/mywork', tom, 800, async ({ page, tab }) => {
      const item = tab.getByRole('listitem', { name: /Gate to decide: Assets replicated and staged/ });
      await item.waitFor();
      const link = item.getByRole('link', { name: 'Open the chat of Payroll API' });
      assert.match((await link.getAttribute('href')) ?? '', /^https:\/\/teams\.microsoft\.com\/l\/channel\/19%3Aalpha%40thread\.tacv2\//);
      await page.screenshot({ path: join(SHOTS, 'mywork.png') });
      await item.getByRole('textbox', { name: /Evidence/ }).fill('https://contoso.example/replication-report');
      await item.getByRole('button', { name: 'Pass "Assets replicated and staged"' }).press('Enter');
      await tab.getByRole('status').getByText('Tom Engineer passed "Assets replicated and staged".').waitFor();
      await tab.getByRole('listitem', { name: /Assets replicated and staged/ }).waitFor({ state: 'detached' });
      const stored = (await h.app.cosmos.workloads.item(payroll, payroll).read<Workload>()).resource!;
      const gate = stored.gates.find((g) => g.id === 'assets-staged')!;
      assert.deepEqual([gate.status, gate.evidence, gate.decidedBy?.name], ['passed', 'https://contoso.example/replication-report', 'Tom Engineer']);
      await page.screenshot({ path: join(SHOTS, 'mywork-decided.png') });
    });
  });

  it('fails a gate from "My release work" with the keyboard, refused without a reason as the card refuses it', async function () {
    this.timeout(60_000);
    await withTab('/tab/mywork', tom, 800, async ({ page, tab }) => {
      const item = tab.getByRole('listitem', { name: /Gate to decide: User routing/ });
      await item.waitFor();
      assert.equal(await item.getByRole('button', { name: /^Pass/ }).count(), 0, 'it passes with its evidence form in chat');
      assert.equal(await item.getByRole('button', { name: 'Waive' }).count(), 0, 'Tom may not waive: he is not the project manager');
      await item.getByRole('button', { name: 'Fail' }).press('Enter');
      await tab.getByRole('status').getByText('Say why: a failed gate needs a reason.').waitFor();
      await item.getByRole('textbox', { name: /Reason/ }).fill('Front door still points at the old site');
      await item.getByRole('button', { name: 'Fail' }).press('Enter');
      await tab.getByRole('status').getByText('Tom Engineer failed "User routing": Front door still points at the old site.').waitFor();
      const stored = (await h.app.cosmos.workloads.item(payroll, payroll).read<Workload>()).resource!;
      const gate = stored.gates.find((g) => g.id === 'user-routing')!;
      assert.deepEqual([gate.status, gate.reason], ['failed', 'Front door still points at the old site']);
      await page.screenshot({ path: join(SHOTS, 'mywork-failed.png') });
    });
  });

  it('fits a phone: "My release work" at 320 px wide scrolls only downwards', async function () {
    this.timeout(60_000);
    await withTab('/tab/mywork', tom, 320, async ({ page, tab }) => {
      await tab.getByRole('list', { name: 'What waits on you' }).waitFor();
      const widths = await tab.locator('html').evaluate(widthsOf);
      assert.ok(widths[0]! <= widths[1]!, `the page is ${widths[0]} px wide in ${widths[1]} px`);
      await page.screenshot({ path: join(SHOTS, 'mywork-320px.png'), fullPage: true });
    });
  });

  it('says how to open it when the page is opened outside Teams', async function () {
    this.timeout(60_000);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${h.app.url}/tab/board`);
      await page.getByText('Open this page in Microsoft Teams').waitFor();
    } finally {
      await context.close();
    }
  });
});
