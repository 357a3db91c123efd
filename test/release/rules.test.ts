import { strict as assert } from 'node:assert';
import { GATE_CATALOGUE, Gate, Person, ROLES, Role, Workload } from '../../bot/release/model';
import {
  MAX_NOTE_LENGTH,
  MAX_PEOPLE_PER_ROLE,
  RuleResult,
  assignRoles,
  checkWorkloadName,
  MAX_NAME_LENGTH,
  MAX_SLUG_LENGTH,
  currentStage,
  decideGate,
  newWorkload,
  nextStep,
  passGateOnBehalf,
  slugOfWorkloadId,
  workloadIdOf,
} from '../../bot/release/rules';
import { NOW, TENANT, person, scope } from '../support/builders';

// The cast of a release. Names are short so that person() gives each a distinct AAD object id.
const priya = person('Priya'); // project manager, creator
const chen = person('Chen'); // change manager
const bea = person('Bea'); // business owner
const ana = person('Ana'); // workload architect
const eli = person('Eli'); // migration engineer
const omar = person('Omar'); // cloud operations
const cyd = person('Cyd'); // CISO
const uma = person('Uma'); // UAT tester
const max = person('Max'); // a second migration engineer
const zoe = person('Zoe'); // holds no role at all

const LATER = '2026-11-23T15:30:00.000Z';

const OWNER_OF: Record<Role, Person> = {
  projectManager: priya,
  changeManager: chen,
  businessOwner: bea,
  uatTester: uma,
  workloadArchitect: ana,
  migrationEngineer: eli,
  cloudOperations: omar,
  ciso: cyd,
};

function created(name = 'Payroll API', slug = 'payroll-api'): Workload {
  return newWorkload({ name, slug, scope: scope(), creator: priya, now: NOW }).workload;
}

/** A new workload whose roles are staffed directly, without going through assignRoles. */
function staffed(extra: Partial<Record<Role, Person[]>> = {}): Workload {
  const w = created();
  const roles = Object.fromEntries(ROLES.map((r) => [r, [OWNER_OF[r]]])) as Record<Role, Person[]>;
  return { ...w, roles: { ...roles, ...extra } };
}

function gateOf(w: Workload, gateId: string) {
  const g = w.gates.find((x) => x.id === gateId);
  assert.ok(g, `gate ${gateId} exists`);
  return g;
}

function titleOf(gateId: string): string {
  const def = GATE_CATALOGUE.find((g) => g.id === gateId);
  assert.ok(def, `gate ${gateId} is in the catalogue`);
  return def.title;
}

function expectChanged(result: RuleResult) {
  assert.equal(result.kind, 'changed', result.kind === 'refused' ? `refused: ${result.message}` : 'unchanged');
  return result;
}

function expectRefused(result: RuleResult): string {
  assert.equal(result.kind, 'refused', `expected a refusal, got ${result.kind}`);
  return result.message;
}

/** Decides a gate from a card drawn at the gate's current revision; the decision must be applied. */
function decide(w: Workload, gateId: string, decision: 'pass' | 'fail' | 'waive', actor: Person, note?: string): Workload {
  const rev = gateOf(w, gateId).rev;
  return expectChanged(decideGate(w, { gateId, decision, rev, actor, now: NOW, ...(note === undefined ? {} : { note }) })).workload;
}

/** Passes, by its owner, every gate that comes before gateId in the catalogue. */
function passAllBefore(w: Workload, gateId: string): Workload {
  const index = GATE_CATALOGUE.findIndex((g) => g.id === gateId);
  assert.ok(index >= 0, `gate ${gateId} is in the catalogue`);
  return GATE_CATALOGUE.slice(0, index).reduce((cur, def) => decide(cur, def.id, 'pass', OWNER_OF[def.ownerRole]), w);
}

function passAll(w: Workload): Workload {
  return GATE_CATALOGUE.reduce((cur, def) => decide(cur, def.id, 'pass', OWNER_OF[def.ownerRole]), w);
}

/** A sentence: ends with a full stop and carries no second sentence. */
function assertOneSentence(message: string) {
  assert.match(message, /[.]$/, `"${message}" ends with a full stop`);
  assert.doesNotMatch(message.slice(0, -1), /[.!?]\s+[A-Z]/, `"${message}" is a single sentence`);
}

