/**
 * `npm run test:playground`: a person's first session with Liftoff, in a real browser.
 * Starts `npm run playground` (Liftoff + the Microsoft 365 Agents Playground), then drives Debian's
 * Chromium through playwright-core: create a workload, assign a role from the roles card, pass a gate
 * from the checklist card. Asserts what the person reads on each card; screenshots go to
 * $TMPDIR/liftoff-walkthrough/. Needs /usr/bin/chromium (apt-get install chromium).
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, Page } from 'playwright-core';

const SHOTS = join(tmpdir(), 'liftoff-walkthrough');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox').first().click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** Waits until the newest card shows this text. */
async function cardSays(page: Page, text: string | RegExp): Promise<void> {
  await page.getByText(text).last().waitFor({ state: 'visible', timeout: 15_000 });
}

async function main(): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const botPort = await freePort();
  const playground = spawn('npm', ['run', 'playground'], { env: { ...process.env, PORT: String(botPort) }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  let output = '';
  playground.stdout.on('data', (chunk) => (output += chunk));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let page: Page | undefined;
  try {
    const deadline = Date.now() + 120_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /Open (http:\/\/localhost:\d+) to chat with Liftoff/.exec(output)?.[1];
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(url, `the playground did not start:\n${output}`);

    page = await browser.newPage({ viewport: { width: 1300, height: 1800 } });
    await page.goto(url, { waitUntil: 'networkidle' });
    await page.getByText('Personal Chat').click();

    await send(page, 'new Payroll API');
    await cardSays(page, 'Created Payroll API. You are its project manager');
    await page.screenshot({ path: join(SHOTS, '1-created.png') });
    console.log('created a workload: the checklist card says so');

    await page.getByText('Roles', { exact: true }).last().click();
    await cardSays(page, 'Roles for Payroll API');
    const inputs = page.locator('input[type=text]');
    await inputs.nth(0).click();
    await page.getByRole('option', { name: 'Migration engineer' }).click();
    await inputs.nth(1).click();
    await page.getByRole('menuitemcheckbox').first().click();
    await page.keyboard.press('Escape');
    await page.getByText('Save role').last().click();
    await cardSays(page, /Roles saved\. .+ now holds this role\./);
    await page.screenshot({ path: join(SHOTS, '2-roles.png') });
    console.log('assigned the migration engineer from the roster');

    await page.getByText('Checklist', { exact: true }).last().click();
    await cardSays(page, 'Record a decision');
    await page.getByText('Record a decision').last().click();
    await page.locator('input[type=text]').last().click();
    await page.getByRole('option', { name: 'Staged: Assets replicated and staged' }).click();
    await page.locator('textarea').last().fill('https://contoso.example/runbooks/42');
    await page.getByText('Pass', { exact: true }).last().click();
    await cardSays(page, /passed "Assets replicated and staged"/);
    await cardSays(page, 'Evidence: https://contoso.example/runbooks/42');
    await page.screenshot({ path: join(SHOTS, '3-gate-passed.png') });
    console.log('passed the first gate from the checklist card, with evidence');
    console.log(`screenshots in ${SHOTS}`);
  } catch (error) {
    await page?.screenshot({ path: join(SHOTS, 'failed.png') });
    throw error;
  } finally {
    await browser.close();
    if (playground.pid) process.kill(-playground.pid, 'SIGTERM');
  }
}

main().then(
  () => console.log('walkthrough passed'),
  (error: unknown) => {
    console.error('walkthrough failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
