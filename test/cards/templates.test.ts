import { strict as assert } from 'node:assert';
import { Card, CHECKLIST_CARDS_KEPT, renderChecklist, renderHelp, renderHistory, renderList, renderMessage, renderRoles, renderWelcome, ROSTER_LIMIT } from '../../cards/render';
import { AuditEvent, GATE_CATALOGUE, Workload } from '../../bot/release/model';
import { assignRoles, decideGate, newWorkload } from '../../bot/release/rules';
import type { ReleaseHandlers } from '../../bot/teams/handlers';
import { releaseRoutes } from '../../bot/teams/routes';
import { NOW, person, scope } from '../support/builders';
import { actionsOf, DISGUISED_LINK, expectRealTarget, expectWellFormedCard, verbsOf } from '../support/cards';
import { cardText, findAction } from '../support/liftoff';

/** Building the route table calls no handler, so none is needed to learn the verb names. */
const routedVerbs = new Set(Object.keys(releaseRoutes({} as ReleaseHandlers).verbs));

/** Buttons that only show another card: a required field elsewhere on the card must not block them. */
const NAVIGATION_VERBS = new Set(['workload.status', 'roles.show', 'history.show', 'workload.list', 'help.show']);

function expectWellFormed(name: string, card: Card): void {
  expectWellFormedCard(name, card, routedVerbs);
  for (const action of actionsOf(card).filter((a) => NAVIGATION_VERBS.has(String(a.verb)))) {
    assert.equal(action.associatedInputs, 'none', `${name}: ${String(action.title)} is not blocked by the card's inputs`);
  }
}

