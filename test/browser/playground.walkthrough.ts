/**
 * `npm run test:playground`: a person's first session with Liftoff, in a real browser.
 * Starts `npm run playground` (Liftoff + the Microsoft 365 Agents Playground), then drives Debian's
 * Chromium through playwright-core: see the welcome card, create a workload, assign a role from the roles
 * card (several at once later), pass a gate from the checklist card and open its folded stage, act on an
 * older checklist card (it says the action was not recorded), then run a UAT cycle to its final sign-off (the playground has one person,
 * who is tester and business owner), then send a change notice to this conversation and acknowledge it
 * (the progress card counts the acknowledgement), and start an anonymous retrospective, add an entry and
 * reveal the entries. Asserts what the person reads on each card; screenshots go to
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

/** Types a message and waits for Liftoff's answer: a new card in the chat. */
async function send(page: Page, text: string): Promise<void> {
  const cards = page.locator('.ac-adaptiveCard');
  const before = await cards.count();
  await page.getByRole('textbox').first().click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  // Evaluated in the page (a string, so this Node file needs no DOM types).
  await page.waitForFunction(`document.querySelectorAll('.ac-adaptiveCard').length > ${before}`, undefined, { timeout: 15_000 });
}

/** The newest card in the chat. */
const lastCard = (page: Page) => page.locator('.ac-adaptiveCard').last();

/** On a roles card: picks the first member of the roster under each of these roles (one picker per role). */
async function pickRoles(page: Page, card: ReturnType<typeof lastCard>, roles: string[]): Promise<void> {
  for (const role of roles) {
    await card.getByRole('combobox', { name: new RegExp(`^${role}`) }).click();
    await page.getByRole('menuitemcheckbox').first().click();
    await page.keyboard.press('Escape');
  }
}

/** Gives roles to the first member of the roster, from a fresh roles card, in one save. */
async function giveRoles(page: Page, roles: string[]): Promise<void> {
  await send(page, 'roles Payroll API');
  await cardSays(page, 'Roles for Payroll API');
  const card = lastCard(page);
  await pickRoles(page, card, roles);
  await card.getByText('Save roles').click();
  await cardSays(page, new RegExp(`Roles saved: ${roles.map((r) => `${r} → .+`).join('; ')}\\.`));
}

