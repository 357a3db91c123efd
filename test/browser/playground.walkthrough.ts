/**
 * `npm run test:playground`: a person's first session with Liftoff, in a real browser.
 * Starts `npm run playground` (Liftoff + the Microsoft 365 Agents Playground), then drives Debian's
 * Chromium through playwright-core: see the welcome card, create a workload, assign a role from the roles
 * card (several at once later), pass a gate from the checklist card and open its folded stage, act on an
 * older checklist card (it says the action was not recorded), then run a UAT cycle to its final sign-off
 * (the playground has one person, who is tester and business owner), send a change notice to this
 * conversation and acknowledge it (the progress card counts the acknowledgement), and start an anonymous
 * retrospective, add an entry and reveal the entries. Then the release goes on: pass the benchmark with its
 * typed evidence form (the checklist shows the evidence in one line), waive the readiness gates (the CISO's
 * by the CISO), plan release window 1 with `cutover` (the runbook with each step's owner role and planned
 * time, Edit the runbook, the go/no-go list waiting), read the communication plan with the window's drafted
 * notices (reminder, start, go-live, rollback), and list two retired assets by pasting lines on the
 * decommission card (monitoring them waits for the cutover, and the card says so). Asserts what the person
 * reads on each card; screenshots go to $TMPDIR/liftoff-walkthrough/ (1-created … 11-decommission.png).
 * Needs /usr/bin/chromium (apt-get install chromium).
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
  // The chat's compose box (an editable div), not a text field of a card.
  await page.locator('[contenteditable="true"]').first().click();
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

/** Gives roles (in the order of the roles card) to the first member of the roster, from a fresh roles card, in one save; returns that member's name. */
async function giveRoles(page: Page, roles: string[]): Promise<string> {
  await send(page, 'roles Payroll API');
  await cardSays(page, 'Roles for Payroll API');
  const card = lastCard(page);
  await pickRoles(page, card, roles);
  await card.getByText('Save roles').click();
  const saved = new RegExp(`Roles saved: ${roles.map((r) => `${r} → (.+?)`).join('; ')}\\.`);
  await cardSays(page, saved);
  return saved.exec(await page.getByText(saved).last().innerText())![1]!;
}

