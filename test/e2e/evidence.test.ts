import { BENCHMARK_FORM, benchmarkRead } from '../support/evidence';
import { strict as assert } from 'node:assert';
import type { AuditEvent, Gate, Person, Role } from '../../bot/release/model';
import { GATE_CATALOGUE } from '../../bot/release/model';
import { person } from '../support/builders';
import { bannerStyle, cardText, findAction, Harness, startHarness } from '../support/liftoff';
import { runNode as run } from '../support/process';
import { partitionDocs, storedWorkload, teamOfOwn } from '../support/release';
import { Place, workloadIdIn } from '../support/teams';

const DAY_MS = 86_400_000;

/** A date some days from the real now (UTC), as a planner picks it on the cutover card. */
const inDays = (days: number): string => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);

describe('Typed evidence per gate over HTTP, end to end', () => {
  let h: Harness;
  /** How far the clock Liftoff reads is ahead of the real one. */
  let ahead = 0;
  const priya = person('Priya PM');
  const paul = person('Paul PM');
  const ana = person('Ana Architect');
  const miguel = person('Miguel Migrator');
  const olga = person('Olga Operator');
  const bea = person('Bea Owner');
  const cyd = person('Cyd CISO');
  const everyone = [priya, paul, ana, miguel, olga, bea, cyd];
  const ROLES_HELD: Partial<Record<Role, Person[]>> = {
    projectManager: [priya, paul],
    workloadArchitect: [ana],
    migrationEngineer: [miguel],
    cloudOperations: [olga],
    businessOwner: [bea],
    ciso: [cyd],
    changeManager: [priya],
  };

  let team: Place;
  let payroll: string;
  let scenes = 0;

  before(async () => {
    h = await startHarness({}, { clock: () => new Date(Date.now() + ahead) });
  });
  after(() => h.close());

  beforeEach(async () => {
    ahead = 0;
    scenes += 1;
    const tenantId = `e0f0e000-0000-4000-8000-${String(scenes).padStart(12, '0')}`;
    team = teamOfOwn(h, tenantId, `evidence-${scenes}`, everyone);
    payroll = workloadIdIn(team, 'payroll-api');
    assert.match(cardText(await h.say(h.activities.message(priya, 'new Payroll API', team))), /Created Payroll API/);
  });

  const stored = () => storedWorkload(h, payroll);
  const gate = async (id: string): Promise<Gate> => (await stored()).gates.find((g) => g.id === id)!;

  /**
   * The roles held and every gate before `gateId` closed, written directly (the release up to there is
   * specified in release.test.ts); gates already decided keep what they hold.
   */
  async function closeBefore(gateId: string): Promise<void> {
    const current = await stored();
    const index = GATE_CATALOGUE.findIndex((g) => g.id === gateId);
    const before = new Set(GATE_CATALOGUE.slice(0, index).map((g) => g.id));
    const gates = current.gates.map((g) => (before.has(g.id) && g.status !== 'passed' && g.status !== 'waived' ? { ...g, status: 'passed' as const, rev: g.rev + 1 } : g));
    const roles = { ...current.roles, ...ROLES_HELD };
    await h.app.cosmos.workloads.item(payroll, payroll).replace({ ...current, roles, rolesRev: current.rolesRev + 1, gates });
  }

  async function press(who: Person, verb: string, data: Record<string, unknown>): Promise<any> {
    const res = await h.post(h.activities.execute(who, verb, data, team, 'checklist-card'));
    assert.equal(res.status, 200);
    assert.equal(res.body.statusCode, 200, JSON.stringify(res.body));
    return res.body.value;
  }

  const checklist = async (who: Person = priya): Promise<any> => h.say(h.activities.message(who, 'status Payroll API', team));

  /** The evidence form of a gate, opened as a person does: Record a decision, the gate picked, Evidence form. */
  async function form(who: Person, gateId: string): Promise<any> {
    const open = findAction(await checklist(who), 'gate.form');
    const card = await press(who, 'gate.form', { ...open.data, gateId });
    assert.match(cardText(card), new RegExp(`Evidence: ${GATE_CATALOGUE.find((g) => g.id === gateId)!.title}`));
    return card;
  }

  /** Fills in a gate's evidence form and presses Pass, Fail or Waive on it. */
  async function record(who: Person, gateId: string, decision: 'pass' | 'fail' | 'waive', fields: Record<string, unknown>, card?: any): Promise<any> {
    const action = findAction(card ?? (await form(who, gateId)), 'gate.record', { decision });
    return press(who, 'gate.record', { ...action.data, ...fields });
  }

  const events = async (action: AuditEvent['action']): Promise<AuditEvent[]> => (await partitionDocs<AuditEvent>(h, payroll, 'event')).filter((e) => e.action === action);

  /** The plan of a release window some days from the real now, as a planner types it. */
  const windowAt = (days: number) => ({
    startDate: inDays(days),
    startTime: '20:00',
    endDate: inDays(days),
    endTime: '23:00',
    timeZone: 'UTC',
    model: 'single',
    shares: '',
    oldRecord: 'payroll CNAME onprem',
    newRecord: 'payroll CNAME azurefd',
    ttlSeconds: 300,
  });

  const BENCHMARK = BENCHMARK_FORM;
  const CHECK = { checked: 'sign-in of every user group', how: 'identity test suite', link: 'https://dev.azure.com/contoso/_build/results?buildId=42' };

  it('records benchmark evidence from its form and shows it on the checklist and in the history', async () => {
    await closeBefore('performance-benchmarked');
    // The checklist's next step says where the form is.
    assert.match(cardText(await checklist(ana)), /Performance measured, sizing decided \(Workload architect: Ana Architect\); pick it in Record a decision and press Evidence form/);
    const card = await record(ana, 'performance-benchmarked', 'pass', { ...BENCHMARK, note: 'load test run 7' });
    assert.equal(bannerStyle(card), 'good');
    const text = cardText(card);
    assert.match(text, /Ana Architect passed "Performance measured, sizing decided"/);
    assert.match(text, /Evidence: p95 180 ms \(target 200\), 450 rps \(target 400\); sizing app-vm01 D4s_v5 → D2s_v5, sql01 GP_Gen5_8 → GP_Gen5_4; monthly cost 1,200 → 800; dated/);
    const stored = await gate('performance-benchmarked');
    assert.equal(stored.status, 'passed');
    assert.equal(stored.evidence, 'load test run 7');
    assert.deepEqual(stored.typedEvidence && { ...stored.typedEvidence, recordedAt: 'x' }, benchmarkRead('x'));
    const history = cardText(await h.say(h.activities.message(priya, 'history Payroll API', team)));
    assert.match(history, /Ana Architect passed "Performance measured, sizing decided": p95 180 ms .*monthly cost 1,200 → 800.*Note: load test run 7/);
    // The validation form starts from the benchmark's targets, and shows its figures.
    const validation = await form(ana, 'performance-validated');
    assert.match(cardText(validation), /Benchmark: p95 180 ms/);
    assert.match(JSON.stringify(validation), /"id":"targetP95Ms"[^}]*"value":"200"|"value":"200"[^}]*"id":"targetP95Ms"/);
  });

  it('refuses a pass on a note alone where the gate has an evidence form, changing nothing', async () => {
    await closeBefore('performance-benchmarked');
    const before = await gate('performance-benchmarked');
    const pass = findAction(await checklist(ana), 'gate.decide', { decision: 'pass' });
    const card = await press(ana, 'gate.decide', { ...pass.data, gateId: 'performance-benchmarked', note: 'fast enough' });
    assert.equal(bannerStyle(card), 'attention');
    assert.match(cardText(card), /passes with its evidence: pick it in Record a decision and press Evidence form/);
    assert.deepEqual(await gate('performance-benchmarked'), before);
  });

  it('refuses to pass a BCDR test that missed its target, keeping what was typed, and lets it be failed, then waived, with a reason', async () => {
    await closeBefore('bcdr-validated');
    const miss = { restoreTestOn: inDays(-3), rpoMinutes: '10', targetRpoMinutes: '15', rtoMinutes: '90', targetRtoMinutes: '60' };
    const before = await gate('bcdr-validated');
    const refused = await record(olga, 'bcdr-validated', 'pass', { ...miss, note: 'close enough' });
    assert.equal(bannerStyle(refused), 'attention');
    assert.match(cardText(refused), /can't pass: the restore test missed its target \(RTO 90 min against a target of 60 min\)\. Fail it, or waive it with a reason\./);
    assert.match(JSON.stringify(refused), /"value":"90"/, 'the form comes back with what was typed');
    assert.deepEqual(await gate('bcdr-validated'), before, 'nothing changed');

    const noReason = await record(olga, 'bcdr-validated', 'fail', miss, refused);
    assert.match(cardText(noReason), /a failed gate needs a reason/);
    const failed = await record(olga, 'bcdr-validated', 'fail', { ...miss, note: 'RTO too long: restore from geo-backup' }, refused);
    assert.equal(bannerStyle(failed), 'attention');
    assert.match(cardText(failed), /Olga Operator failed "Business continuity and disaster recovery validated": RTO too long/);
    const afterFail = await gate('bcdr-validated');
    assert.equal(afterFail.status, 'failed');
    assert.equal(afterFail.typedEvidence?.kind === 'bcdr' && afterFail.typedEvidence.rtoMinutes, 90);

    const waived = await record(bea, 'bcdr-validated', 'waive', { ...miss, note: 'stateless front end, redeployed from IaC in 20 minutes' });
    assert.match(cardText(waived), /Bea Owner waived "Business continuity and disaster recovery validated"/);
    assert.equal((await gate('bcdr-validated')).status, 'waived');
  });

  it('records a CISO review with one risk accepted and one mitigated, by the CISO only', async () => {
    await closeBefore('ciso-verification');
    const risks = 'Legacy TLS 1.1 on the batch endpoint; accepted; retired with the batch job in Q1\nPublic endpoint; mitigated; WAF rules on Front Door';
    const byPm = await record(priya, 'ciso-verification', 'pass', { risks });
    assert.match(cardText(byPm), /Only someone holding the CISO role can pass "CISO verification"/);
    assert.equal((await gate('ciso-verification')).status, 'pending');

    const card = await record(cyd, 'ciso-verification', 'pass', { risks });
    assert.equal(bannerStyle(card), 'good');
    assert.match(cardText(card), /2 risks reviewed: Legacy TLS 1\.1 on the batch endpoint: accepted \(retired with the batch job in Q1\); Public endpoint: mitigated \(WAF rules on Front Door\)/);
    const stored = await gate('ciso-verification');
    assert.deepEqual(stored.typedEvidence?.kind === 'ciso' && stored.typedEvidence.risks.map((r) => r.treatment), ['accepted', 'mitigated']);
    assert.equal(stored.decidedBy?.aadObjectId, cyd.aadObjectId);
  });

  it('refuses final performance worse than its target as passed without a reason, and passes it with one', async () => {
    await closeBefore('performance-validated');
    const worse = { p95Ms: '260', throughputRps: '420', targetP95Ms: '200', targetRps: '400' };
    const refused = await record(ana, 'performance-validated', 'pass', worse);
    assert.equal(bannerStyle(refused), 'attention');
    assert.match(cardText(refused), /The final figures are worse than the target \(p95 260 ms against a target of 200 ms\): say in the note why "Performance validated" may pass anyway, or fail it\./);
    assert.equal((await gate('performance-validated')).status, 'pending');
    const passed = await record(ana, 'performance-validated', 'pass', { ...worse, note: 'The business accepts 260 ms until the cache lands in January' }, refused);
    assert.match(cardText(passed), /Ana Architect passed "Performance validated"/);
    assert.equal((await gate('performance-validated')).status, 'passed');
  });

  it('flags readiness evidence older than allowed when promotion is attempted, until its owner confirms it again', async () => {
    await closeBefore('identity-alignment');
    assert.match(cardText(await record(ana, 'identity-alignment', 'pass', CHECK)), /Ana Architect passed "Identity alignment"/);
    await closeBefore('traffic-rerouted');
    assert.doesNotMatch(cardText(await checklist()), /Evidence older than allowed/);

    ahead = 31 * DAY_MS;
    const flagged = await checklist(miguel);
    assert.match(cardText(flagged), /Evidence older than allowed for promotion: Identity alignment \(31 days\)\. Its owner confirms it again with Confirm evidence\./);
    const before = await stored();
    const pass = findAction(flagged, 'gate.decide', { decision: 'pass' });
    const promote = await press(miguel, 'gate.decide', { ...pass.data, gateId: 'traffic-rerouted', note: 'DNS switched' });
    assert.equal(bannerStyle(promote), 'attention');
    assert.match(
      cardText(promote),
      /Readiness evidence is older than 30 days: "Identity alignment" \(31 days\)\. Its owners confirm it again with Confirm evidence on the checklist before promotion\./,
    );
    const cutover = findAction(await h.say(h.activities.message(priya, 'cutover Payroll API', team)), 'cutover.plan');
    const plan = await press(priya, 'cutover.plan', { ...cutover.data, ...windowAt(40) });
    assert.match(cardText(plan), /Readiness evidence is older than 30 days/);
    assert.deepEqual((await stored()).gates, before.gates, 'nothing changed');
    assert.equal((await partitionDocs(h, payroll, 'window')).length, 0, 'no window was planned');

    const confirm = findAction(flagged, 'evidence.confirm');
    const notOwner = await press(miguel, 'evidence.confirm', { ...confirm.data, confirmGateId: 'identity-alignment' });
    assert.match(cardText(notOwner), /Only someone holding the Workload architect role can confirm the evidence of "Identity alignment"/);
    const confirmed = await press(ana, 'evidence.confirm', { ...confirm.data, confirmGateId: 'identity-alignment' });
    assert.equal(bannerStyle(confirmed), 'good');
    assert.match(cardText(confirmed), /Ana Architect confirmed the evidence of "Identity alignment" again, dated today: promotion may go on\./);
    assert.doesNotMatch(cardText(confirmed), /Evidence older than allowed/);
    assert.match((await events('gate.evidenceConfirmed'))[0]?.summary ?? '', /^Ana Architect confirmed the evidence of "Identity alignment" again \(recorded .*\(confirmed again\)$/);

    const again = findAction(await checklist(miguel), 'gate.decide', { decision: 'pass' });
    assert.match(cardText(await press(miguel, 'gate.decide', { ...again.data, gateId: 'traffic-rerouted', note: 'DNS switched' })), /Miguel Migrator passed "Traffic rerouted/);
  });

  it('does not let a release window planned on fresh evidence finish on evidence gone stale until it is confirmed again', async () => {
    await closeBefore('identity-alignment');
    await record(ana, 'identity-alignment', 'pass', CHECK);
    await closeBefore('traffic-rerouted');
    const cutover = findAction(await h.say(h.activities.message(priya, 'cutover Payroll API', team)), 'cutover.plan');
    await press(priya, 'cutover.plan', { ...cutover.data, ...windowAt(3) });
    const [window] = await partitionDocs<{ windowId: string; steps: Array<{ id: string; status: string }> }>(h, payroll, 'window');
    assert.ok(window, 'the window is planned on fresh evidence');
    for (const who of [bea, miguel, ana, olga]) await press(who, 'cutover.answer', { workloadId: payroll, windowId: window.windowId, answer: 'go', comment: 'ready' });

    ahead = 35 * DAY_MS;
    const step = { workloadId: payroll, windowId: window.windowId, stepId: 'final-sync', outcome: 'done', note: '' };
    assert.match(cardText(await press(miguel, 'cutover.step', step)), /Readiness evidence is older than 30 days: "Identity alignment" \(35 days\)/);
    const [unchanged] = await partitionDocs<typeof window>(h, payroll, 'window');
    assert.equal(unchanged?.steps.find((s) => s.id === 'final-sync')?.status, 'pending');

    const confirm = findAction(await checklist(ana), 'evidence.confirm');
    await press(ana, 'evidence.confirm', { ...confirm.data, confirmGateId: 'identity-alignment' });
    assert.doesNotMatch(cardText(await press(miguel, 'cutover.step', step)), /Readiness evidence is older/);
    const [ticked] = await partitionDocs<typeof window>(h, payroll, 'window');
    assert.equal(ticked?.steps.find((s) => s.id === 'final-sync')?.status, 'done');
  });

  it('lets only the CISO waive the CISO verification, or with the CISO’s second-approver rule, a project manager asking and the business owner confirming', async () => {
    await closeBefore('ciso-verification');
    const waive = findAction(await checklist(), 'gate.decide', { decision: 'waive' });
    const alone = await press(priya, 'gate.decide', { ...waive.data, gateId: 'ciso-verification', note: 'pen test booked for January' });
    assert.match(cardText(alone), /Only the CISO can waive "CISO verification": a security gate is not waived by one person alone\./);
    assert.equal((await gate('ciso-verification')).status, 'pending');
    assert.match(cardText(await form(priya, 'ciso-verification')), /Only the CISO can waive it\./, 'the form says who may waive');

    const policy = findAction(await form(cyd, 'ciso-verification'), 'waiver.policy');
    assert.equal(policy.data.policy, 'secondApprover');
    assert.match(cardText(await press(priya, 'waiver.policy', policy.data)), /Only the CISO of this workload can change who may waive/);
    const set = await press(cyd, 'waiver.policy', policy.data);
    assert.match(cardText(set), /Waiver rule saved: the project manager or the business owner may now ask to waive the CISO verification/);
    assert.equal((await stored()).waiverPolicy, 'secondApprover');

    const ask = findAction(await checklist(), 'gate.decide', { decision: 'waive' });
    const asked = await press(priya, 'gate.decide', { ...ask.data, gateId: 'ciso-verification', note: 'pen test booked for January' });
    assert.match(cardText(asked), /Priya PM asked to waive "CISO verification": pen test booked for January\. A second approver confirms it with Confirm a waiver\./);
    assert.equal((await gate('ciso-verification')).status, 'pending');
    assert.equal((await events('gate.waiverRequested')).length, 1);

    const confirm = findAction(asked, 'waiver.confirm');
    const self = await press(priya, 'waiver.confirm', { ...confirm.data, waiverGateId: 'ciso-verification' });
    assert.match(cardText(self), /You asked for this waiver; a second approver, not you, confirms it\./);
    const seconded = await press(bea, 'waiver.confirm', { ...confirm.data, waiverGateId: 'ciso-verification' });
    assert.equal(bannerStyle(seconded), 'good');
    assert.match(cardText(seconded), /Bea Owner waived "CISO verification", as second approver to Priya PM\./);
    const done = await gate('ciso-verification');
    assert.equal(done.status, 'waived');
    assert.equal(done.waiverRequestedBy?.aadObjectId, priya.aadObjectId);
    assert.match((await events('gate.waived'))[0]?.summary ?? '', /Bea Owner confirmed, as second approver, the waiver of "CISO verification" Priya PM asked for/);
  });

  it('never lets whoever recorded the cutover waive promotion; another project manager can', async () => {
    await closeBefore('traffic-rerouted');
    const cutover = findAction(await h.say(h.activities.message(priya, 'cutover Payroll API', team)), 'cutover.plan');
    const planned = await press(priya, 'cutover.plan', { ...cutover.data, ...windowAt(3) });
    assert.match(cardText(planned), /Window 1/);
    const checklistCard = await checklist();
    assert.match(cardText(checklistCard), /Not waived by the Migration engineer who promotes, nor by whoever recorded the cutover\./);
    const waive = findAction(checklistCard, 'gate.decide', { decision: 'waive' });
    const byPlanner = await press(priya, 'gate.decide', { ...waive.data, gateId: 'traffic-rerouted', note: 'moved by the network team' });
    assert.match(cardText(byPlanner), /is not waived by the one who promotes \(the Migration engineer, or whoever recorded the cutover\)/);
    assert.equal((await gate('traffic-rerouted')).status, 'pending');
    const byOther = await press(paul, 'gate.decide', { ...waive.data, gateId: 'traffic-rerouted', note: 'moved by the network team' });
    assert.match(cardText(byOther), /Paul PM waived "Traffic rerouted/);
  });

  it('exports the evidence of every gate as CSV from the command line, reading the same Cosmos', async () => {
    await closeBefore('performance-benchmarked');
    await record(ana, 'performance-benchmarked', 'pass', { ...BENCHMARK, note: 'load test, "run 7"' });
    const env = { ...process.env, COSMOS_ENDPOINT: h.app.cosmos.endpoint, COSMOS_KEY: Buffer.from('liftoff-test').toString('base64'), COSMOS_DATABASE: h.app.cosmos.database.id, LOG_LEVEL: 'silent' };
    const result = await run(['--import', 'tsx', 'scripts/liftoff.ts', 'evidence', payroll], env);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines[0], 'workload,stage,gate,title,status,decidedBy,decidedAt,note,reason,waiverRequestedBy,evidenceKind,evidenceRecordedAt,evidenceConfirmedAt,evidenceConfirmedBy,evidence');
    assert.equal(lines.length, GATE_CATALOGUE.length + 1);
    const bench = lines.find((l) => l.includes(',performance-benchmarked,'))!;
    assert.match(
      bench,
      /^Payroll API,benchmark,performance-benchmarked,"Performance measured, sizing decided",passed,Ana Architect,[^,]+,"load test, ""run 7""",,,benchmark,[^,]+,,,"p95 180 ms \(target 200\), 450 rps/,
    );
    const unknown = await run(['--import', 'tsx', 'scripts/liftoff.ts', 'evidence', `${payroll}-gone`], env);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /there is no workload/);
  });
});
