import { strict as assert } from 'node:assert';
import type { CostReview, DecommissionPlan } from '../../bot/decommission/model';
import {
  amountOf,
  costReviewDue,
  Decided,
  decommissionEvidence,
  editAsset,
  formatMoney,
  holdsEnded,
  listAssets,
  markCostReviewAsked,
  markCostReviewUnreached,
  markOwnersUnreached,
  markReminded,
  moveAsset,
  parseAssetLines,
  parseOptimizations,
  removeAsset,
  reviewCosts,
} from '../../bot/decommission/rules';
import type { AssetStep } from '../../bot/decommission/model';
import type { Workload } from '../../bot/release/model';
import { assignRoles, newWorkload } from '../../bot/release/rules';
import { NOW, person, scope } from '../support/builders';

const DAY = 86_400_000;
const later = (days: number): string => new Date(Date.parse(NOW) + days * DAY).toISOString();

describe('decommission rules', () => {
  const pm = person('Priya');
  const olga = person('Olga');
  const wes = person('Wes');
  const tom = person('Tom');
  const people = [pm, olga, wes, tom];
  let promoted: Workload;
  let staged: Workload;

  beforeEach(() => {
    const fresh = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
    const staffed = assignRoles(fresh, { roles: { cloudOperations: [olga], workloadArchitect: [wes] }, rolesRev: 1, actor: pm, now: NOW });
    assert.equal(staffed.kind, 'changed');
    staged = staffed.workload;
    // Every gate up to and including promotion closed, as the cutover leaves them.
    const upTo = staged.gates.findIndex((g) => g.id === 'traffic-rerouted');
    promoted = { ...staged, gates: staged.gates.map((g, i) => (i <= upTo ? { ...g, status: 'passed', decidedAt: NOW } : g)) };
  });

  const changed = <D>(d: Decided<D>): Extract<Decided<D>, { kind: 'changed' }> => {
    assert.equal(d.kind, 'changed', d.kind === 'refused' ? d.message : d.kind);
    return d;
  };
  const refused = <D>(d: Decided<D>): string => {
    assert.equal(d.kind, 'refused');
    return (d as { message: string }).message;
  };

  const three = 'payroll-vm-01; VM; DC1 rack 4; 420.50; Olga\npayroll-db; SQL Server; DC1 rack 7; 1,200; tom\n\npayroll-lb; load balancer; DC1; € 80; Olga';

  function listed(workload = promoted): { plan: DecommissionPlan; workload: Workload } {
    const parsed = parseAssetLines(three, people);
    assert.ok(parsed.ok);
    const d = changed(listAssets(undefined, workload, { assets: parsed.assets, actor: olga, now: NOW }));
    return { plan: d.doc!, workload: d.workload };
  }

  const move = (plan: DecommissionPlan, workload: Workload, assetId: string, to: AssetStep, note = '', now = NOW, holdDays = 30) =>
    moveAsset(plan, workload, { assetId, to, note, holdDays, actor: olga, now });

  describe('listing', () => {
    it('reads pasted lines, one asset a line, with the owner found among the members by name', () => {
      const parsed = parseAssetLines(three, people);
      assert.ok(parsed.ok);
      assert.deepEqual(
        parsed.assets.map((a) => `${a.name}|${a.kind}|${a.location}|${a.monthlyCost}|${a.owner.name}`),
        ['payroll-vm-01|VM|DC1 rack 4|420.5|Olga', 'payroll-db|SQL Server|DC1 rack 7|1200|Tom', 'payroll-lb|load balancer|DC1|80|Olga'],
      );
    });

    it('names every malformed line by its number and lists nothing', () => {
      const parsed = parseAssetLines('ok; VM; DC1; 10; Olga\nmissing; VM; 10\nbad; VM; DC1; ten; Olga\nstranger; VM; DC1; 10; Zed', people);
      assert.equal(parsed.ok, false);
      assert.deepEqual((parsed as { errors: string[] }).errors, [
        'Line 2: give five fields separated by ";" (name; kind; location; monthly cost; owner), not 3.',
        'Line 3: give the monthly cost as a number, for example 420.50 (not "ten").',
        'Line 4: nobody named "Zed" is a member of this conversation.',
      ]);
    });

    it('reads amounts with thousands separators and currency signs, and nothing else', () => {
      assert.deepEqual(['1,200.50', '€ 80', '300 EUR/month', '12', '1.2.3', '-5', 'abc', '1,20'].map(amountOf), [1200.5, 80, 300, 12, undefined, undefined, undefined, undefined]);
    });

    it('lets cloud operations alone list the assets; the same list again is a retry that changes nothing', () => {
      const parsed = parseAssetLines(three, people);
      assert.ok(parsed.ok);
      assert.match(
        refused(listAssets(undefined, promoted, { assets: parsed.assets, actor: tom, now: NOW })),
        /Only someone holding the Cloud operations role lists and retires the assets of Payroll API \(Olga\)/,
      );
      const { plan, workload } = listed();
      assert.deepEqual(
        plan.assets.map((a) => `${a.id}:${a.step}`),
        ['asset-1:listed', 'asset-2:listed', 'asset-3:listed'],
      );
      assert.deepEqual(workload.summaries?.decommission, { assets: 3, closed: 0, savingsMonthly: 0, currency: 'USD' });
      assert.equal(listAssets(plan, workload, { assets: parsed.assets, actor: olga, now: NOW }).kind, 'unchanged');
      const clash = parseAssetLines('payroll-db; VM; elsewhere; 5; Olga', people);
      assert.ok(clash.ok);
      assert.match(refused(listAssets(plan, workload, { assets: clash.assets, actor: olga, now: NOW })), /"payroll-db" is listed already/);
    });
  });

  describe('the CAF steps', () => {
    it('go in order: a skipped step is refused with a sentence naming the next one', () => {
      const { plan, workload } = listed();
      assert.match(refused(move(plan, workload, 'asset-1', 'poweredOff')), /"payroll-vm-01" is listed; its next step is "Monitored: no traffic since cutover"\. Steps go in order and none is skipped/);
      const monitored = changed(move(plan, workload, 'asset-1', 'monitored', 'No traffic in 14 days of flow logs'));
      assert.match(refused(move(monitored.doc!, monitored.workload, 'asset-1', 'held', 'backup')), /its next step is "Outage test: switched off in a window, nothing broke"/);
    });

    it('wait for the cutover: an asset is monitored only once traffic is rerouted', () => {
      const { plan, workload } = listed(staged);
      assert.match(refused(move(plan, workload, 'asset-1', 'monitored')), /Traffic is not rerouted yet/);
    });

    it('hold for the configured days with the data retention noted, and dispose only when the hold ended', () => {
      let { plan, workload } = listed();
      for (const [to, note] of [
        ['monitored', ''],
        ['outageTested', 'Off Saturday 02:00-06:00, nothing broke'],
        ['poweredOff', ''],
      ] as const) {
        const d = changed(move(plan, workload, 'asset-1', to, note));
        ({ workload } = d);
        plan = d.doc!;
      }
      assert.match(refused(move(plan, workload, 'asset-1', 'held', '')), /Say how the data of "payroll-vm-01" is retained/);
      assert.match(refused(move(plan, workload, 'asset-1', 'held', 'snapshot', NOW, 0)), /Hold an asset for 1 to 365 days/);
      const held = changed(move(plan, workload, 'asset-1', 'held', 'Snapshot kept 90 days', NOW, 14));
      const asset = held.doc!.assets[0]!;
      assert.equal(asset.holdEndsAt, later(14));
      assert.equal(asset.retention, 'Snapshot kept 90 days');
      assert.equal(held.doc!.nextReminderAt, later(14));
      assert.match(refused(move(held.doc!, held.workload, 'asset-1', 'disposed', '', later(13))), /"payroll-vm-01" is held until Sun 6 Dec 2026, 09:00 UTC; dispose of it when the hold ends/);
      const disposed = changed(move(held.doc!, held.workload, 'asset-1', 'disposed', '', later(14)));
      assert.deepEqual(disposed.workload.summaries?.decommission, { assets: 3, closed: 1, savingsMonthly: 420.5, currency: 'USD' });
      assert.equal(disposed.doc!.nextReminderAt, undefined);
    });

    it('keeps an asset only with a reason, and a closed asset moves no more', () => {
      const { plan, workload } = listed();
      assert.match(refused(move(plan, workload, 'asset-2', 'kept', '')), /Say why "payroll-db" is kept/);
      const kept = changed(move(plan, workload, 'asset-2', 'kept', 'Still the reporting replica'));
      assert.equal(move(kept.doc!, kept.workload, 'asset-2', 'kept', 'Still the reporting replica').kind, 'unchanged', 'a retry');
      assert.match(refused(moveAsset(kept.doc, kept.workload, { assetId: 'asset-2', to: 'monitored', note: '', holdDays: 30, actor: olga, now: NOW })), /"payroll-db" is kept already/);
    });

    it('passes the decommission gate when every asset is disposed or kept, with the asset list and the savings as evidence', () => {
      let { plan, workload } = listed();
      const step = (assetId: string, to: AssetStep, note = '', now = NOW) => {
        const d = changed(move(plan, workload, assetId, to, note, now));
        plan = d.doc!;
        workload = d.workload;
        return d;
      };
      step('asset-2', 'kept', 'Reporting replica');
      for (const id of ['asset-1', 'asset-3']) for (const to of ['monitored', 'outageTested', 'poweredOff'] as const) step(id, to);
      step('asset-1', 'held', 'Snapshot');
      step('asset-3', 'held', 'Config exported');
      step('asset-1', 'disposed', '', later(30));
      assert.equal(workload.gates.find((g) => g.id === 'assets-retired')?.status, 'pending', 'not while one asset is held');
      const last = step('asset-3', 'disposed', '', later(30));
      assert.equal(last.gatePassed, true);
      const gate = workload.gates.find((g) => g.id === 'assets-retired');
      assert.equal(gate?.status, 'passed');
      assert.equal(gate?.evidence, decommissionEvidence(plan));
      assert.match(
        gate?.evidence ?? '',
        /^3 assets: payroll-vm-01 \(VM, DC1 rack 4, USD 420\.50\/month\) disposed; payroll-db \(SQL Server, DC1 rack 7, USD 1,200\/month\) kept: Reporting replica; .* Monthly savings realised: USD 500\.50\.$/,
      );
      assert.deepEqual(
        last.events.map((e) => e.action),
        ['asset.step', 'gate.passed'],
      );
    });
  });

  describe('correcting the list', () => {
    const fields = { name: 'payroll-vm-01', kind: 'VM', location: 'DC1 rack 4', cost: '420.50', owner: 'Olga' };
    const edit = (plan: DecommissionPlan, workload: Workload, changes: Partial<typeof fields>, seenRev = 1, actor = olga) =>
      editAsset(plan, workload, { assetId: 'asset-1', seenRev, fields: { ...fields, ...changes }, people, actor, now: later(1), currency: 'EUR' });

    it('edits an asset for cloud operations only, audited old → new; the same edit again changes nothing, and a card drawn before another edit is refused', () => {
      const { plan, workload } = listed();
      assert.match(refused(edit(plan, workload, { cost: '402.50' }, 1, tom)), /Only someone holding the Cloud operations role/);
      const fixed = changed(edit(plan, workload, { name: 'payroll-vm-1', cost: '402.50', owner: 'Tom' }));
      const asset = fixed.doc!.assets[0]!;
      assert.deepEqual([asset.name, asset.monthlyCost, asset.owner.name, asset.rev, asset.step], ['payroll-vm-1', 402.5, 'Tom', 2, 'listed']);
      assert.equal(fixed.events[0]!.action, 'asset.edited');
      assert.equal(fixed.events[0]!.summary, 'Olga edited "payroll-vm-01": name "payroll-vm-01" → "payroll-vm-1"; monthly cost EUR 420.50 → EUR 402.50; owner Olga → Tom.');
      assert.equal(edit(fixed.doc!, fixed.workload, { name: 'payroll-vm-1', cost: '402.50', owner: 'Tom' }).kind, 'unchanged', 'a retried press');
      assert.match(refused(edit(fixed.doc!, fixed.workload, { kind: 'Virtual machine' })), /"payroll-vm-1" was edited by Olga on .* after this card was drawn; yours was not recorded/);
      assert.match(refused(edit(plan, workload, { name: 'payroll-db' })), /"payroll-db" is listed already/);
      assert.match(refused(edit(plan, workload, { cost: 'a lot' })), /^Nothing was changed: give the monthly cost as a number/);
    });

    it('edits until the asset is disposed, the cost included; the savings follow the cost', () => {
      let { plan, workload } = listed();
      for (const to of ['monitored', 'outageTested', 'poweredOff'] as const) ({ doc: plan, workload } = changed(move(plan, workload, 'asset-1', to)) as { doc: DecommissionPlan; workload: Workload });
      ({ doc: plan, workload } = changed(move(plan, workload, 'asset-1', 'held', 'Snapshot', NOW, 1)) as { doc: DecommissionPlan; workload: Workload });
      const held = changed(edit(plan, workload, { cost: '400' }));
      const disposed = changed(move(held.doc!, held.workload, 'asset-1', 'disposed', '', later(2)));
      assert.equal(disposed.workload.summaries?.decommission?.savingsMonthly, 400);
      assert.match(refused(edit(disposed.doc!, disposed.workload, { cost: '380' }, 2)), /"payroll-vm-01" is disposed .*: its record stays as it was; nothing was changed/);
    });

    it('removes an asset listed by mistake until it is powered off; a retry changes nothing and its number is never reused', () => {
      const { plan, workload } = listed();
      const remove = (p: DecommissionPlan, w: Workload, assetId: string, actor = olga) => removeAsset(p, w, { assetId, actor, now: later(1) });
      assert.match(refused(remove(plan, workload, 'asset-2', tom)), /Only someone holding the Cloud operations role/);
      const gone = changed(remove(plan, workload, 'asset-2'));
      assert.deepEqual(
        gone.doc!.assets.map((a) => a.id),
        ['asset-1', 'asset-3'],
      );
      assert.equal(gone.workload.summaries?.decommission?.assets, 2);
      assert.match(gone.events[0]!.summary, /Olga removed "payroll-db" \(SQL Server, DC1 rack 7, USD 1,200\/month, owner Tom\) from the list; it was listed\./);
      assert.equal(remove(gone.doc!, gone.workload, 'asset-2').kind, 'unchanged', 'a retried press');
      const stale = editAsset(gone.doc, gone.workload, { assetId: 'asset-2', seenRev: 1, fields: { ...fields, name: 'payroll-db2' }, people, actor: olga, now: later(2) });
      assert.match(refused(stale), /^"payroll-db" was removed from the list by Olga on .*; nothing was changed\. Here is the current list\.$/);
      const again = parseAssetLines('payroll-db; SQL Server; DC1 rack 7; 1,200; tom', people);
      assert.ok(again.ok);
      const relisted = changed(listAssets(gone.doc, gone.workload, { assets: again.assets, actor: olga, now: later(2) }));
      assert.equal(relisted.doc!.assets.at(-1)!.id, 'asset-4');
      let p = plan;
      let w = workload;
      for (const to of ['monitored', 'outageTested', 'poweredOff'] as const) ({ doc: p, workload: w } = changed(move(p, w, 'asset-1', to)) as { doc: DecommissionPlan; workload: Workload });
      assert.match(refused(remove(p, w, 'asset-1')), /"payroll-vm-01" was powered off already: it stays on the list; keep it with a reason/);
    });

    it('passes the gate when removing the last open asset leaves every other one disposed or kept', () => {
      let { plan, workload } = listed();
      ({ doc: plan, workload } = changed(move(plan, workload, 'asset-2', 'kept', 'Reporting')) as { doc: DecommissionPlan; workload: Workload });
      ({ doc: plan, workload } = changed(move(plan, workload, 'asset-3', 'kept', 'Shared')) as { doc: DecommissionPlan; workload: Workload });
      const gone = changed(removeAsset(plan, workload, { assetId: 'asset-1', actor: olga, now: later(1) }));
      assert.equal(gone.gatePassed, true);
      assert.equal(gone.workload.gates.find((g) => g.id === 'assets-retired')?.status, 'passed');
      assert.match(gone.workload.gates.find((g) => g.id === 'assets-retired')?.evidence ?? '', /^2 assets: payroll-db .* Monthly savings realised: USD 0\.$/);
      assert.deepEqual(
        gone.events.map((e) => e.action),
        ['asset.removed', 'gate.passed'],
      );
    });
  });

  describe('owners not reached', () => {
    it('are marked once, each asset, with an audit event naming them', () => {
      const { plan, workload } = listed();
      const marked = changed(markOwnersUnreached(plan, workload, { assetIds: ['asset-1', 'asset-3'], now: later(1) }));
      assert.deepEqual(
        marked.doc!.assets.map((a) => a.ownerUnreachedAt ?? ''),
        [later(1), '', later(1)],
      );
      assert.equal(marked.events[0]!.summary, 'Liftoff could not remind Olga (owner of "payroll-vm-01", "payroll-lb") one to one and told the workload\'s conversation.');
      assert.equal(markOwnersUnreached(marked.doc, marked.workload, { assetIds: ['asset-1', 'asset-3'], now: later(2) }).kind, 'unchanged', 'never twice');
      const review = changed(markCostReviewUnreached(promoted, [wes], later(1)));
      assert.deepEqual(review.workload.summaries?.costReview?.unreached, ['Wes']);
      assert.equal(markCostReviewUnreached(review.workload, [wes], later(2)).kind, 'unchanged');
      assert.equal(markCostReviewUnreached(promoted, [], later(1)).kind, 'unchanged', 'nobody to name');
    });
  });

  it('writes amounts with their currency code', () => {
    assert.deepEqual([formatMoney(1250.5, 'EUR'), formatMoney(80, 'CHF'), formatMoney(0)], ['EUR 1,250.50', 'CHF 80', 'USD 0']);
  });

  describe('the hold reminder', () => {
    it('is due once the hold ended, and marked once', () => {
      let { plan, workload } = listed();
      for (const to of ['monitored', 'outageTested', 'poweredOff'] as const) ({ doc: plan, workload } = changed(move(plan, workload, 'asset-1', to)) as { doc: DecommissionPlan; workload: Workload });
      plan = changed(move(plan, workload, 'asset-1', 'held', 'Snapshot', NOW, 7)).doc!;
      assert.deepEqual(holdsEnded(plan, later(6)), []);
      assert.equal(markReminded(plan, workload, later(6)).kind, 'unchanged');
      assert.deepEqual(
        holdsEnded(plan, later(7)).map((a) => a.owner.name),
        ['Olga'],
      );
      const marked = changed(markReminded(plan, workload, later(7)));
      assert.equal(marked.doc!.assets[0]!.remindedAt, later(7));
      assert.equal(marked.doc!.nextReminderAt, undefined);
      assert.equal(markReminded(marked.doc, workload, later(8)).kind, 'unchanged', 'never twice');
    });
  });
});