describe('card templates expanded with real data', () => {
  const pm = person('Priya');
  const engineer = person('Miguel');
  let fresh: Workload;
  let busy: Workload;

  before(() => {
    fresh = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
    let w = fresh;
    const step = (r: ReturnType<typeof decideGate>) => {
      assert.equal(r.kind, 'changed');
      w = r.workload;
    };
    step(assignRoles(w, { roles: { migrationEngineer: [engineer], businessOwner: [pm] }, rolesRev: w.rolesRev, actor: pm, now: NOW }));
    step(decideGate(w, { gateId: 'assets-staged', decision: 'pass', rev: 1, note: 'https://contoso.example/run/1 with "quotes" & <tags>', actor: engineer, now: NOW }));
    step(decideGate(w, { gateId: 'performance-benchmarked', decision: 'waive', rev: 1, note: 'Same SKU', actor: pm, now: NOW }));
    step(decideGate(w, { gateId: 'user-routing', decision: 'fail', rev: 1, note: 'Front Door misrouted', actor: engineer, now: NOW }));
    busy = w;
  });

  it('help', () => {
    expectWellFormed('help', renderHelp());
    expectWellFormed('help with a notice', renderHelp('Liftoff doesn\'t know "x".'));
  });

  it('message', () => expectWellFormed('message', renderMessage('Something to say.')));

  it('list, empty and full', () => {
    expectWellFormed('empty list', renderList('team', []));
    expectWellFormed('list', renderList('chat', [{ workloadId: 'w1', name: 'Payroll API', createdAt: NOW, stage: 'Staged' }]));
  });

  it('checklist, fresh, in progress, and released', () => {
    expectWellFormed('fresh checklist', renderChecklist(fresh));
    const withSections = renderChecklist(fresh, undefined, [
      {
        title: 'Business testing',
        lines: ['Cycle 1: passed', 'Cycle 2: open, 2 of 3 approved'],
        actions: [{ title: 'Open a UAT cycle', verb: 'workload.status', data: { workloadId: fresh.workloadId } }],
      },
      { title: 'Open actions from earlier retros', lines: ['Automate DNS cutover (Miguel)'], actions: [] },
    ]);
    expectWellFormed('checklist with sections', withSections);
    assert.match(cardText(withSections), /Cycle 2: open, 2 of 3 approved/);
    const card = renderChecklist(busy, { text: 'Miguel passed it.', tone: 'good' });
    expectWellFormed('busy checklist', card);
    const json = JSON.stringify(card);
    assert.match(json, /Sun 22 Nov 2026, 09:00 UTC/, 'decision times read in the one card format');
    const released: Workload = { ...busy, gates: busy.gates.map((g) => ({ ...g, status: 'passed' as const })) };
    const done = renderChecklist(released);
    expectWellFormed('released checklist', done);
    assert.ok(!verbsOf(done).includes('gate.decide'), 'no decision buttons once every gate is closed');
    assert.equal(GATE_CATALOGUE.length, busy.gates.length);
  });

  it('draws a checklist again from the same inputs as the card kept, and anew from anything that changes what it shows', () => {
    const first = renderChecklist(busy);
    const again = renderChecklist(JSON.parse(JSON.stringify(busy)) as Workload);
    assert.equal(again, first, 'the same workload, read again, draws the kept card');
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.body), 'a kept card is read-only');
    assert.throws(() => {
      (first as { body: unknown }).body = [];
    }, TypeError);
    const passed = decideGate(busy, { gateId: 'user-routing', decision: 'pass', rev: 2, note: 'Fixed the route', actor: engineer, now: NOW });
    assert.equal(passed.kind, 'changed');
    const after = renderChecklist(passed.workload);
    assert.notEqual(after, first);
    assert.match(cardText(after), /Evidence: Fixed the route/);
    assert.doesNotMatch(cardText(first), /Fixed the route/);
    // Everything else the card is drawn from is part of what identifies it.
    const paris = renderChecklist(busy, undefined, [], { timeZone: 'Europe/Paris' });
    assert.match(JSON.stringify(paris), /Sun 22 Nov 2026, 10:00 Europe\/Paris/);
    assert.doesNotMatch(JSON.stringify(first), /Europe\/Paris/);
    assert.match(cardText(renderChecklist(busy, { text: 'Miguel failed it.', tone: 'attention' })), /Miguel failed it\./);
    assert.doesNotMatch(cardText(renderChecklist(busy)), /Miguel failed it\./);
    const section = { title: 'Open action items from earlier retros', lines: ['• Automate DNS cutover (Miguel)'], actions: [] };
    assert.match(cardText(renderChecklist(busy, undefined, [section])), /Automate DNS cutover/);
    assert.match(cardText(renderChecklist(busy, undefined, [{ ...section, lines: ['• Rotate the keys (Priya)'] }])), /Rotate the keys/);
    // Once as many other cards were drawn as the process keeps, the first is drawn afresh: the same card.
    for (let i = 0; i < CHECKLIST_CARDS_KEPT; i++) renderChecklist({ ...busy, name: `Payroll API ${i}` });
    const redrawn = renderChecklist(busy);
    assert.notEqual(redrawn, first);
    assert.deepEqual(redrawn, first);
  });

  it('keeps user text in evidence as it was typed, never as a template expression', () => {
    const gates = busy.gates.map((g) => (g.id === 'user-routing' ? { ...g, reason: 'Front Door ${root.name} misrouted' } : g));
    const text = JSON.stringify(renderChecklist({ ...busy, gates }));
    assert.ok(text.includes('Reason: Front Door ${root.name} misrouted'), 'the reason is shown verbatim');
    assert.ok(text.includes('with \\"quotes\\" & <tags>'), 'evidence keeps its punctuation');
  });

  it('shows the real target of a link typed as evidence, a reason, a section line or in the history', () => {
    const gates = busy.gates.map((g) => (g.id === 'assets-staged' ? { ...g, evidence: `Run: ${DISGUISED_LINK}` } : g.id === 'user-routing' ? { ...g, reason: DISGUISED_LINK } : g));
    const checklist = renderChecklist({ ...busy, gates }, undefined, [{ title: 'Change communication', lines: [`${DISGUISED_LINK} (payroll-api.k3x9qa): sent`], actions: [] }]);
    expectWellFormed('checklist with typed links', checklist);
    expectRealTarget('checklist', checklist, cardText);
    assert.match(cardText(checklist), /Evidence: Run: https:\/\/portal\.azure\.com \(https:\/\/evil\.test\)/);
    const history = renderHistory(busy, {
      events: [{ id: 'e1', workloadId: busy.workloadId, type: 'event', at: NOW, actor: engineer, action: 'gate.passed', summary: `Miguel passed "Assets staged": ${DISGUISED_LINK}` }],
      total: 1,
      page: 0,
      pageSize: 15,
    });
    expectRealTarget('history', history, cardText);
  });

  it('welcome, for a personal chat, a group chat and a team, with New workload and Workloads here', () => {
    for (const place of ['personal', 'groupChat', 'team'] as const) {
      const card = renderWelcome(place);
      expectWellFormed(`welcome in ${place}`, card);
      assert.match(cardText(card), /Welcome to Liftoff/);
      assert.ok(verbsOf(card).includes('workload.create') && verbsOf(card).includes('workload.list'), 'New workload and Workloads here');
    }
    assert.notEqual(cardText(renderWelcome('team')), cardText(renderWelcome('personal')), 'each place has its own sentence');
  });

  it('roles: one picker per role with its holders picked, and one Save roles', () => {
    const card = renderRoles(busy, [pm, engineer]);
    const pickers = JSON.stringify(card).match(/"id":"people_[a-zA-Z]+"/g) ?? [];
    assert.equal(pickers.length, 8);
    assert.match(JSON.stringify(card), new RegExp(`"id":"people_migrationEngineer","label":"Migration engineer","isMultiSelect":true,"style":"filtered","value":"${engineer.aadObjectId}"`));
    assert.deepEqual(
      actionsOf(card)
        .filter((a) => a.verb === 'roles.save')
        .map((a) => a.title),
      ['Save roles'],
    );
  });

  it('roles, including a roster larger than a card can hold', () => {
    expectWellFormed('roles', renderRoles(busy, [pm, engineer]));
    const crowd = Array.from({ length: ROSTER_LIMIT + 50 }, (_, i) => person(`Member ${i}`));
    const card = renderRoles(busy, crowd, { text: 'Roles saved.', tone: 'good' });
    expectWellFormed('roles with a large roster', card);
    assert.match(JSON.stringify(card), new RegExp(`has ${ROSTER_LIMIT + 50} members`));
  });

  it('history, empty and full, paged newest first with a count and Older and Newer', () => {
    const page = (events: AuditEvent[], total: number, at = 0) => ({ events, total, page: at, pageSize: 15 });
    expectWellFormed('empty history', renderHistory(fresh, page([], 0)));
    const one: AuditEvent = { id: 'e1', workloadId: busy.workloadId, type: 'event', at: NOW, actor: pm, action: 'workload.created', summary: 'Priya created Payroll API.' };
    const only = renderHistory(busy, page([one], 1));
    expectWellFormed('history', only);
    assert.deepEqual(verbsOf(only), ['workload.status', 'history.show'], 'no Older or Newer when everything is shown');
    const first = renderHistory(
      busy,
      page(
        Array.from({ length: 15 }, () => one),
        40,
      ),
    );
    assert.match(cardText(first), /40 events, newest first, showing 1–15/);
    assert.match(cardText(first), /Sun 22 Nov 2026, 09:00 UTC/);
    assert.deepEqual(findAction(first, 'history.show', { page: 1 }).data, { workloadId: busy.workloadId, page: 1 });
    const last = renderHistory(
      busy,
      page(
        Array.from({ length: 10 }, () => one),
        40,
        2,
      ),
    );
    assert.match(cardText(last), /showing 31–40/);
    assert.ok(!JSON.stringify(last).includes('"title":"Older"'), 'nothing older than the last page');
    findAction(last, 'history.show', { page: 1 });
  });
});
