import { strict as assert } from 'node:assert';
import { renderCostReview, renderDecommission } from '../../cards/decommission';
import { listAssets, moveAsset, parseAssetLines, reviewCosts } from '../../bot/decommission/rules';
import type { Workload } from '../../bot/release/model';
import { assignRoles, newWorkload } from '../../bot/release/rules';
import { NOW, person, scope } from '../support/builders';
import { actionsOf, DISGUISED_LINK, expectRealTarget, expectWellFormedCard } from '../support/cards';
import { cardText } from '../support/liftoff';
import { everyRoute } from '../support/routes';

const routed = new Set(Object.keys(everyRoute().verbs));
const NAVIGATION = new Set(['workload.status', 'decommission.show', 'costreview.show']);

function expectWellFormed(name: string, card: Record<string, unknown>): void {
  expectWellFormedCard(name, card, routed);
  assert.ok(
    actionsOf(card).some((a) => a.verb === 'workload.status'),
    `${name}: a way back to the checklist`,
  );
  for (const action of actionsOf(card).filter((a) => NAVIGATION.has(String(a.verb)))) assert.equal(action.associatedInputs, 'none', `${name}: ${String(action.title)} is navigation`);
}

describe('decommission and cost review cards expanded with real data', () => {
  const pm = person('Priya');
  const olga = person('Olga');
  const wes = person('Wes');
  let promoted: Workload;

  before(() => {
    const fresh = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
    const staffed = assignRoles(fresh, { roles: { cloudOperations: [olga], workloadArchitect: [wes] }, rolesRev: 1, actor: pm, now: NOW });
    assert.equal(staffed.kind, 'changed');
    const upTo = staffed.workload.gates.findIndex((g) => g.id === 'traffic-rerouted');
    promoted = { ...staffed.workload, gates: staffed.workload.gates.map((g, i) => (i <= upTo ? { ...g, status: 'passed', decidedAt: NOW } : g)) };
  });

  it('decommission, empty and with an asset at every step, user text kept as typed', () => {
    expectWellFormed('empty decommission', renderDecommission({ workload: promoted, people: [olga, wes], holdDays: 30 }));
    const lines = ['vm; VM; DC1; 10; Olga', 'db; SQL; DC1; 20; Olga', 'lb; LB; DC1; 5; Olga', `keep; VM; DC2; 7; Olga`];
    const parsed = parseAssetLines(lines.join('\n'), [olga]);
    assert.ok(parsed.ok);
    let d = listAssets(undefined, promoted, { assets: parsed.assets, actor: olga, now: NOW });
    assert.equal(d.kind, 'changed');
    let plan = d.doc!;
    let workload = (d as { workload: Workload }).workload;
    const to = (assetId: string, step: Parameters<typeof moveAsset>[2]['to'], note = '') => {
      d = moveAsset(plan, workload, { assetId, to: step, note, holdDays: 30, actor: olga, now: NOW });
      assert.equal(d.kind, 'changed', d.kind === 'refused' ? d.message : '');
      plan = d.doc!;
      workload = (d as { workload: Workload }).workload;
    };
    for (const step of ['monitored', 'outageTested', 'poweredOff'] as const) to('asset-1', step);
    to('asset-1', 'held', 'Snapshot');
    to('asset-2', 'monitored');
    to('asset-4', 'kept', DISGUISED_LINK);
    const card = renderDecommission({ workload, plan: plan, people: [olga], holdDays: 30, notice: { text: 'Listed.', tone: 'good' } });
    expectWellFormed('decommission', card);
    const text = cardText(card);
    assert.match(text, /Held until Tue 22 Dec 2026, 09:00 UTC, 30 days; data retention: Snapshot/);
    assert.match(text, /4 listed · 0 disposed · 1 kept · 3 on the way/);
    expectRealTarget('kept reason', card, cardText);
    // What a person typed stays as typed, never a template expression.
    const typed = renderDecommission({ workload, plan: { ...plan, assets: plan.assets.map((a) => ({ ...a, name: `${a.name} \${root.name}` })) }, people: [olga], holdDays: 30 });
    assert.match(cardText(typed), /vm \$\{root\.name\} · VM/);
  });

  it("decommission: each asset carries its Edit and Remove forms, prefilled, while the card fits Teams; a large list asks for one asset's forms at a time", () => {
    const many = (count: number) => {
      const lines = Array.from({ length: count }, (_, i) => `payroll-vm-${i + 1}; Virtual machine; DC1 rack ${i + 1}; 420.50; Olga`).join('\n');
      const parsed = parseAssetLines(lines, [olga]);
      assert.ok(parsed.ok);
      const d = listAssets(undefined, promoted, { assets: parsed.assets, actor: olga, now: NOW });
      assert.equal(d.kind, 'changed');
      return { workload: (d as { workload: Workload }).workload, plan: d.doc!, people: [olga], holdDays: 30, currency: 'CHF' };
    };
    const edits = (card: unknown) => actionsOf(card).filter((a) => a.verb === 'decommission.edit');
    const small = renderDecommission(many(3));
    expectWellFormed('three assets', small);
    assert.equal(edits(small).length, 3);
    assert.equal(actionsOf(small).filter((a) => a.verb === 'decommission.remove').length, 3);
    assert.match(JSON.stringify(small), /"id":"cost-asset-2","label":"Monthly cost \(CHF\)","value":"420.5"/);
    assert.match(cardText(small), /CHF 420\.50\/month · owner Olga/);

    const large = renderDecommission(many(20));
    expectWellFormed('twenty assets', large);
    assert.equal(edits(large).length, 0, 'no forms past the budget');
    const ask = actionsOf(large).filter((a) => a.verb === 'decommission.show' && (a.data as { focus?: string }).focus);
    assert.equal(ask.length, 20);
    const focused = renderDecommission({ ...many(20), focus: 'asset-7' });
    expectWellFormed('twenty assets, one focused', focused);
    assert.deepEqual(
      edits(focused).map((a) => (a.data as { assetId: string }).assetId),
      ['asset-7'],
    );
  });

  it('cost review, not filled in, draft and passed', () => {
    expectWellFormed('empty review', renderCostReview({ workload: promoted }));
    const input = { planned: '100', actual: '90', optimizations: `rightsizing; ${DISGUISED_LINK}; 10`, decision: 'Fine', pass: false, actor: olga, now: NOW };
    const draft = reviewCosts(undefined, promoted, input);
    assert.equal(draft.kind, 'changed');
    const card = renderCostReview({ workload: (draft as { workload: Workload }).workload, review: draft.doc });
    expectWellFormed('draft review', card);
    const decommissioned: Workload = { ...promoted, gates: promoted.gates.map((g) => (g.id === 'assets-retired' ? { ...g, status: 'passed' } : g)) };
    const passed = reviewCosts(undefined, decommissioned, { ...input, pass: true, actor: wes });
    assert.equal(passed.kind, 'changed');
    const done = renderCostReview({ workload: (passed as { workload: Workload }).workload, review: passed.doc });
    expectWellFormed('passed review', done);
    expectRealTarget('optimization', done, cardText);
    assert.ok(!actionsOf(done).some((a) => a.verb === 'costreview.save'), 'a passed review is not edited');
  });
});