describe('cost review rules', () => {
  const pm = person('Priya');
  const olga = person('Olga');
  const wes = person('Wes');
  const tom = person('Tom');
  let promoted: Workload;

  beforeEach(() => {
    const fresh = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
    const staffed = assignRoles(fresh, { roles: { cloudOperations: [olga], workloadArchitect: [wes] }, rolesRev: 1, actor: pm, now: NOW });
    assert.equal(staffed.kind, 'changed');
    const upTo = staffed.workload.gates.findIndex((g) => g.id === 'assets-retired');
    promoted = { ...staffed.workload, gates: staffed.workload.gates.map((g, i) => (i <= upTo ? { ...g, status: 'passed', decidedAt: NOW } : g)) };
  });

  const input = (overrides: Partial<Parameters<typeof reviewCosts>[2]> = {}) => ({
    planned: '12,000',
    actual: '10,450',
    optimizations: 'rightsizing; D8s to D4s for the app tier; 310\nreservation; 3-year reserved instances for the database; 900\nadvisor; deleted idle public IPs; 12.50',
    decision: 'Keep the reservation; review the database tier in Q2',
    pass: false,
    actor: olga,
    now: NOW,
    ...overrides,
  });

  it('reads the optimizations one a line, naming a bad line by its number', () => {
    const read = parseOptimizations('savings plan; compute savings plan; 150\nnonsense; x; 1\nrightsizing; smaller; lots');
    assert.equal(read.ok, false);
    assert.deepEqual((read as { errors: string[] }).errors, [
      'Line 2: the kind is one of rightsizing, reservation, savings plan, advisor recommendation, other.',
      'Line 3: give the monthly saving as a number, for example 310.',
    ]);
  });

  it('is filled in by cloud operations or the project manager, and passed by the workload architect only', () => {
    assert.match((reviewCosts(undefined, promoted, input({ actor: tom })) as { message: string }).message, /Only the workload architect, cloud operations or the project manager/);
    const draft = reviewCosts(undefined, promoted, input());
    assert.equal(draft.kind, 'changed');
    const saved = (draft as { doc: CostReview }).doc;
    assert.equal(saved.state, 'draft');
    assert.equal(reviewCosts(saved, (draft as { workload: Workload }).workload, input()).kind, 'unchanged', 'the same again changes nothing');
    assert.match((reviewCosts(saved, promoted, input({ pass: true })) as { message: string }).message, /Only the Workload architect passes the cost review \(Wes\)/);
    const passed = reviewCosts(saved, promoted, input({ pass: true, actor: wes }));
    assert.equal(passed.kind, 'changed');
    const { workload } = passed as { workload: Workload };
    const gate = workload.gates.find((g) => g.id === 'cost-reviewed');
    assert.equal(gate?.status, 'passed');
    assert.match(
      gate?.evidence ?? '',
      /^Planned USD 12,000\/month, actual USD 10,450\/month\. Optimizations: Rightsizing: D8s to D4s for the app tier \(USD 310\/month\); .*saving USD 1,222\.50\/month\. Decision: Keep the reservation/,
    );
    assert.deepEqual(workload.summaries?.costReview, { currency: 'USD', state: 'passed', plannedMonthly: 12000, actualMonthly: 10450, savingsMonthly: 1222.5 });
  });

  it('is not passed without the planned and actual cost and the decision', () => {
    assert.match((reviewCosts(undefined, promoted, input({ pass: true, actor: wes, decision: '' })) as { message: string }).message, /give the planned and the actual monthly cost and the decision/);
  });

  it('is asked for the configured days after promotion, once', () => {
    assert.equal(costReviewDue(promoted, later(29), 30), false);
    assert.equal(costReviewDue(promoted, later(30), 30), true);
    const asked = markCostReviewAsked(promoted, 'askedAt', later(30), 30);
    assert.equal(asked.kind, 'changed');
    const marked = (asked as { workload: Workload }).workload;
    assert.equal(marked.summaries?.costReview?.askedAt, later(30));
    assert.equal(costReviewDue(marked, later(31), 30), false);
    assert.equal(markCostReviewAsked(marked, 'askedAt', later(31), 30).kind, 'unchanged');
    assert.equal(markCostReviewAsked(marked, 'remindedAt', later(31), 30).kind, 'changed');
  });
});

describe('cost review of a workload created before the gate existed', () => {
  it('adds the gate when the review is passed', () => {
    const pm = person('Priya');
    const wes = person('Wes');
    const fresh = newWorkload({ name: 'Old API', slug: 'old-api', scope: scope(), creator: pm, now: NOW }).workload;
    const staffed = assignRoles(fresh, { roles: { workloadArchitect: [wes] }, rolesRev: 1, actor: pm, now: NOW });
    assert.equal(staffed.kind, 'changed');
    const old: Workload = {
      ...staffed.workload,
      gates: staffed.workload.gates.filter((g) => g.id !== 'cost-reviewed').map((g) => (g.id === 'retro-held' ? g : { ...g, status: 'passed', decidedAt: NOW })),
    };
    assert.equal(costReviewDue(old, later(30), 30), true, 'it is asked for all the same');
    const passed = reviewCosts(undefined, old, { planned: '10', actual: '9', optimizations: '', decision: 'Fine', pass: true, actor: wes, now: NOW });
    assert.equal(passed.kind, 'changed');
    assert.equal((passed as { workload: Workload }).workload.gates.find((g) => g.id === 'cost-reviewed')?.status, 'passed');
  });
});