describe('release rules', () => {
  describe('checkWorkloadName', () => {
    it('trims the name and collapses runs of whitespace into single spaces', () => {
      const check = checkWorkloadName('  Payroll \t  API\n ');
      assert.deepEqual(check, { ok: true, name: 'Payroll API', slug: 'payroll-api' });
      const nbsp = checkWorkloadName('Payroll\u00a0\u00a0API');
      assert.equal(nbsp.ok && nbsp.name, 'Payroll API');
    });

    it('derives a lower-case slug with single dashes between words', () => {
      assert.deepEqual(checkWorkloadName('Payroll API'), { ok: true, name: 'Payroll API', slug: 'payroll-api' });
      const dotted = checkWorkloadName('Billing v2.1 -- beta_EU.');
      assert.equal(dotted.ok && dotted.slug, 'billing-v2-1-beta-eu');
      const digits = checkWorkloadName('42');
      assert.equal(digits.ok && digits.slug, '42');
    });

    it('folds accents in the slug but keeps them in the name', () => {
      assert.deepEqual(checkWorkloadName('Café Ünïcode'), { ok: true, name: 'Café Ünïcode', slug: 'cafe-unicode' });
      const zurich = checkWorkloadName('Zürich Façade Crème');
      assert.equal(zurich.ok && zurich.slug, 'zurich-facade-creme');
    });

    it('accepts an accented name typed with combining accents (decomposed, NFD) like its precomposed form', () => {
      const decomposed = 'Cafe\u0301 Paie'; // "Café Paie" as macOS and some keyboards send it
      const check = checkWorkloadName(decomposed);
      assert.equal(check.ok, true, `refused: ${check.ok ? '' : check.message}`);
      assert.equal(check.ok && check.slug, 'cafe-paie');
    });

    it('accepts letters and digits of any script', () => {
      const check = checkWorkloadName('Αρχείο 2026');
      assert.equal(check.ok, true);
      assert.equal(check.ok && check.slug, 'αρχειο-2026');
    });

    it('asks for a name when it is empty or only whitespace', () => {
      for (const raw of ['', '   ', '\t\n']) {
        const check = checkWorkloadName(raw);
        assert.equal(check.ok, false, JSON.stringify(raw));
        assert.match(!check.ok ? check.message : '', /name/i);
      }
    });

    it('accepts 60 characters and refuses 61, counted after collapsing spaces', () => {
      assert.equal(checkWorkloadName('a'.repeat(60)).ok, true);
      const tooLong = checkWorkloadName('a'.repeat(61));
      assert.equal(tooLong.ok, false);
      assert.match(!tooLong.ok ? tooLong.message : '', /60 characters/);
      assert.equal(checkWorkloadName(`${'a'.repeat(30)}          ${'b'.repeat(29)}`).ok, true, '30 + 1 space + 29 = 60');
    });

    it('counts the length after normalization: a character that spells out to eighteen counts as eighteen', () => {
      const ligature = '\uFDFA'; // one character; NFKC spells it out as eighteen
      const fifty = checkWorkloadName(ligature.repeat(50));
      assert.equal(fifty.ok, false);
      assert.match(!fifty.ok ? fifty.message : '', /at most 60 characters/);
      assert.equal(checkWorkloadName(ligature.repeat(3)).ok, true, '3 x 18 = 54');
      assert.equal(checkWorkloadName(ligature.repeat(4)).ok, false, '4 x 18 = 72');
      const one = checkWorkloadName(`Payroll ${ligature}`);
      assert.equal(one.ok && one.name, `Payroll ${ligature.normalize('NFKC')}`, 'the name is kept in the form its length was counted in');
      const fullWidth = checkWorkloadName('\uFF30\uFF41\uFF59\uFF52\uFF4F\uFF4C\uFF4C API');
      assert.deepEqual(fullWidth, { ok: true, name: 'Payroll API', slug: 'payroll-api' }, 'full-width letters are the same name');
    });

    it('keeps every slug, and so the workload id, within what Cosmos DB accepts', () => {
      for (const raw of ['\uFDFA'.repeat(50), '\uFDFA'.repeat(3), 'a'.repeat(60), '\uD55C'.repeat(60), '\u0130'.repeat(60), '\uFB01'.repeat(60), 'x\u0301'.repeat(60)]) {
        const check = checkWorkloadName(raw);
        if (check.ok) {
          assert.ok([...check.name].length <= MAX_NAME_LENGTH, `name of ${JSON.stringify(raw.slice(0, 4))}`);
          assert.ok(check.slug.length <= MAX_SLUG_LENGTH, `slug of ${JSON.stringify(raw.slice(0, 4))}: ${check.slug.length}`);
        }
      }
      assert.ok(TENANT.length + 1 + MAX_SLUG_LENGTH <= 255, "a tenant and the longest slug leave room in Cosmos DB's 255");
      const hangul = checkWorkloadName('\uD55C'.repeat(60)); // 60 syllables, 180 letters once spelled out
      assert.equal(hangul.ok, false);
      assert.match(!hangul.ok ? hangul.message : '', /spells out too long for a workload id/);
      const shorter = checkWorkloadName('\uD55C'.repeat(30));
      assert.equal(shorter.ok && shorter.slug.length, 90);
    });

    it('refuses a name that starts with punctuation', () => {
      for (const raw of ['-payroll', '.net app', '_billing', '#crm', '  (hr) portal']) {
        const check = checkWorkloadName(raw);
        assert.equal(check.ok, false, raw);
        assert.match(!check.ok ? check.message : '', /starts with a letter or digit/);
      }
    });

    it('refuses characters other than letters, digits, spaces, dots, dashes and underscores', () => {
      for (const raw of ['Payroll/API', 'HR & Benefits', 'crm!', 'a<script>']) {
        assert.equal(checkWorkloadName(raw).ok, false, raw);
      }
    });

    it('refuses names with fewer than two letters or digits', () => {
      for (const raw of ['A', '7', 'A.', 'x__', 'é', 'b - .']) {
        const check = checkWorkloadName(raw);
        assert.equal(check.ok, false, raw);
        assert.match(!check.ok ? check.message : '', /at least two letters or digits/, raw);
      }
      for (const raw of ['AB', 'a1', 'A B', 'x-y']) assert.equal(checkWorkloadName(raw).ok, true, raw);
    });

    it('gives one id per tenant, team or chat, and slug with workloadIdOf', () => {
      const here = scope();
      const id = workloadIdOf(here, 'payroll-api');
      assert.match(id, new RegExp(`^${TENANT}:[0-9a-f]{12}:payroll-api$`));
      const otherTenant = '0d2b1f5e-8c7a-4e55-9d1c-3a9f7b2e6c10';
      assert.notEqual(id, workloadIdOf({ ...here, tenantId: otherTenant }, 'payroll-api'));
      assert.notEqual(id, workloadIdOf({ ...here, scopeId: '19:team-finance@thread.tacv2' }, 'payroll-api'), 'the same name in another team is another workload');
      assert.notEqual(id, workloadIdOf(here, 'payroll'));
      assert.equal(slugOfWorkloadId(id), 'payroll-api');
      assert.doesNotMatch(id, /[/\\?#]/, 'no character Cosmos refuses in an id');
    });
  });

  describe('newWorkload', () => {
    const input = { name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: priya, now: NOW };

    it('makes the creator the only project manager and leaves every other role empty', () => {
      const { workload } = newWorkload(input);
      assert.deepEqual(workload.roles.projectManager, [priya]);
      for (const role of ROLES.filter((r) => r !== 'projectManager')) {
        assert.deepEqual(workload.roles[role], [], role);
      }
      assert.equal(workload.rolesRev, 1);
    });

    it('names the workload by tenant and slug and records who created it and when', () => {
      const { workload } = newWorkload(input);
      const id = workloadIdOf(scope(), 'payroll-api');
      assert.equal(workload.id, id);
      assert.equal(workload.workloadId, id);
      assert.equal(workload.type, 'workload');
      assert.equal(workload.name, 'Payroll API');
      assert.deepEqual(workload.scope, scope());
      assert.deepEqual(workload.createdBy, priya);
      assert.equal(workload.createdAt, NOW);
    });

    it('starts every catalogue gate pending at revision 1, in catalogue order', () => {
      const { workload } = newWorkload(input);
      assert.deepEqual(
        workload.gates,
        GATE_CATALOGUE.map((g) => ({ id: g.id, status: 'pending', rev: 1 })),
      );
    });

    it('returns the creation event for the audit trail', () => {
      const { event } = newWorkload(input);
      assert.equal(event.workloadId, workloadIdOf(scope(), 'payroll-api'));
      assert.equal(event.type, 'event');
      assert.equal(event.action, 'workload.created');
      assert.deepEqual(event.actor, priya);
      assert.equal(event.at, NOW);
      assert.equal(event.gateId, undefined);
      assert.match(event.summary, /Priya/);
      assert.match(event.summary, /Payroll API/);
      assert.match(event.summary, /project manager/);
    });

    it('does not modify its input', () => {
      const before = structuredClone(input);
      newWorkload(input);
      assert.deepEqual(input, before);
    });
  });

  describe('decideGate', () => {
    describe('by the gate owner', () => {
      it('passes the gate with evidence, bumps its revision and records who decided and when', () => {
        const w = staffed();
        const result = expectChanged(decideGate(w, { gateId: 'assets-staged', decision: 'pass', rev: 1, note: '  https://dev.azure.com/run/42  ', actor: eli, now: LATER }));
        assert.deepEqual(gateOf(result.workload, 'assets-staged'), {
          id: 'assets-staged',
          status: 'passed',
          rev: 2,
          evidence: 'https://dev.azure.com/run/42',
          decidedBy: eli,
          decidedAt: LATER,
        });
        assert.deepEqual(result.event, {
          workloadId: w.workloadId,
          type: 'event',
          at: LATER,
          actor: eli,
          action: 'gate.passed',
          gateId: 'assets-staged',
          summary: `Eli passed "${titleOf('assets-staged')}": https://dev.azure.com/run/42`,
        });
      });

      it('passes a gate without evidence and records none', () => {
        const w = decide(staffed(), 'assets-staged', 'pass', eli);
        const gate = gateOf(w, 'assets-staged');
        assert.equal(gate.status, 'passed');
        assert.equal('evidence' in gate, false);
        assert.equal('reason' in gate, false);
      });

      it('touches only the decided gate', () => {
        const w = staffed();
        const after = decide(w, 'assets-staged', 'pass', eli);
        assert.deepEqual(
          after.gates.filter((g) => g.id !== 'assets-staged'),
          w.gates.filter((g) => g.id !== 'assets-staged'),
        );
        assert.deepEqual(after.roles, w.roles);
        assert.equal(after.rolesRev, w.rolesRev);
        assert.equal(after.workloadId, w.workloadId);
      });

      it('lets any of several people holding the owner role decide', () => {
        const w = staffed({ migrationEngineer: [eli, max] });
        assert.equal(gateOf(decide(w, 'assets-staged', 'pass', max), 'assets-staged').status, 'passed');
      });
    });

    describe('by someone who does not hold the owner role', () => {
      it('refuses with a sentence naming the owner role and the people who hold it, and changes nothing', () => {
        const w = staffed();
        const before = structuredClone(w);
        for (const actor of [zoe, priya, ana]) {
          const result = decideGate(w, { gateId: 'assets-staged', decision: 'pass', rev: 1, note: 'done', actor, now: NOW });
          const message = expectRefused(result);
          assert.match(message, /migration engineer/i, actor.name);
          assert.match(message, /Eli/);
          assertOneSentence(message);
          assert.equal(result.workload, w, 'the refusal hands back the workload as it was');
        }
        assert.deepEqual(w, before);
      });

      it('refuses a failure by a non-owner too, even with a reason', () => {
        const message = expectRefused(decideGate(staffed(), { gateId: 'performance-benchmarked', decision: 'fail', rev: 1, note: 'too slow', actor: eli, now: NOW }));
        assert.match(message, /workload architect/i);
      });

      it('tells who can assign the role when nobody holds it yet', () => {
        const w = created();
        const message = expectRefused(decideGate(w, { gateId: 'assets-staged', decision: 'pass', rev: 1, actor: priya, now: NOW }));
        assert.match(message, /migration engineer/i);
        assert.match(message, /nobody/);
        assert.match(message, /project manager/);
      });

      it('names the CISO role with its acronym intact', () => {
        const message = expectRefused(decideGate(staffed(), { gateId: 'ciso-verification', decision: 'pass', rev: 1, actor: eli, now: NOW }));
        assert.match(message, /\bCISO\b.*can pass/, message);
      });
    });

    describe('reasons and notes', () => {
      it('refuses to fail a gate without a reason', () => {
        const w = staffed();
        for (const note of [undefined, '', '   ']) {
          const result = decideGate(w, { gateId: 'assets-staged', decision: 'fail', rev: 1, actor: eli, now: NOW, ...(note === undefined ? {} : { note }) });
          assert.match(expectRefused(result), /reason/);
        }
      });

      it('fails a gate with a reason, recorded on the gate and in the event', () => {
        const result = expectChanged(decideGate(staffed(), { gateId: 'assets-staged', decision: 'fail', rev: 1, note: 'replication lag 3h', actor: eli, now: LATER }));
        const gate = gateOf(result.workload, 'assets-staged');
        assert.equal(gate.status, 'failed');
        assert.equal(gate.reason, 'replication lag 3h');
        assert.equal(gate.rev, 2);
        assert.deepEqual(gate.decidedBy, eli);
        assert.equal(gate.decidedAt, LATER);
        assert.equal(result.event.action, 'gate.failed');
        assert.match(result.event.summary, /Eli failed .*replication lag 3h/);
      });

      it('refuses to waive a gate without a reason', () => {
        const message = expectRefused(decideGate(staffed(), { gateId: 'assets-staged', decision: 'waive', rev: 1, note: ' ', actor: priya, now: NOW }));
        assert.match(message, /waiver needs a reason/);
      });

      it(`accepts a note of ${MAX_NOTE_LENGTH} characters and refuses a longer one`, () => {
        const w = staffed();
        const atLimit = decideGate(w, { gateId: 'assets-staged', decision: 'pass', rev: 1, note: 'x'.repeat(MAX_NOTE_LENGTH), actor: eli, now: NOW });
        assert.equal(atLimit.kind, 'changed');
        for (const decision of ['pass', 'fail'] as const) {
          const result = decideGate(w, { gateId: 'assets-staged', decision, rev: 1, note: 'x'.repeat(MAX_NOTE_LENGTH + 1), actor: eli, now: NOW });
          assert.match(expectRefused(result), new RegExp(`${MAX_NOTE_LENGTH} characters`));
        }
      });
    });

    describe('waivers', () => {
      it('lets the project manager waive a gate with a reason', () => {
        const result = expectChanged(decideGate(staffed(), { gateId: 'change-plan-shared', decision: 'waive', rev: 1, note: 'internal tool, no business change', actor: priya, now: LATER }));
        const gate = gateOf(result.workload, 'change-plan-shared');
        assert.equal(gate.status, 'waived');
        assert.equal(gate.reason, 'internal tool, no business change');
        assert.deepEqual(gate.decidedBy, priya);
        assert.equal(result.event.action, 'gate.waived');
        assert.equal(result.event.gateId, 'change-plan-shared');
        assert.match(result.event.summary, /Priya waived .*internal tool, no business change/);
      });

      it('lets the business owner waive a gate owned by someone else', () => {
        const w = decide(staffed(), 'bcdr-validated', 'waive', bea, 'stateless front end, redeployable');
        assert.equal(gateOf(w, 'bcdr-validated').status, 'waived');
      });

      it('lets only the CISO waive the CISO gate, not the project manager', () => {
        const byPm = decideGate(staffed(), { gateId: 'ciso-verification', decision: 'waive', rev: 1, note: 'later', actor: priya, now: NOW });
        assert.match(expectRefused(byPm), /Only the CISO can waive "CISO verification"/);
        const byCiso = expectChanged(decideGate(staffed(), { gateId: 'ciso-verification', decision: 'waive', rev: 1, note: 'accepted risk', actor: cyd, now: NOW }));
        assert.equal(byCiso.event.action, 'gate.waived');
      });

      it('never lets the one who promotes waive promotion, even as a project manager', () => {
        let w = staffed({ projectManager: [priya, eli] });
        for (const def of GATE_CATALOGUE.slice(
          0,
          GATE_CATALOGUE.findIndex((g) => g.id === 'traffic-rerouted'),
        ))
          w = decide(w, def.id, 'waive', def.ownerRole === 'ciso' ? cyd : priya, 'skip');
        assert.match(expectRefused(decideGate(w, { gateId: 'traffic-rerouted', decision: 'waive', rev: 1, note: 'later', actor: eli, now: NOW })), /not waived by the one who promotes/);
        assert.equal(
          expectChanged(decideGate(w, { gateId: 'traffic-rerouted', decision: 'waive', rev: 1, note: 'later', actor: priya, now: NOW })).workload.gates.find((g) => g.id === 'traffic-rerouted')
            ?.status,
          'waived',
        );
      });

      it('refuses a waiver from anyone else, even the owner of the gate', () => {
        const w = staffed();
        const before = structuredClone(w);
        for (const actor of [eli, cyd, zoe]) {
          const result = decideGate(w, { gateId: 'assets-staged', decision: 'waive', rev: 1, note: 'not needed', actor, now: NOW });
          const message = expectRefused(result);
          assert.match(message, /project manager or the business owner/, actor.name);
          assertOneSentence(message);
        }
        assert.deepEqual(w, before);
      });

      it('lets a waiver close a gate that had failed', () => {
        let w = decide(staffed(), 'user-routing', 'fail', eli, 'no DNS access yet');
        w = decide(w, 'user-routing', 'waive', priya, 'routing handled by the network team in wave 2');
        const gate = gateOf(w, 'user-routing');
        assert.equal(gate.status, 'waived');
        assert.equal(gate.rev, 3);
      });
    });

    describe('revisions and retries', () => {
      it('refuses a decision made from a card drawn at an older revision and says the gate changed', () => {
        let w = staffed({ migrationEngineer: [eli, max] });
        w = decide(w, 'assets-staged', 'fail', eli, 'replication lag');
        const result = decideGate(w, { gateId: 'assets-staged', decision: 'pass', rev: 1, actor: max, now: NOW });
        const message = expectRefused(result);
        assert.match(message, /is already failed by Eli on Sun 22 Nov 2026, 09:00 UTC: replication lag; yours was not recorded/);
        assert.equal(result.workload, w);
      });

      it('refuses a revision the gate has never had', () => {
        const message = expectRefused(decideGate(staffed(), { gateId: 'assets-staged', decision: 'pass', rev: 7, actor: eli, now: NOW }));
        assert.match(message, /changed since this card was shown/);
      });

      it('answers unchanged when the same person retries the same decision with the previous revision', () => {
        const first = decide(staffed(), 'assets-staged', 'pass', eli, 'run 42');
        const retry = decideGate(first, { gateId: 'assets-staged', decision: 'pass', rev: 1, note: 'run 42', actor: eli, now: LATER });
        assert.equal(retry.kind, 'unchanged');
        assert.equal(retry.workload, first);
        assert.equal(gateOf(first, 'assets-staged').decidedAt, NOW, 'the first decision stands');
      });

      it('answers unchanged for a retried failure too', () => {
        const first = decide(staffed(), 'assets-staged', 'fail', eli, 'lag');
        const retry = decideGate(first, { gateId: 'assets-staged', decision: 'fail', rev: 1, note: 'lag', actor: eli, now: LATER });
        assert.equal(retry.kind, 'unchanged');
      });

      it('refuses the same decision replayed by a different person', () => {
        const first = decide(staffed({ migrationEngineer: [eli, max] }), 'assets-staged', 'pass', eli);
        const message = expectRefused(decideGate(first, { gateId: 'assets-staged', decision: 'pass', rev: 1, actor: max, now: NOW }));
        assert.match(message, /already passed by Eli.*; yours was not recorded/);
      });

      it('refuses a different decision replayed by the same person with the previous revision', () => {
        const first = decide(staffed(), 'assets-staged', 'fail', eli, 'lag');
        const message = expectRefused(decideGate(first, { gateId: 'assets-staged', decision: 'pass', rev: 1, actor: eli, now: NOW }));
        assert.match(message, /already failed by Eli.*: lag; yours was not recorded/);
      });

      it('refuses the same person waiving again from an older card with another reason, keeping the first', () => {
        const first = decide(staffed(), 'performance-benchmarked', 'waive', priya, 'reason A');
        const again = decideGate(first, { gateId: 'performance-benchmarked', decision: 'waive', rev: 1, note: 'reason B', actor: priya, now: LATER });
        assert.match(expectRefused(again), /already waived by Priya on Sun 22 Nov 2026, 09:00 UTC: reason A; yours was not recorded/);
        assert.equal(gateOf(again.workload, 'performance-benchmarked').reason, 'reason A');
      });

      it('tells a press on an older card from a retry of the same request by the request id', () => {
        const first = expectChanged(decideGate(staffed(), { gateId: 'assets-staged', decision: 'pass', rev: 1, actor: eli, now: NOW, requestId: 'activity-1' })).workload;
        assert.equal(decideGate(first, { gateId: 'assets-staged', decision: 'pass', rev: 1, actor: eli, now: LATER, requestId: 'activity-1' }).kind, 'unchanged');
        assert.match(expectRefused(decideGate(first, { gateId: 'assets-staged', decision: 'pass', rev: 1, actor: eli, now: LATER, requestId: 'activity-2' })), /already passed by Eli/);
      });

      it('refuses to decide a gate that is already passed or waived', () => {
        const passed = decide(staffed(), 'assets-staged', 'pass', eli);
        for (const [decision, actor] of [
          ['pass', eli],
          ['fail', eli],
          ['waive', priya],
        ] as const) {
          const result = decideGate(passed, { gateId: 'assets-staged', decision, rev: 2, note: 'again', actor, now: NOW });
          assert.match(expectRefused(result), /already passed/, decision);
        }
        const waived = decide(staffed(), 'change-notice-sent', 'waive', priya, 'covered by the wave 1 notice');
        const result = decideGate(waived, { gateId: 'change-notice-sent', decision: 'pass', rev: 2, actor: chen, now: NOW });
        assert.match(expectRefused(result), /already waived/);
      });

      it('lets a failed gate be passed later', () => {
        let w = decide(staffed(), 'performance-benchmarked', 'fail', ana, 'p95 at 900 ms');
        const result = expectChanged(decideGate(w, { gateId: 'performance-benchmarked', decision: 'pass', rev: 2, note: 'p95 at 180 ms after resize', actor: ana, now: LATER }));
        w = result.workload;
        const gate = gateOf(w, 'performance-benchmarked');
        assert.equal(gate.status, 'passed');
        assert.equal(gate.rev, 3);
        assert.equal(gate.evidence, 'p95 at 180 ms after resize');
        assert.equal(gate.decidedAt, LATER);
        assert.equal(result.event.action, 'gate.passed');
      });

      it('refuses a gate id that is not in the checklist', () => {
        const w = staffed();
        const result = decideGate(w, { gateId: 'moon-landing', decision: 'pass', rev: 1, actor: priya, now: NOW });
        assert.match(expectRefused(result), /not part of this release checklist/);
        assert.equal(result.workload, w);
      });
    });

    describe('promotion', () => {
      const promote = (w: Workload, decision: 'pass' | 'waive' = 'pass', actor: Person = eli) =>
        decideGate(w, { gateId: 'traffic-rerouted', decision, rev: gateOf(w, 'traffic-rerouted').rev, note: 'DNS cut at 22:00', actor, now: NOW });

      it('is refused while earlier gates are open, naming the first three and counting the rest', () => {
        const message = expectRefused(promote(staffed()));
        assert.match(message, /can't be passed while earlier gates are open/);
        assert.ok(message.includes(`"${titleOf('assets-staged')}", "${titleOf('change-plan-shared')}", "${titleOf('change-notice-sent')}"`), message);
        assert.match(message, /and 9 more\.$/);
      });

      it('is refused while a single earlier gate is open, naming it', () => {
        const w = passAllBefore(staffed(), 'traffic-rerouted');
        const reopened = { ...w, gates: w.gates.map((g): Gate => (g.id === 'ciso-verification' ? { id: g.id, status: 'pending', rev: 1 } : g)) };
        const message = expectRefused(promote(reopened));
        assert.match(message, new RegExp(`open: "${titleOf('ciso-verification')}"\\.$`));
      });

      it('counts a failed earlier gate as open', () => {
        let w = passAllBefore(staffed(), 'bcdr-validated');
        w = decide(w, 'bcdr-validated', 'fail', omar, 'restore test failed');
        w = decide(w, 'data-classification', 'pass', bea);
        w = decide(w, 'ciso-verification', 'pass', cyd);
        const message = expectRefused(promote(w));
        assert.ok(message.includes(titleOf('bcdr-validated')), message);
      });

      it('is allowed once every earlier gate is passed or waived', () => {
        const waived = new Set(['change-plan-shared', 'change-notice-sent', 'bcdr-validated']);
        let w = staffed();
        for (const def of GATE_CATALOGUE.slice(
          0,
          GATE_CATALOGUE.findIndex((g) => g.id === 'traffic-rerouted'),
        )) {
          w = waived.has(def.id) ? decide(w, def.id, 'waive', priya, 'not needed for this workload') : decide(w, def.id, 'pass', OWNER_OF[def.ownerRole]);
        }
        const result = expectChanged(promote(w));
        const gate = gateOf(result.workload, 'traffic-rerouted');
        assert.equal(gate.status, 'passed');
        assert.equal(gate.evidence, 'DNS cut at 22:00');
        assert.equal(result.event.gateId, 'traffic-rerouted');
        assert.equal(currentStage(result.workload), 'decommissioned');
      });

      it('refuses a waiver of promotion while earlier gates are open', () => {
        const message = expectRefused(promote(staffed(), 'waive', priya));
        assert.match(message, /can't be waived while earlier gates are open/);
      });

      it('lets promotion be failed while earlier gates are still open', () => {
        const w = staffed();
        const result = expectChanged(decideGate(w, { gateId: 'traffic-rerouted', decision: 'fail', rev: 1, note: 'cutover window cancelled', actor: eli, now: NOW }));
        assert.equal(gateOf(result.workload, 'traffic-rerouted').status, 'failed');
      });

      it('makes decommission wait for promotion', () => {
        const w = passAllBefore(staffed(), 'traffic-rerouted');
        const message = expectRefused(decideGate(w, { gateId: 'assets-retired', decision: 'pass', rev: 1, actor: omar, now: NOW }));
        assert.ok(message.includes(`open: "${titleOf('traffic-rerouted')}"`), message);
      });

      it('does not hold gates before promotion back on earlier gates', () => {
        const w = staffed();
        assert.equal(gateOf(decide(w, 'ciso-verification', 'pass', cyd), 'ciso-verification').status, 'passed');
      });
    });

    it('never modifies the workload it is given', () => {
      const w = passAllBefore(staffed(), 'user-routing');
      const before = structuredClone(w);
      const requests = [
        { gateId: 'user-routing', decision: 'pass', rev: 1, note: 'ok', actor: eli },
        { gateId: 'user-routing', decision: 'fail', rev: 1, note: 'not yet', actor: eli },
        { gateId: 'user-routing', decision: 'waive', rev: 1, note: 'n/a', actor: priya },
        { gateId: 'user-routing', decision: 'pass', rev: 1, actor: zoe },
        { gateId: 'assets-staged', decision: 'pass', rev: 1, actor: eli },
        { gateId: 'traffic-rerouted', decision: 'pass', rev: 1, actor: eli },
      ] as const;
      for (const request of requests) {
        decideGate(w, { ...request, now: LATER });
        assert.deepEqual(w, before, `${request.gateId} ${request.decision} by ${request.actor.name}`);
      }
    });
  });

  describe('assignRoles', () => {
    const rolesWith = (w: Workload, changes: Partial<Record<Role, Person[]>>): Record<Role, Person[]> => ({ ...w.roles, ...changes });

    it('lets the project manager replace who holds each role and bumps the roles revision', () => {
      const w = created();
      const result = expectChanged(assignRoles(w, { roles: rolesWith(w, { migrationEngineer: [eli, max], businessOwner: [bea] }), rolesRev: 1, actor: priya, now: LATER }));
      assert.deepEqual(result.workload.roles.migrationEngineer, [eli, max]);
      assert.deepEqual(result.workload.roles.businessOwner, [bea]);
      assert.deepEqual(result.workload.roles.projectManager, [priya]);
      assert.equal(result.workload.rolesRev, 2);
      assert.deepEqual(result.workload.gates, w.gates);
      assert.equal(result.event.action, 'roles.assigned');
      assert.deepEqual(result.event.actor, priya);
      assert.equal(result.event.at, LATER);
      assert.equal(result.event.workloadId, w.workloadId);
      assert.equal(result.event.gateId, undefined);
    });

    it('lists only the roles that changed in the event summary', () => {
      const w = staffed();
      const result = expectChanged(assignRoles(w, { roles: rolesWith(w, { businessOwner: [bea, uma], ciso: [] }), rolesRev: w.rolesRev, actor: priya, now: NOW }));
      assert.equal(result.event.summary, 'Priya assigned roles. Business owner: Bea, Uma; CISO: nobody.');
      for (const unchanged of ['Project manager', 'Migration engineer', 'Change manager', 'Workload architect']) {
        assert.ok(!result.event.summary.includes(unchanged), unchanged);
      }
    });

    it('refuses anyone who is not a project manager of the workload, even a business owner', () => {
      const w = staffed();
      const before = structuredClone(w);
      for (const actor of [bea, eli, zoe]) {
        const result = assignRoles(w, { roles: rolesWith(w, { ciso: [actor] }), rolesRev: w.rolesRev, actor, now: NOW });
        const message = expectRefused(result);
        assert.match(message, /Only the project manager/, actor.name);
        assertOneSentence(message);
        assert.equal(result.workload, w);
      }
      assert.deepEqual(w, before);
    });

    it('keeps at least one project manager', () => {
      const w = created();
      const message = expectRefused(assignRoles(w, { roles: rolesWith(w, { projectManager: [], businessOwner: [bea] }), rolesRev: 1, actor: priya, now: NOW }));
      assert.match(message, /at least one project manager/);
    });

    it('lets a project manager hand the role over to someone else', () => {
      const w = created();
      const result = expectChanged(assignRoles(w, { roles: rolesWith(w, { projectManager: [bea] }), rolesRev: 1, actor: priya, now: NOW }));
      assert.deepEqual(result.workload.roles.projectManager, [bea]);
      const after = assignRoles(result.workload, { roles: rolesWith(result.workload, { ciso: [cyd] }), rolesRev: 2, actor: priya, now: NOW });
      assert.match(expectRefused(after), /Only the project manager/, 'the former project manager can no longer assign roles');
    });

    it('refuses a change made from a card drawn at an older roles revision', () => {
      const w = created();
      const first = expectChanged(assignRoles(w, { roles: rolesWith(w, { businessOwner: [bea] }), rolesRev: 1, actor: priya, now: NOW })).workload;
      const result = assignRoles(first, { roles: rolesWith(w, { ciso: [cyd] }), rolesRev: 1, actor: priya, now: NOW });
      assert.match(expectRefused(result), /roles changed since this card was shown/);
      assert.equal(result.workload, first);
    });

    it('answers unchanged when the same roles are submitted again, in any order, or retried with the previous revision', () => {
      const w = staffed({ migrationEngineer: [eli, max] });
      const again = assignRoles(w, { roles: rolesWith(w, { migrationEngineer: [max, eli] }), rolesRev: w.rolesRev, actor: priya, now: NOW });
      assert.equal(again.kind, 'unchanged');
      assert.equal(again.workload, w);

      const roles = rolesWith(w, { ciso: [cyd, zoe] });
      const first = expectChanged(assignRoles(w, { roles, rolesRev: w.rolesRev, actor: priya, now: NOW })).workload;
      const retry = assignRoles(first, { roles: structuredClone(roles), rolesRev: w.rolesRev, actor: priya, now: LATER });
      assert.equal(retry.kind, 'unchanged');
      assert.equal(retry.workload, first);
    });

    it('does not mistake a replaced member for no change when the new list names a person twice', () => {
      const w = staffed({ businessOwner: [bea, uma] });
      const result = assignRoles(w, { roles: rolesWith(w, { businessOwner: [bea, bea] }), rolesRev: w.rolesRev, actor: priya, now: NOW });
      assert.notEqual(result.kind, 'unchanged', 'Uma was taken off the business owner role');
    });

    it(`accepts ${MAX_PEOPLE_PER_ROLE} people in a role and refuses more, naming the role`, () => {
      const w = created();
      const crowd = (n: number) => Array.from({ length: n }, (_, i) => person(`u${i}`));
      const full = assignRoles(w, { roles: rolesWith(w, { uatTester: crowd(MAX_PEOPLE_PER_ROLE) }), rolesRev: 1, actor: priya, now: NOW });
      assert.equal(expectChanged(full).workload.roles.uatTester.length, MAX_PEOPLE_PER_ROLE);
      const over = assignRoles(w, { roles: rolesWith(w, { uatTester: crowd(MAX_PEOPLE_PER_ROLE + 1) }), rolesRev: 1, actor: priya, now: NOW });
      const message = expectRefused(over);
      assert.match(message, new RegExp(`at most ${MAX_PEOPLE_PER_ROLE} people`));
      assert.match(message, /UAT tester/);
    });

    it('never modifies the workload or the roles it is given', () => {
      const w = staffed();
      const before = structuredClone(w);
      const roles = rolesWith(w, { ciso: [cyd, zoe] });
      const rolesBefore = structuredClone(roles);
      assignRoles(w, { roles, rolesRev: w.rolesRev, actor: priya, now: NOW });
      assignRoles(w, { roles, rolesRev: w.rolesRev, actor: zoe, now: NOW });
      assignRoles(w, { roles: rolesWith(w, { projectManager: [] }), rolesRev: w.rolesRev, actor: priya, now: NOW });
      assert.deepEqual(w, before);
      assert.deepEqual(roles, rolesBefore);
    });
  });

  describe('currentStage and nextStep', () => {
    it('start at the staged gate, with its owners', () => {
      const w = staffed({ migrationEngineer: [eli, max] });
      assert.equal(currentStage(w), 'staged');
      const next = nextStep(w);
      assert.equal(next?.gate.id, 'assets-staged');
      assert.equal(next?.status, 'pending');
      assert.deepEqual(next?.owners, [eli, max]);
    });

    it('show no owners for a gate whose role nobody holds yet', () => {
      assert.deepEqual(nextStep(created())?.owners, []);
    });

    it('move gate by gate through the stages as gates close, and end released with no next step', () => {
      let w = staffed();
      for (const def of GATE_CATALOGUE) {
        assert.equal(currentStage(w), def.stage, `before ${def.id}`);
        const next = nextStep(w);
        assert.equal(next?.gate.id, def.id);
        assert.deepEqual(next?.owners, [OWNER_OF[def.ownerRole]]);
        w = decide(w, def.id, 'pass', OWNER_OF[def.ownerRole]);
      }
      assert.equal(currentStage(w), 'released');
      assert.equal(nextStep(w), undefined);
    });

    it('stay ready until all seven readiness gates are closed', () => {
      let w = passAllBefore(staffed(), 'domain-alignment');
      const readiness = GATE_CATALOGUE.filter((g) => g.stage === 'ready');
      assert.equal(readiness.length, 7);
      for (const def of readiness) {
        assert.equal(currentStage(w), 'ready', def.id);
        w = decide(w, def.id, 'pass', OWNER_OF[def.ownerRole]);
      }
      assert.equal(currentStage(w), 'promoted');
    });

    it('stay on a failed gate and report it as failed', () => {
      const w = decide(staffed(), 'assets-staged', 'fail', eli, 'replication lag');
      assert.equal(currentStage(w), 'staged');
      assert.equal(nextStep(w)?.status, 'failed');
      assert.equal(nextStep(w)?.gate.id, 'assets-staged');
    });

    it('count waived gates as closed', () => {
      let w = decide(staffed(), 'assets-staged', 'pass', eli);
      w = decide(w, 'change-plan-shared', 'waive', priya, 'no business change');
      assert.equal(currentStage(w), 'communication');
      assert.equal(nextStep(w)?.gate.id, 'change-notice-sent');
    });

    it('wait on the earliest open gate even when later ones are closed', () => {
      let w = staffed();
      w = decide(w, 'ciso-verification', 'pass', cyd);
      w = decide(w, 'change-plan-shared', 'pass', chen);
      assert.equal(currentStage(w), 'staged');
      assert.equal(nextStep(w)?.gate.id, 'assets-staged');
    });

    it('reach released when the remaining gates are waived', () => {
      const w = passAllBefore(staffed(), 'retro-held');
      assert.equal(currentStage(w), 'retrospective');
      const done = decide(w, 'retro-held', 'waive', bea, 'merged into the wave retro');
      assert.equal(currentStage(done), 'released');
      assert.equal(nextStep(done), undefined);
    });

    it('do not modify the workload', () => {
      const w = decide(staffed(), 'assets-staged', 'pass', eli);
      const before = structuredClone(w);
      currentStage(w);
      nextStep(w);
      assert.deepEqual(w, before);
      const done = passAll(staffed());
      const doneBefore = structuredClone(done);
      currentStage(done);
      nextStep(done);
      assert.deepEqual(done, doneBefore);
    });
  });
});

describe('passGateOnBehalf', () => {
  const owner = person('Bea Owner');
  const now = NOW;
  const pass = passGateOnBehalf;
  const fresh = () => newWorkload({ name: 'Payroll', slug: 'payroll', scope: scope(), creator: priya, now }).workload;

  it('passes the gate with evidence and an audit event, whoever holds its role', () => {
    const result = pass(fresh(), { gateId: 'uat-approved', actor: owner, evidence: 'UAT cycle 2 approved', now });
    assert.equal(result.kind, 'changed');
    const gate = result.workload.gates.find((g) => g.id === 'uat-approved');
    assert.equal(gate?.status, 'passed');
    assert.equal(gate?.rev, 2);
    assert.equal(gate?.evidence, 'UAT cycle 2 approved');
    if (result.kind === 'changed') assert.equal(result.event.action, 'gate.passed');
  });

  it('leaves a gate already passed or waived as it is', () => {
    const once = pass(fresh(), { gateId: 'uat-approved', actor: owner, evidence: 'cycle 1', now });
    assert.equal(pass(once.workload, { gateId: 'uat-approved', actor: owner, evidence: 'cycle 2', now }).kind, 'unchanged');
  });

  it('keeps the release order: the retrospective gate waits for every earlier gate', () => {
    const result = pass(fresh(), { gateId: 'retro-held', actor: owner, evidence: 'held', now });
    assert.equal(result.kind, 'refused');
  });
});