/** Cards that are messages, not the cards an Action.ShowCard opens inside them. */
const messageCards = (page: Page) => page.locator('.ac-adaptiveCard:not(.ac-adaptiveCard .ac-adaptiveCard)');

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

    await cardSays(page, 'Welcome to Liftoff');
    console.log('the welcome card was posted once when Liftoff was added');

    await page.getByText('Roles', { exact: true }).last().click();
    await cardSays(page, 'Roles for Payroll API');
    await pickRoles(page, lastCard(page), ['Migration engineer']);
    await page.getByText('Save roles').last().click();
    await cardSays(page, /Roles saved: Migration engineer → .+\./);
    await page.screenshot({ path: join(SHOTS, '2-roles.png') });
    console.log('assigned the migration engineer from the roster');

    await page.getByText('Checklist', { exact: true }).last().click();
    await cardSays(page, 'Record a decision');
    await page.getByText('Record a decision').last().click();
    await page.locator('input[type=text]').last().click();
    await page.getByRole('option', { name: 'Staging: Assets replicated and staged' }).click();
    await page.locator('textarea').last().fill('https://contoso.example/runbooks/42');
    await page.getByText('Pass', { exact: true }).last().click();
    await cardSays(page, /passed "Assets replicated and staged"/);
    // A finished stage is folded into one line; opening it with its toggle shows its gates.
    const evidence = lastCard(page).getByText('Evidence: https://contoso.example/runbooks/42');
    assert.equal(await evidence.isVisible(), false, 'the finished stage is folded');
    await page.screenshot({ path: join(SHOTS, '3-stage-folded.png') });
    await lastCard(page)
      .getByText(/Staging · 1 of 1 closed/)
      .click();
    await cardSays(page, 'Evidence: https://contoso.example/runbooks/42');
    await page.screenshot({ path: join(SHOTS, '3-stage-expanded.png') });
    console.log('passed the first gate from the checklist card, with evidence; its stage folded, then opened with its toggle');

    // Two checklist cards of the same workload: a waiver on the newer, then the same gate from the older.
    await send(page, 'status Payroll API');
    const older = messageCards(page).nth((await messageCards(page).count()) - 1);
    await send(page, 'status Payroll API');
    const newer = messageCards(page).nth((await messageCards(page).count()) - 1);
    await newer.getByText('Record a decision', { exact: true }).click();
    await newer.locator('textarea').last().fill('reason A');
    await newer.getByText('Waive', { exact: true }).click();
    await cardSays(page, /waived "/);
    await older.getByText('Record a decision', { exact: true }).click();
    await older.locator('textarea').last().fill('reason B');
    await older.getByText('Waive', { exact: true }).click();
    await cardSays(page, /already waived by .+: reason A; yours was not recorded/);
    await older.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, '3-stale-card.png') });
    console.log('acted on an older checklist card: it says what stands and that the action was not recorded');

    await giveRoles(page, ['Business owner', 'UAT tester']);
    await send(page, 'uat Payroll API');
    await cardSays(page, 'Open a UAT cycle for Payroll API');
    let card = lastCard(page);
    await card.locator('input[type=text]').first().click();
    await page.getByRole('menuitemcheckbox').first().click();
    await page.keyboard.press('Escape');
    await card.locator('input[type=url]').fill('https://contoso.example/uat/plan');
    await card.getByText('Open the cycle').click();
    await cardSays(page, /opened UAT cycle 1 of Payroll API/);
    await cardSays(page, 'UAT sign-off: Payroll API, cycle 1');
    console.log('opened a UAT cycle: the sign-off card is posted');

    // The playground does not refresh cards per user, so the tester asks for their buttons.
    await lastCard(page).getByText('Show my buttons').click();
    await lastCard(page).getByText('Approve', { exact: true }).waitFor({ timeout: 15_000 });
    await lastCard(page).getByText('Approve', { exact: true }).click();
    await cardSays(page, /The testers' rule is met\. Waiting for the final sign-off/);
    console.log('approved as the tester: the card shows the rule met');

    await lastCard(page).getByText('Show my buttons').click();
    card = lastCard(page);
    await card.getByText('Sign off', { exact: true }).waitFor({ timeout: 15_000 });
    await card.getByText('Sign off', { exact: true }).click();
    await cardSays(page, /passed/i);
    await page.screenshot({ path: join(SHOTS, '4-signed-off.png') });
    await send(page, 'status Payroll API');
    await lastCard(page)
      .getByText(/Business testing · 1 of 1 closed/)
      .click();
    await cardSays(page, /UAT cycle approved by the testers and the business owner/);
    const checklist = await lastCard(page).innerText();
    assert.match(checklist, /Business owner \(.+\) · passed by/, 'the business-testing gate is passed on the checklist');
    await page.screenshot({ path: join(SHOTS, '5-checklist.png') });
    console.log('signed off as the business owner: the business-testing gate is green on the checklist');

    await giveRoles(page, ['Change manager']);
    await send(page, 'notify Payroll API');
    await cardSays(page, 'Compose a notice for Payroll API');
    card = lastCard(page);
    await card.getByLabel(/^Title/).fill('Payroll API moves to Azure');
    await card.locator('textarea').first().fill('The **payroll API** moves to Azure on Saturday.');
    await card.getByText('Post it in this conversation').click();
    await card.getByText('Preview', { exact: true }).click();
    await page.getByText('Send', { exact: true }).last().waitFor({ timeout: 15_000 });
    await page.getByText('Send', { exact: true }).last().click();
    await cardSays(page, 'Notice sent');
    await cardSays(page, 'The payroll API moves to Azure on Saturday.');
    console.log('sent a change notice to this conversation: the progress card says it was sent');
    await lastCard(page).getByText('Acknowledge', { exact: true }).click();
    // Once sent, the message the notice was composed in shows the checklist again; its Latest notice button opens the progress.
    await page.locator('.ac-adaptiveCard', { hasText: 'Change communication' }).last().getByText('Latest notice', { exact: true }).click();
    await page.waitForFunction(`[...document.querySelectorAll('.ac-adaptiveCard')].some((c) => /Notice sent/.test(c.innerText) && /Acknowledged\\s*1\\b/.test(c.innerText))`, undefined, {
      timeout: 15_000,
    });
    await page.screenshot({ path: join(SHOTS, '6-notice-acknowledged.png') });
    console.log('acknowledged the notice: the progress card counts it');

    await send(page, 'retro Payroll API');
    await cardSays(page, 'Start the retrospective of Payroll API');
    await lastCard(page).getByText('Start', { exact: true }).click();
    await cardSays(page, 'Collecting entries');
    await lastCard(page).getByText('Add my entries').click();
    await lastCard(page).locator('textarea').first().waitFor({ timeout: 15_000 });
    card = lastCard(page);
    await card.locator('textarea').first().fill('Cutover rehearsal caught the DNS TTL issue');
    await card.getByText('Add my entries').click();
    // The answer (this person's view) and the channel card's update for everyone (counts only) race
    // for the same message; either way the count shows the entry.
    await cardSays(page, /Added your entry\.|1 entry so far from 1 person/);
    // The facilitator's tools stay on the start card, which Start turned into the facilitator's view.
    await page.getByText('Reveal entries and group').first().click();
    await cardSays(page, 'Grouping similar entries');
    await page.screenshot({ path: join(SHOTS, '7-retro-revealed.png') });
    console.log('started an anonymous retro, added an entry and revealed the entries');
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
