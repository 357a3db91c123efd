import { strict as assert } from 'node:assert';
import { renderEvidenceForm } from '../../cards/evidence';
import { renderChecklist } from '../../cards/render';
import { EVIDENCE_KINDS, parseEvidence } from '../../bot/release/evidence';
import { GATE_CATALOGUE, Gate, Workload } from '../../bot/release/model';
import { newWorkload } from '../../bot/release/rules';
import type { ReleaseHandlers } from '../../bot/teams/handlers';
import { releaseRoutes } from '../../bot/teams/routes';
import { NOW, person, scope } from '../support/builders';
import { DISGUISED_LINK, expectRealTarget, expectWellFormedCard, nodesOfType } from '../support/cards';
import { cardText, findAction } from '../support/liftoff';

const routedVerbs = new Set(Object.keys(releaseRoutes({} as ReleaseHandlers).verbs));
const priya = person('Priya');

/** The ids of every input on a card, shown cards included. */
const inputIds = (card: unknown): string[] => ['Input.Text', 'Input.Date', 'Input.ChoiceSet', 'Input.Number'].flatMap((type) => nodesOfType(card, type).map((n) => String(n.id)));

describe('evidence forms and the checklist evidence lines, expanded with real data', () => {
  const fresh: Workload = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: priya, now: NOW }).workload;

  for (const [gateId, kind] of Object.entries(EVIDENCE_KINDS)) {
    it(`draws the ${kind} form of "${gateId}" with its own inputs, Pass / Fail / Waive and a way back`, () => {
      const def = GATE_CATALOGUE.find((g) => g.id === gateId)!;
      const card = renderEvidenceForm(fresh, def);
      expectWellFormedCard(gateId, card, routedVerbs);
      const ids = inputIds(card);
      assert.equal(new Set(ids).size, ids.length, 'input ids are unique');
      assert.ok(ids.includes('note'));
      for (const decision of ['pass', 'fail', 'waive']) assert.equal(findAction(card, 'gate.record', { decision }).data.gateId, gateId);
      assert.equal(findAction(card, 'workload.status').verb, 'workload.status');
      const back = nodesOfType(card, 'Action.Execute').find((a) => a.verb === 'workload.status');
      assert.equal(back?.associatedInputs, 'none');
      assert.equal(
        nodesOfType(card, 'Action.Execute').some((a) => a.verb === 'waiver.policy'),
        def.ownerRole === 'ciso',
        'only the CISO form offers the waiver rule',
      );
    });
  }

  it('brings back what was typed, and shows a link a person typed by its real target', () => {
    const def = GATE_CATALOGUE.find((g) => g.id === 'identity-alignment')!;
    const card = renderEvidenceForm(fresh, def, { sent: { checked: 'sign-in', how: 'suite', link: 'https://x.test', note: 'kept' }, notice: { text: 'Fix it.', tone: 'attention' } });
    assert.match(JSON.stringify(card), /"value":"kept"/);
    assert.match(cardText(card), /Fix it\./);
    const typed = parseEvidence(fresh, 'identity-alignment', { checked: `routes ${DISGUISED_LINK}`, how: 'suite', link: 'https://dev.azure.com/run/1' }, NOW);
    assert.ok(typed.ok);
    const passed = {
      ...fresh,
      gates: fresh.gates.map((g): Gate => (g.id === 'identity-alignment' ? { ...g, status: 'passed', rev: 2, decidedBy: priya, decidedAt: NOW, typedEvidence: typed.evidence } : g)),
    };
    expectRealTarget('checklist', renderChecklist(passed), cardText);
  });

  it('flags stale evidence and waivers waiting for a second approver on the checklist, each with its own choice', () => {
    const index = GATE_CATALOGUE.findIndex((g) => g.id === 'traffic-rerouted');
    const typed = parseEvidence(fresh, 'identity-alignment', { checked: 'sign-in', how: 'suite', link: 'https://dev.azure.com/run/1' }, NOW);
    assert.ok(typed.ok);
    const gates = fresh.gates.map((g, i): Gate => {
      if (g.id === 'identity-alignment') return { ...g, status: 'passed', rev: 2, typedEvidence: typed.evidence, decidedBy: priya, decidedAt: NOW };
      if (g.id === 'ciso-verification') return { ...g, rev: 2, pendingWaiver: { by: priya, reason: 'later', at: NOW } };
      return i < index ? { ...g, status: 'passed', rev: 2 } : g;
    });
    // A waiver still asked for keeps promotion waiting, so the stale flag shows once the CISO gate is closed; both are drawn here.
    const asked = renderChecklist({ ...fresh, gates });
    expectWellFormedCard('asked', asked, routedVerbs);
    assert.match(cardText(asked), /Waiver asked by Priya: later; waits for a second approver\./);
    assert.equal(findAction(asked, 'waiver.confirm').data.revs && (findAction(asked, 'waiver.confirm').data.revs as Record<string, number>)['ciso-verification'], 2);

    const ready = { ...fresh, gates: gates.map((g): Gate => (g.id === 'ciso-verification' ? { id: g.id, status: 'passed', rev: 3 } : g)) };
    const def = GATE_CATALOGUE.find((g) => g.id === 'identity-alignment')!;
    const stale = renderChecklist(ready, undefined, [], { stale: [{ gate: def, days: 45 }] });
    expectWellFormedCard('stale', stale, routedVerbs);
    assert.match(cardText(stale), /Evidence older than allowed for promotion: Identity alignment \(45 days\)/);
    assert.deepEqual(findAction(stale, 'evidence.confirm').data.revs, { 'identity-alignment': 2 });
    const ids = inputIds(stale);
    assert.equal(new Set(ids).size, ids.length, 'input ids are unique across the shown cards');
  });
});
