import { benchmarkRead } from '../support/evidence';
import { strict as assert } from 'node:assert';
import {
  DEFAULT_EVIDENCE_MAX_AGE_DAYS,
  EVIDENCE_CSV_HEADER,
  evidenceRefusal,
  evidenceRows,
  evidenceSummary,
  parseEvidence,
  parseRisks,
  parseSizing,
  staleEvidence,
  staleRefusal,
} from '../../bot/release/evidence';
import { GATE_CATALOGUE, Gate, GateEvidence, Person, ROLES, Role, Workload } from '../../bot/release/model';
import { confirmEvidence, confirmWaiver, decideGate, GateDecisionRequest, newWorkload, RuleResult, setWaiverPolicy, waiverRule } from '../../bot/release/rules';
import { NOW, person, scope } from '../support/builders';

const priya = person('Priya'); // project manager
const bea = person('Bea'); // business owner
const ana = person('Ana'); // workload architect
const eli = person('Eli'); // migration engineer
const omar = person('Omar'); // cloud operations
const cyd = person('Cyd'); // CISO
const paul = person('Paul'); // a second project manager

const HOLDERS: Partial<Record<Role, Person[]>> = {
  projectManager: [priya, paul],
  businessOwner: [bea],
  workloadArchitect: [ana],
  migrationEngineer: [eli],
  cloudOperations: [omar],
  ciso: [cyd],
};

function staffed(): Workload {
  const w = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: priya, now: NOW }).workload;
  const roles = Object.fromEntries(ROLES.map((r) => [r, HOLDERS[r] ?? []])) as Record<Role, Person[]>;
  return { ...w, roles };
}

/** Every gate before `gateId` passed, as a team would have closed them. */
function passedBefore(w: Workload, gateId: string): Workload {
  const index = GATE_CATALOGUE.findIndex((g) => g.id === gateId);
  const closed = new Set(GATE_CATALOGUE.slice(0, index).map((g) => g.id));
  return { ...w, gates: w.gates.map((g): Gate => (closed.has(g.id) ? { ...g, status: 'passed', rev: g.rev + 1, decidedBy: priya, decidedAt: NOW } : g)) };
}

const gateOf = (w: Workload, id: string): Gate => w.gates.find((g) => g.id === id)!;
const revOf = (w: Workload, id: string): number => gateOf(w, id).rev;

function parsed(w: Workload, gateId: string, fields: Record<string, unknown>, now = NOW): GateEvidence {
  const check = parseEvidence(w, gateId, fields, now);
  assert.ok(check.ok, check.ok ? '' : check.message);
  return check.evidence;
}

function problem(w: Workload, gateId: string, fields: Record<string, unknown>): string {
  const check = parseEvidence(w, gateId, fields, NOW);
  assert.equal(check.ok, false, `the form ${JSON.stringify(fields)} is refused`);
  return (check as { message: string }).message;
}

function changed(result: RuleResult): Extract<RuleResult, { kind: 'changed' }> {
  if (result.kind !== 'changed') assert.fail(result.kind === 'refused' ? result.message : result.kind);
  return result;
}

function refused(result: RuleResult): string {
  assert.equal(result.kind, 'refused');
  return (result as { message: string }).message;
}

const decide = (w: Workload, request: Partial<GateDecisionRequest> & Pick<GateDecisionRequest, 'gateId' | 'decision' | 'actor'>): RuleResult =>
  decideGate(w, { rev: revOf(w, request.gateId), now: NOW, evidenceRequired: true, ...request });

const BENCHMARK = {
  p95Ms: '180',
  throughputRps: '450',
  targetP95Ms: '200',
  targetRps: '400',
  sizing: 'app-vm01: D4s_v5 -> D2s_v5\nsql01: GP_Gen5_8 → GP_Gen5_4',
  costBefore: '1200',
  costAfter: '800',
};
const BCDR_MET = { restoreTestOn: '2026-11-20', rpoMinutes: '10', targetRpoMinutes: '15', rtoMinutes: '50', targetRtoMinutes: '60' };
const CHECK = { checked: 'sign-in of every user group', how: 'identity test suite', link: 'https://dev.azure.com/contoso/run/42' };