/** Cards that are messages, not the cards an Action.ShowCard opens inside them. */
const messageCards = (page: Page) => page.locator('.ac-adaptiveCard:not(.ac-adaptiveCard .ac-adaptiveCard)');

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** On the newest checklist card: Record a decision, pick the gate, type the note or reason, and press the button. */
async function recordDecision(page: Page, gate: string, button: 'Pass' | 'Waive' | 'Evidence form', note?: string): Promise<void> {
  const card = messageCards(page).last();
  await card.getByText('Record a decision', { exact: true }).click();
  await card.locator('input[type=text]').last().click();
  await page.getByRole('option', { name: gate }).click();
  if (note) await card.locator('textarea').last().fill(note);
  await card.getByText(button, { exact: true }).click();
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
    await recordDecision(page, 'Staging: Assets replicated and staged', 'Pass', 'https://contoso.example/runbooks/42');
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

    // The benchmark passes with typed evidence. The playground's one person also takes the roles the
    // release window needs on its go/no-go list (cloud operations) and the CISO's, in one save.
    const me = await giveRoles(page, ['Workload architect', 'Cloud operations', 'CISO']);
    await send(page, 'status Payroll API');
    await recordDecision(page, 'Performance measured, sizing decided', 'Evidence form');
    await cardSays(page, 'Evidence: Performance measured, sizing decided');
    const form = messageCards(page).last();
    for (const [label, value] of [
      [/^Measured p95 latency/, '180'],
      [/^Measured throughput/, '450'],
      [/^Business's target p95 latency/, '200'],
      [/^Business's target throughput/, '400'],
      [/^Sizing before and after/, 'app-vm01: D4s_v5 -> D2s_v5\napp-vm02: D8s_v5 -> D4s_v5'],
      [/^Monthly cost before/, '1200'],
      [/^Monthly cost after/, '800'],
    ] as const) {
      await form.getByLabel(label).fill(value);
    }
    await form.screenshot({ path: join(SHOTS, '8-evidence-form.png') });
    await form.getByText('Pass', { exact: true }).click();
    await cardSays(page, /passed "Performance measured, sizing decided"/);
    await cardSays(page, /Domain alignment \(Workload architect: .+\); pick it in Record a decision and press Evidence form/);
    await messageCards(page)
      .last()
      .getByText(/Benchmark · 1 of 1 closed/)
      .click();
    await cardSays(page, 'Evidence: p95 180 ms (target 200), 450 rps (target 400); sizing app-vm01 D4s_v5 → D2s_v5, app-vm02 D8s_v5 → D4s_v5; monthly cost 1,200 → 800; dated');
    await messageCards(page)
      .last()
      .screenshot({ path: join(SHOTS, '8-evidence-passed.png') });
    console.log('passed the benchmark with its evidence form: the checklist shows the evidence in one line');

    // Readiness is waived gate by gate here (each has its own form, as the benchmark): the project manager
    // waives, and the CISO verification only its CISO.
    for (const gate of [
      'Domain alignment',
      'User routing',
      'Identity alignment',
      'Performance validated',
      'Business continuity and disaster recovery validated',
      'Data classification',
      'CISO verification',
    ]) {
      await recordDecision(page, gate, 'Waive', 'Checked in the readiness review outside Liftoff');
      await cardSays(page, `waived "${gate}"`);
    }
    await cardSays(page, 'Ready for production is done: plan the release window');
    console.log('waived the readiness gates: the checklist offers the release window');

    await send(page, 'cutover Payroll API');
    card = messageCards(page).last();
    await cardSays(page, 'Release window for Payroll API');
    // Three days ahead, so the window reminder (a day before the start) is planned, not sent at once.
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    await card.getByLabel(/^Start date/).fill(day);
    await card.getByLabel(/^Start time/).fill('20:00');
    await card.getByLabel(/^End date/).fill(day);
    await card.getByLabel(/^End time/).fill('23:00');
    await card.getByLabel(/^Old DNS record/).fill('payroll.contoso.com CNAME onprem-lb.contoso.com');
    await card.getByLabel(/^New DNS record/).fill('payroll.contoso.com CNAME payroll.azurefd.net');
    await card.getByText('Plan the window', { exact: true }).last().click();
    await cardSays(page, /Window 1 is planned\. The stakeholders answer Go or No-go on this card before/);
    card = messageCards(page).last();
    const windowCard = await card.innerText();
    assert.match(windowCard, /Release window 1 for Payroll API/);
    assert.match(windowCard, /When\s+\w{3} \d{1,2} \w{3} \d{4}, 20:00 to 23:00 \S+/, 'the window in the one date format');
    assert.match(windowCard, new RegExp(`Waiting for go/no-go from ${escaped(me)}`), 'the go/no-go list waits');
    assert.match(windowCard, new RegExp(`${escaped(me)} \\(Business owner, Migration engineer, Workload architect, Cloud operations\\): ⏳ waiting`), 'the stakeholder is listed with their roles');
    // Each step with its owner role and planned minutes, and the time it is planned to end by (from 20:00).
    for (const [title, owner, minutes, by] of [
      ['Final replication and data synchronization', 'Migration engineer', 30, '20:30'],
      ['Freeze writes on the source', 'Cloud operations', 10, '20:40'],
      ['Switch DNS or IP: payroll.contoso.com CNAME onprem-lb.contoso.com → payroll.contoso.com CNAME payroll.azurefd.net, TTL 300 s', 'Migration engineer', 15, '20:55'],
      ['Smoke test of the new deployment', 'Workload architect', 20, '21:15'],
      ['Business verification by the business owner', 'Business owner', 30, '21:45'],
      ['Go-live: announce that the workload runs in the cloud', 'Project manager', 10, '21:55'],
    ] as const) {
      assert.match(windowCard, new RegExp(`⬜ ${escaped(title)}\\s+${owner} · ${minutes} min, planned by ${by} \\w+`), `the runbook step "${title}"`);
    }
    // The rollback steps are shown while the runbook can be edited; they have a time only once rolled back.
    assert.match(windowCard, /Rollback: point DNS or IP back \(.+\)\s+Migration engineer · 15 min, runs only on a rollback/);
    assert.match(windowCard, /Edit the runbook\s+Until the window opens/);
    await card.getByText('No-go', { exact: true }).waitFor();
    await card.screenshot({ path: join(SHOTS, '9-window.png') });
    console.log('planned release window 1: the runbook with owners and times, the runbook editor, and the go/no-go list waiting');

    await send(page, 'plan Payroll API');
    await cardSays(page, 'Communication plan: Payroll API');
    card = messageCards(page).last();
    const planCard = await card.innerText();
    assert.match(planCard, /Window notices follow release window 1 \(.+, planned\)/);
    for (const heading of [
      'Window reminder: Reminder: Payroll API moves on',
      'At the start: Payroll API: the release window has started',
      'Go-live: Payroll API is live',
      'Rollback: Payroll API: the change was rolled back',
    ]) {
      assert.ok(planCard.includes(heading), `the plan shows the drafted notice "${heading}"`);
    }
    assert.match(planCard, /1 day before the release window's start: .+, 20:00/, 'the reminder goes a day ahead');
    assert.match(planCard, /at the window finishing \(go-live\): when window 1 finishes/);
    assert.match(planCard, /at the window being rolled back: only if window 1 is rolled back/);
    assert.match(planCard, /Ready: goes when due/);
    await card.screenshot({ path: join(SHOTS, '10-plan.png') });
    console.log("the communication plan shows the window's drafted notices: reminder, start, go-live and rollback");

    await send(page, 'decommission Payroll API');
    await cardSays(page, 'Decommission of Payroll API');
    card = messageCards(page).last();
    await cardSays(page, 'No asset is listed yet.');
    await card.getByText('List assets', { exact: true }).click();
    await card.getByLabel(/^Assets, one a line/).fill(`payroll-vm-01; VM; DC1 rack 4; 420.50; ${me}\npayroll-db; SQL Server 2016; DC1 rack 7; 1,200; ${me}`);
    await card.getByText('List', { exact: true }).click();
    await cardSays(page, 'Listed 2 assets. Move each through the steps below, in order.');
    card = messageCards(page).last();
    const listed = await card.innerText();
    assert.match(listed, new RegExp(`payroll-vm-01 · VM · DC1 rack 4\\s+Listed \\(${escaped(me)}, .+\\) · USD 420\\.50/month · owner ${escaped(me)}`));
    assert.match(listed, new RegExp(`payroll-db · SQL Server 2016 · DC1 rack 7\\s+Listed \\(${escaped(me)}, .+\\) · USD 1,200/month · owner ${escaped(me)}`));
    // Listing comes before promotion; the first step waits for the cutover, and the card says so.
    await card.getByText('Monitored: no traffic', { exact: true }).first().click();
    await cardSays(page, 'Traffic is not rerouted yet: assets are monitored from the cutover on. "payroll-vm-01" stays listed.');
    await messageCards(page)
      .last()
      .screenshot({ path: join(SHOTS, '11-decommission.png') });
    console.log('listed two retired assets by pasting lines; monitoring them waits for the cutover, as the card says');
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