describe('typed evidence per gate (bot/release/evidence.ts)', () => {
  describe('reading each gate form', () => {
    it('reads a benchmark: load against the target, sizing per asset, monthly cost before and after', () => {
      const evidence = parsed(staffed(), 'performance-benchmarked', BENCHMARK);
      assert.deepEqual(evidence, benchmarkRead(NOW));
      assert.match(
        evidenceSummary(evidence),
        /^p95 180 ms \(target 200\), 450 rps \(target 400\); sizing app-vm01 D4s_v5 → D2s_v5, sql01 GP_Gen5_8 → GP_Gen5_4; monthly cost 1,200 → 800; dated Sun 22 Nov 2026$/,
      );
    });

    it('says in one sentence what is missing or malformed on a form', () => {
      const w = staffed();
      assert.equal(problem(w, 'performance-benchmarked', { ...BENCHMARK, p95Ms: '' }), 'Give the measured p95 latency in milliseconds, for example 180.');
      assert.equal(problem(w, 'performance-benchmarked', { ...BENCHMARK, costAfter: 'cheap' }), 'The monthly cost after must be a number, for example 800.');
      assert.match(
        problem(w, 'performance-benchmarked', { ...BENCHMARK, sizing: 'just smaller' }),
        /"just smaller" is not a sizing line: write one asset a line, such as: app-vm01: D4s_v5 -> D2s_v5\./,
      );
      assert.match(problem(w, 'bcdr-validated', { ...BCDR_MET, restoreTestOn: 'last week' }), /Give the date of the restore test as YYYY-MM-DD\./);
      assert.match(problem(w, 'bcdr-validated', { ...BCDR_MET, restoreTestOn: '2026-12-24' }), /in the future/);
      assert.match(problem(w, 'data-classification', { classification: 'secret', protections: 'labels' }), /Pick the classification: public, general, confidential or highly confidential\./);
      assert.match(problem(w, 'identity-alignment', { ...CHECK, link: 'ftp://x' }), /must be a web address/);
      assert.match(problem(w, 'user-routing', { ...CHECK, how: ' ' }), /Say how it was checked\./);
      assert.match(problem(w, 'assets-staged', {}), /has no evidence form/);
    });

    it('reads numbers sent as numbers too, and a decimal comma', () => {
      const evidence = parsed(staffed(), 'performance-benchmarked', { ...BENCHMARK, p95Ms: 180, costAfter: '799,5' });
      assert.equal(evidence.kind === 'benchmark' && evidence.p95Ms, 180);
      assert.equal(evidence.kind === 'benchmark' && evidence.costAfter, 799.5);
    });

    it("keeps the benchmark's figures beside performance validation's", () => {
      const bench = changed(
        decide(passedBefore(staffed(), 'performance-benchmarked'), {
          gateId: 'performance-benchmarked',
          decision: 'pass',
          actor: ana,
          typedEvidence: parsed(staffed(), 'performance-benchmarked', BENCHMARK),
        }),
      ).workload;
      const evidence = parsed(bench, 'performance-validated', { p95Ms: '190', throughputRps: '420', targetP95Ms: '200', targetRps: '400' });
      assert.equal(evidence.kind === 'validation' && evidence.benchmarkP95Ms, 180);
      assert.match(evidenceSummary(evidence), /final p95 190 ms \(target 200\), 420 rps \(target 400\) \(benchmark p95 180 ms, 450 rps\)/);
    });

    it('reads the CISO review: each risk accepted or mitigated, with a note', () => {
      const risks = parseRisks('Public endpoint; mitigated; WAF on Front Door\nLegacy TLS 1.1 | accepted | retired in Q1');
      assert.ok(risks.ok);
      assert.deepEqual(risks.risks, [
        { risk: 'Public endpoint', treatment: 'mitigated', note: 'WAF on Front Door' },
        { risk: 'Legacy TLS 1.1', treatment: 'accepted', note: 'retired in Q1' },
      ]);
      const ignored = parseRisks('Public endpoint; ignored; nobody cares');
      assert.ok(!ignored.ok && /Say whether "Public endpoint" is accepted or mitigated/.test(ignored.message));
      const bare = parseRisks('Public endpoint; accepted');
      assert.ok(!bare.ok && /Add a note to "Public endpoint"/.test(bare.message));
      const none = parseRisks('  \n ');
      assert.ok(!none.ok && /List the risks you reviewed/.test(none.message));
    });

    it('refuses a sizing longer than the form allows', () => {
      const many = parseSizing(Array.from({ length: 31 }, (_, i) => `vm${i}: A -> B`).join('\n'));
      assert.ok(!many.ok && /at most 30 assets/.test(many.message));
    });
  });

  describe('what the evidence allows', () => {
    it('never passes a BCDR test that missed its RPO or RTO, with or without a reason, but lets it fail or be waived', () => {
      const miss = parsed(staffed(), 'bcdr-validated', { ...BCDR_MET, rtoMinutes: '90' });
      const title = 'BCDR validated';
      assert.match(evidenceRefusal(title, miss, 'pass', '')!, /can't pass: the restore test missed its target \(RTO 90 min against a target of 60 min\)\. Fail it, or waive it with a reason\./);
      assert.ok(evidenceRefusal(title, miss, 'pass', 'close enough'));
      assert.equal(evidenceRefusal(title, miss, 'fail', 'RTO too long'), undefined);
      assert.equal(evidenceRefusal(title, miss, 'waive', 'stateless'), undefined);
      assert.equal(evidenceRefusal(title, parsed(staffed(), 'bcdr-validated', BCDR_MET), 'pass', ''), undefined);
    });

    it('passes final performance worse than its target only with a reason', () => {
      const worse = parsed(staffed(), 'performance-validated', { p95Ms: '260', throughputRps: '380', targetP95Ms: '200', targetRps: '400' });
      assert.match(
        evidenceRefusal('Performance validated', worse, 'pass', '')!,
        /worse than the target \(p95 260 ms against a target of 200 ms; 380 rps against a target of 400 rps\): say in the note why/,
      );
      assert.equal(evidenceRefusal('Performance validated', worse, 'pass', 'Accepted by the business for the first month'), undefined);
      const better = parsed(staffed(), 'performance-validated', { p95Ms: '150', throughputRps: '500', targetP95Ms: '200', targetRps: '400' });
      assert.equal(evidenceRefusal('Performance validated', better, 'pass', ''), undefined);
    });

    it('stores typed evidence on the gate and names it in the audit event, the note kept beside it', () => {
      const w = passedBefore(staffed(), 'bcdr-validated');
      const result = changed(decide(w, { gateId: 'bcdr-validated', decision: 'pass', actor: omar, note: 'tested from the paired region', typedEvidence: parsed(w, 'bcdr-validated', BCDR_MET) }));
      const gate = gateOf(result.workload, 'bcdr-validated');
      assert.equal(gate.status, 'passed');
      assert.equal(gate.typedEvidence?.kind, 'bcdr');
      assert.equal(gate.evidence, 'tested from the paired region');
      assert.match(
        result.event.summary,
        /^Omar passed "[^"]+": restore tested 2026-11-20: RPO 10 min \(target 15\), RTO 50 min \(target 60\); dated Sun 22 Nov 2026\. Note: tested from the paired region$/,
      );
    });

    it('refuses a pass on a note alone where the gate has an evidence form, and changes nothing', () => {
      const w = passedBefore(staffed(), 'performance-benchmarked');
      assert.match(
        refused(decide(w, { gateId: 'performance-benchmarked', decision: 'pass', actor: ana, note: 'fast enough' })),
        /passes with its evidence: pick it in Record a decision and press Evidence form/,
      );
      // A failure or a waiver needs only its reason.
      assert.equal(
        changed(decide(w, { gateId: 'performance-benchmarked', decision: 'fail', actor: ana, note: 'too slow' })).workload.gates.find((g) => g.id === 'performance-benchmarked')?.status,
        'failed',
      );
    });

    it('lets only the business owner classify the data', () => {
      const w = passedBefore(staffed(), 'data-classification');
      const typedEvidence = parsed(w, 'data-classification', { classification: 'confidential', protections: 'Confidential label; DLP policy Finance-01' });
      assert.match(refused(decide(w, { gateId: 'data-classification', decision: 'pass', actor: priya, typedEvidence })), /Only someone holding the Business owner role/);
      const gate = gateOf(changed(decide(w, { gateId: 'data-classification', decision: 'pass', actor: bea, typedEvidence })).workload, 'data-classification');
      assert.match(evidenceSummary(gate.typedEvidence!), /^Confidential; protections: Confidential label; DLP policy Finance-01/);
    });
  });

  describe('evidence older than allowed when promotion is attempted', () => {
    const DAY = 86_400_000;
    const later = (days: number): string => new Date(Date.parse(NOW) + days * DAY).toISOString();
    /** Every gate before promotion closed, identity alignment with typed evidence recorded at NOW. */
    function ready(): Workload {
      const w = passedBefore(staffed(), 'identity-alignment');
      const done = changed(decide(w, { gateId: 'identity-alignment', decision: 'pass', actor: ana, typedEvidence: parsed(w, 'identity-alignment', CHECK) })).workload;
      return passedBefore(done, 'traffic-rerouted');
    }

    it('flags readiness evidence older than the allowed age, with its age in days', () => {
      const w = ready();
      assert.deepEqual(staleEvidence(w, later(DEFAULT_EVIDENCE_MAX_AGE_DAYS), DEFAULT_EVIDENCE_MAX_AGE_DAYS), []);
      const stale = staleEvidence(w, later(31), DEFAULT_EVIDENCE_MAX_AGE_DAYS);
      assert.deepEqual(
        stale.map((s) => [s.gate.id, s.days]),
        [['identity-alignment', 31]],
      );
      assert.match(staleRefusal(stale, 30)!, /^Readiness evidence is older than 30 days: "Identity alignment" \(31 days\)\. Its owners confirm it again with Confirm evidence/);
      assert.equal(staleEvidence(w, later(8), 7).length, 1, 'the age is configurable');
    });

    it('refuses promotion on stale evidence until its owner confirms it again, which re-dates it and is audited', () => {
      const w = ready();
      const at = later(40);
      const promote = (x: Workload) => decideGate(x, { gateId: 'traffic-rerouted', decision: 'pass', rev: revOf(x, 'traffic-rerouted'), actor: eli, now: at, evidenceMaxAgeDays: 30 });
      assert.match(refused(promote(w)), /older than 30 days: "Identity alignment" \(40 days\)/);
      assert.match(
        refused(confirmEvidence(w, { gateId: 'identity-alignment', rev: revOf(w, 'identity-alignment'), actor: eli, now: at })),
        /Only someone holding the Workload architect role can confirm/,
      );
      const confirmed = changed(confirmEvidence(w, { gateId: 'identity-alignment', rev: revOf(w, 'identity-alignment'), actor: ana, now: at }));
      assert.equal(confirmed.event.action, 'gate.evidenceConfirmed');
      assert.match(confirmed.event.summary, /^Ana confirmed the evidence of "Identity alignment" again \(recorded Sun 22 Nov 2026, 09:00 UTC\): .*dated Fri 1 Jan 2027 \(confirmed again\)$/);
      assert.deepEqual(staleEvidence(confirmed.workload, at, 30), []);
      assert.equal(gateOf(changed(promote(confirmed.workload)).workload, 'traffic-rerouted').status, 'passed');
      // The same press again is a retry; from an older card it is refused.
      assert.equal(confirmEvidence(confirmed.workload, { gateId: 'identity-alignment', rev: revOf(w, 'identity-alignment'), actor: ana, now: at }).kind, 'unchanged');
      assert.match(refused(confirmEvidence(confirmed.workload, { gateId: 'identity-alignment', rev: revOf(w, 'identity-alignment'), actor: priya, now: at })), /changed since this card was shown/);
    });
  });

  describe('separation of duties', () => {
    const ciso = (w: Workload) => passedBefore(w, 'ciso-verification');

    it('lets only the CISO waive the CISO verification by default', () => {
      const w = ciso(staffed());
      assert.match(refused(decide(w, { gateId: 'ciso-verification', decision: 'waive', actor: priya, note: 'later' })), /Only the CISO can waive "CISO verification"/);
      assert.equal(gateOf(changed(decide(w, { gateId: 'ciso-verification', decision: 'waive', actor: cyd, note: 'risk accepted' })).workload, 'ciso-verification').status, 'waived');
      assert.equal(waiverRule(GATE_CATALOGUE.find((g) => g.id === 'ciso-verification')!), 'Only the CISO can waive it.');
    });

    it('lets only the CISO choose the second-approver rule, audited', () => {
      const w = staffed();
      assert.match(refused(setWaiverPolicy(w, { policy: 'secondApprover', actor: priya, now: NOW })), /Only the CISO of this workload can change who may waive/);
      const set = changed(setWaiverPolicy(w, { policy: 'secondApprover', actor: cyd, now: NOW }));
      assert.equal(set.workload.waiverPolicy, 'secondApprover');
      assert.equal(set.event.action, 'waiver.policySet');
      assert.equal(setWaiverPolicy(set.workload, { policy: 'secondApprover', actor: cyd, now: NOW }).kind, 'unchanged');
    });

    it('with a second approver, a waiver asked by the project manager waits until another role holder confirms it', () => {
      const w = ciso(changed(setWaiverPolicy(staffed(), { policy: 'secondApprover', actor: cyd, now: NOW })).workload);
      const asked = changed(decide(w, { gateId: 'ciso-verification', decision: 'waive', actor: priya, note: 'pen test booked for January', requestId: 'a1' }));
      const gate = gateOf(asked.workload, 'ciso-verification');
      assert.equal(gate.status, 'pending');
      assert.deepEqual(gate.pendingWaiver, { by: priya, reason: 'pen test booked for January', at: NOW });
      assert.equal(asked.event.action, 'gate.waiverRequested');
      // Its retry changes nothing; a second ask is refused.
      assert.equal(
        decideGate(asked.workload, { gateId: 'ciso-verification', decision: 'waive', rev: gate.rev - 1, actor: priya, note: 'pen test booked for January', requestId: 'a1', now: NOW }).kind,
        'unchanged',
      );
      assert.match(refused(decide(asked.workload, { gateId: 'ciso-verification', decision: 'waive', actor: bea, note: 'me too' })), /Priya already asked to waive "CISO verification"/);
      const confirm = (who: Person) => confirmWaiver(asked.workload, { gateId: 'ciso-verification', rev: gate.rev, actor: who, now: NOW });
      assert.match(refused(confirm(priya)), /You asked for this waiver; a second approver, not you, confirms it/);
      assert.match(refused(confirm(eli)), /Only a project manager, the business owner or the CISO can confirm/);
      const waived = changed(confirm(bea));
      const done = gateOf(waived.workload, 'ciso-verification');
      assert.equal(done.status, 'waived');
      assert.equal(done.reason, 'pen test booked for January');
      assert.deepEqual(done.waiverRequestedBy, priya);
      assert.equal(done.pendingWaiver, undefined);
      assert.match(waived.event.summary, /^Bea confirmed, as second approver, the waiver of "CISO verification" Priya asked for: pen test booked for January$/);
    });

    it('never lets the one who promotes waive promotion: its owner, or whoever recorded the cutover', () => {
      const w = passedBefore({ ...staffed(), roles: { ...staffed().roles, migrationEngineer: [eli, priya] } }, 'traffic-rerouted');
      const waive = (who: Person, promoters: Person[] = []) => decide(w, { gateId: 'traffic-rerouted', decision: 'waive', actor: who, note: 'moved by the network team', promoters });
      assert.match(refused(waive(priya)), /is not waived by the one who promotes/);
      const plain = passedBefore(staffed(), 'traffic-rerouted');
      const byPlanner = decideGate(plain, { gateId: 'traffic-rerouted', decision: 'waive', rev: revOf(plain, 'traffic-rerouted'), actor: paul, note: 'moved', promoters: [paul], now: NOW });
      assert.match(refused(byPlanner), /or whoever recorded the cutover/);
      assert.equal(
        changed(decideGate(plain, { gateId: 'traffic-rerouted', decision: 'waive', rev: revOf(plain, 'traffic-rerouted'), actor: priya, note: 'moved', promoters: [paul], now: NOW })).kind,
        'changed',
      );
    });
  });

  describe('the export for auditors', () => {
    it('gives one row a gate in checklist order, with the decision, the note and the typed evidence with its dates', () => {
      const w = passedBefore(staffed(), 'performance-benchmarked');
      const done = changed(
        decide(w, { gateId: 'performance-benchmarked', decision: 'pass', actor: ana, note: 'load test run 7', typedEvidence: parsed(w, 'performance-benchmarked', BENCHMARK) }),
      ).workload;
      const rows = evidenceRows(done);
      assert.equal(rows.length, GATE_CATALOGUE.length);
      assert.ok(rows.every((r) => r.length === EVIDENCE_CSV_HEADER.length));
      const row = Object.fromEntries(EVIDENCE_CSV_HEADER.map((h, i) => [h, rows.find((r) => r[2] === 'performance-benchmarked')![i]]));
      assert.equal(row.status, 'passed');
      assert.equal(row.decidedBy, 'Ana');
      assert.equal(row.note, 'load test run 7');
      assert.equal(row.evidenceKind, 'benchmark');
      assert.equal(row.evidenceRecordedAt, NOW);
      assert.match(row.evidence!, /sizing app-vm01 D4s_v5 → D2s_v5/);
      assert.equal(rows.find((r) => r[2] === 'retro-held')![4], 'pending');
    });
  });
});
