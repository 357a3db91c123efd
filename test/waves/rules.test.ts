import { strict as assert } from 'node:assert';
import type { Workload } from '../../bot/release/model';
import { newWorkload } from '../../bot/release/rules';
import type { Wave, WaveOutcomeSummary } from '../../bot/waves/model';
import {
  LIFTOFF_ACTOR,
  takesPartInReview,
  atRisk,
  businessStakeholders,
  carriedFrom,
  changeWave,
  checkWavePlan,
  closeWave,
  currentWave,
  daysLeft,
  decidesOn,
  newWave,
  nextWaveOf,
  reviewDecisions,
  startReview,
  targetsWave,
  waveIdOf,
} from '../../bot/waves/rules';
import { assignRoles } from '../../bot/release/rules';
import { NOW, person, scope } from '../support/builders';

describe('wave rules', () => {
  const pm = person('Priya');
  const engineer = person('Miguel');
  const TODAY = '2026-11-22';
  let payroll: Workload;

  const closedUpTo = (w: Workload, open: number): Workload => ({ ...w, gates: w.gates.map((g, i) => (i < w.gates.length - open ? { ...g, status: 'passed' } : g)) });
  const wave = (name: string, start: string, end: string, status: Wave['status'] = 'open'): Wave => ({
    ...newWave({ waveId: waveIdOf(name), name, start, end, scope: scope(), workloads: [payroll], actor: pm, now: NOW }).wave,
    status,
  });

  beforeEach(() => {
    payroll = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
  });

  describe('planning', () => {
    const plan = (overrides: Partial<Parameters<typeof checkWavePlan>[0]> = {}) =>
      checkWavePlan({ name: ' Wave  3 ', start: TODAY, end: '2026-12-05', workloads: [payroll], actor: pm, today: TODAY, ...overrides });

    it('accepts a name, days in order from today, and workloads managed by the planner; the id comes from the name', () => {
      assert.deepEqual(plan(), { ok: true, name: 'Wave 3', waveId: 'wave-wave-3' });
    });

    for (const [overrides, message] of [
      [{ name: '' }, /Give the wave a name/],
      [{ name: '!!!' }, /needs a letter or a digit/],
      [{ start: '2026-02-30' }, /Pick the first and the last day/],
      [{ end: '2026-11-21', start: '2026-11-20' }, /already be over/],
      [{ start: '2026-12-06' }, /end on or after the day it starts/],
      [{ workloads: [] }, /Pick the workloads/],
      [{ actor: engineer }, /Only the project manager of one of these workloads/],
    ] as const) {
      it(`refuses ${JSON.stringify(overrides).slice(0, 40)}`, () => {
        const checked = plan(overrides as Partial<Parameters<typeof checkWavePlan>[0]>);
        assert.equal(checked.ok, false);
        if (!checked.ok) assert.match(checked.message, message);
      });
    }

    it('claims each workload of the wave in the team partition, by a natural id', () => {
      const { wave: planned, claims } = newWave({ waveId: 'wave-wave-3', name: 'Wave 3', start: TODAY, end: '2026-12-05', scope: scope(), workloads: [payroll], actor: pm, now: NOW });
      assert.equal(planned.workloadId, claims[0]?.workloadId);
      assert.match(planned.workloadId, /^team:/);
      assert.equal(claims[0]?.id, `claim:${payroll.workloadId}`);
    });
  });

  describe('the current wave', () => {
    it('is the open wave running today, else the next to start, else the one that ended last', () => {
      const past = wave('Wave 1', '2026-11-01', '2026-11-14');
      const running = wave('Wave 2', '2026-11-15', '2026-11-28');
      const next = wave('Wave 3', '2026-11-29', '2026-12-12');
      assert.equal(currentWave([past, running, next], TODAY)?.name, 'Wave 2');
      assert.equal(currentWave([past, next], TODAY)?.name, 'Wave 3');
      assert.equal(currentWave([past], TODAY)?.name, 'Wave 1');
      assert.equal(currentWave([{ ...running, status: 'closed' }], TODAY), undefined);
    });
  });

  describe('dates at risk', () => {
    it('counts the days left with today and the last day included', () => {
      assert.equal(daysLeft(TODAY, TODAY), 1);
      assert.equal(daysLeft(TODAY, '2026-11-27'), 6);
      assert.equal(daysLeft(TODAY, '2026-11-01'), 0);
    });

    it('flags a workload with more open gates than days left, and not one that can still make it', () => {
      assert.deepEqual(atRisk(closedUpTo(payroll, 7), TODAY, '2026-11-27'), { atRisk: true, remaining: 7, daysLeft: 6 });
      assert.equal(atRisk(closedUpTo(payroll, 6), TODAY, '2026-11-27').atRisk, false);
      assert.equal(atRisk(closedUpTo(payroll, 0), TODAY, TODAY).atRisk, false, 'released');
      assert.equal(atRisk(closedUpTo(payroll, 1), TODAY, '2026-11-01').atRisk, true, 'the wave is over');
    });
  });

  describe('closing and carrying forward', () => {
    it('closes only for a project manager of one of its workloads; closing again is a retry', () => {
      const open = wave('Wave 3', TODAY, '2026-12-05');
      assert.equal(closeWave(open, [payroll], engineer, NOW).kind, 'refused');
      const closed = closeWave(open, [payroll], pm, NOW);
      assert.equal(closed.kind, 'changed');
      if (closed.kind === 'changed') assert.equal(closeWave(closed.wave, [payroll], pm, NOW).kind, 'unchanged');
    });

    it('matches action items by wave id, and those stored by name before waves had ids', () => {
      const w3 = wave('Wave 3', TODAY, '2026-12-05');
      assert.ok(targetsWave({ kind: 'wave', waveId: 'wave-wave-3', name: 'renamed' }, w3));
      assert.ok(targetsWave({ kind: 'wave', name: 'wave 3' }, w3));
      assert.ok(!targetsWave({ kind: 'wave', waveId: 'wave-wave-4', name: 'Wave 3' }, w3));
      assert.ok(!targetsWave({ kind: 'workload', name: 'Wave 3' }, w3));
    });

    it('carries from the closed waves that started before, not from open or later ones', () => {
      const w2 = wave('Wave 2', '2026-11-01', '2026-11-14', 'closed');
      const w3 = wave('Wave 3', '2026-11-15', '2026-11-28');
      const w4 = wave('Wave 4', '2026-11-29', '2026-12-12', 'closed');
      assert.deepEqual(
        carriedFrom([w2, w3, w4], w3).map((w) => w.name),
        ['Wave 2'],
      );
    });
  });

  describe('changing an open wave', () => {
    let billing: Workload;
    let hr: Workload;
    const bea = person('Bea');
    beforeEach(() => {
      billing = newWorkload({ name: 'Billing', slug: 'billing', scope: scope(), creator: pm, now: NOW }).workload;
      hr = newWorkload({ name: 'HR Portal', slug: 'hr-portal', scope: scope(), creator: engineer, now: NOW }).workload;
    });
    const two = (): Wave => ({ ...wave('Wave 3', TODAY, '2026-12-05'), workloadIds: [payroll.workloadId, billing.workloadId] });
    const request = (change: Parameters<typeof changeWave>[1]['change'], overrides: Partial<Parameters<typeof changeWave>[1]> = {}) => ({
      change,
      reason: 'Billing first: quarter end',
      actor: pm,
      now: NOW,
      workloads: [payroll, billing],
      ...overrides,
    });

    it('moves a workload in with its claim, out with its claim released, and to a place, each audited with its reason', () => {
      const moved = changeWave(two(), request({ op: 'in', workload: hr }));
      assert.equal(moved.kind, 'changed');
      if (moved.kind !== 'changed') return;
      assert.deepEqual(moved.wave.workloadIds, [payroll.workloadId, billing.workloadId, hr.workloadId]);
      assert.deepEqual(moved.claim, { add: hr.workloadId });
      assert.equal(moved.event.action, 'wave.movedIn');
      assert.equal(moved.event.summary, 'Priya moved HR Portal into Wave 3: Billing first: quarter end');
      const out = changeWave(two(), request({ op: 'out', workloadId: payroll.workloadId }));
      assert.ok(out.kind === 'changed' && 'remove' in (out.claim ?? {}) && out.wave.workloadIds.join() === billing.workloadId);
      const placed = changeWave(two(), request({ op: 'place', workloadId: billing.workloadId, place: 1 }));
      assert.ok(placed.kind === 'changed');
      if (placed.kind === 'changed') {
        assert.deepEqual(placed.wave.workloadIds, [billing.workloadId, payroll.workloadId]);
        assert.equal(placed.claim, undefined);
        assert.match(placed.event.summary, /moved Billing to place 1 of Wave 3/);
      }
    });

    it('answers a retried change as done, and refuses one without a reason, by someone else, on a closed wave, or emptying it', () => {
      const w = two();
      assert.equal(changeWave(w, request({ op: 'in', workload: billing })).kind, 'unchanged');
      assert.equal(changeWave(w, request({ op: 'out', workloadId: hr.workloadId })).kind, 'unchanged');
      assert.equal(changeWave(w, request({ op: 'place', workloadId: payroll.workloadId, place: 1 })).kind, 'unchanged');
      const refusal = (d: ReturnType<typeof changeWave>): string => (d.kind === 'refused' ? d.message : `not refused: ${d.kind}`);
      assert.match(refusal(changeWave(w, request({ op: 'out', workloadId: payroll.workloadId }, { reason: '  ' }))), /needs a reason/);
      assert.match(refusal(changeWave(w, request({ op: 'out', workloadId: payroll.workloadId }, { actor: engineer }))), /Only the project manager of a workload in Wave 3/);
      // The project manager of the workload moved in may move it into a wave.
      assert.equal(changeWave(w, request({ op: 'in', workload: hr }, { actor: engineer })).kind, 'changed');
      assert.match(refusal(changeWave({ ...w, status: 'closed' }, request({ op: 'out', workloadId: payroll.workloadId }))), /Wave 3 is closed/);
      assert.match(refusal(changeWave({ ...w, workloadIds: [payroll.workloadId] }, request({ op: 'out', workloadId: payroll.workloadId }))), /last workload of Wave 3; close the wave instead/);
      assert.match(refusal(changeWave(w, request({ op: 'place', workloadId: payroll.workloadId, place: 3 }))), /Pick a place from 1 to 2/);
    });

    it("lets the reviewed wave's business owners record the review's decisions, marked as such", () => {
      const owned = (assignRoles(billing, { roles: { businessOwner: [bea] }, rolesRev: 1, actor: pm, now: NOW }) as { workload: Workload }).workload;
      const reviewed = { ...wave('Wave 2', '2026-11-01', '2026-11-14', 'closed'), workloadIds: [owned.workloadId] };
      const w = { ...wave('Wave 3', TODAY, '2026-12-05'), workloadIds: [payroll.workloadId] };
      const asBea = { actor: bea, workloads: [payroll] };
      assert.equal(changeWave(w, request({ op: 'in', workload: hr }, asBea)).kind, 'refused');
      const decided = changeWave(w, request({ op: 'in', workload: hr }, { ...asBea, review: { wave: reviewed, workloads: [owned] } }));
      assert.equal(decided.kind, 'changed');
      if (decided.kind !== 'changed') return;
      assert.equal(decided.event.reviewOf, reviewed.waveId);
      assert.match(decided.event.summary, /Bea moved HR Portal into Wave 3 \(priorities review of Wave 2\): Billing first/);
      assert.deepEqual(reviewDecisions([{ ...decided.event, id: 'e1' }]).length, 1);
    });
  });

  describe('the business priorities review', () => {
    const outcome: WaveOutcomeSummary = { released: ['Payroll API'], notReleased: [], windowsFinished: 1, rolledBack: [], savings: [], openActions: [] };
    const bea = person('Bea');

    it('starts once the wave ended or closed, by a business owner or project manager of its workloads, naming its business stakeholders', () => {
      const owned = (assignRoles(payroll, { roles: { businessOwner: [bea] }, rolesRev: 1, actor: pm, now: NOW }) as { workload: Workload }).workload;
      const w = wave('Wave 2', '2026-11-01', '2026-11-21');
      const start = (overrides: Partial<Parameters<typeof startReview>[0]> = {}) => startReview({ wave: w, workloads: [owned], outcome, actor: bea, today: TODAY, now: NOW, ...overrides });
      const started = start();
      assert.equal(started.kind, 'started');
      if (started.kind === 'started') {
        assert.equal(started.review.id, `review:${w.waveId}`);
        assert.deepEqual(started.review.stakeholders, [{ aadObjectId: bea.aadObjectId, name: 'Bea' }]);
        assert.equal(started.event.action, 'wave.reviewed');
      }
      assert.match((start({ today: '2026-11-21' }) as { message: string }).message, /runs until 2026-11-21/);
      assert.equal(start({ today: '2026-11-21', wave: { ...w, status: 'closed' } }).kind, 'started');
      assert.match((start({ actor: engineer }) as { message: string }).message, /Only a business owner or the project manager/);
      assert.deepEqual(businessStakeholders([owned, owned]).length, 1);
    });

    it('is opened by Liftoff itself once the wave ended, without a role, to be announced; a person takes part only as business owner or project manager', () => {
      const owned = (assignRoles(payroll, { roles: { businessOwner: [bea] }, rolesRev: 1, actor: pm, now: NOW }) as { workload: Workload }).workload;
      const w = wave('Wave 2', '2026-11-01', '2026-11-21');
      const auto = startReview({ wave: w, workloads: [owned], outcome, actor: LIFTOFF_ACTOR, today: TODAY, now: NOW, automatic: true });
      assert.equal(auto.kind, 'started');
      if (auto.kind === 'started') {
        assert.equal(auto.review.announce, 'due');
        assert.equal(auto.review.startedBy.name, 'Liftoff');
        assert.match(auto.event.summary, /^Liftoff opened the priorities review of Wave 2 when its last day \(2026-11-21\) was over: 1 released, 0 rolled back\.$/);
      }
      const byBea = startReview({ wave: w, workloads: [owned], outcome, actor: bea, today: TODAY, now: NOW });
      assert.equal(byBea.kind === 'started' ? byBea.review.announce : 'refused', undefined, 'a review a person starts is not announced by the sweep');
      assert.match(
        (startReview({ wave: w, workloads: [owned], outcome, actor: LIFTOFF_ACTOR, today: '2026-11-21', now: NOW, automatic: true }) as { message: string }).message,
        /runs until 2026-11-21/,
      );
      assert.equal(takesPartInReview([owned], bea), true);
      assert.equal(takesPartInReview([owned], pm), true);
      assert.equal(takesPartInReview([owned], engineer), false);
      assert.equal(takesPartInReview([owned], LIFTOFF_ACTOR), false);
    });

    it('decides on the next open wave: the one named at the start while open, else the next to start', () => {
      const w2 = wave('Wave 2', '2026-11-01', '2026-11-14', 'closed');
      const w3 = wave('Wave 3', '2026-11-15', '2026-11-28');
      const w4 = wave('Wave 4', '2026-11-29', '2026-12-12');
      assert.equal(nextWaveOf([w2, w3, w4], w2)?.name, 'Wave 3');
      assert.equal(nextWaveOf([w2], w2), undefined);
      const review = { nextWaveId: w4.waveId } as Parameters<typeof decidesOn>[0];
      assert.equal(decidesOn(review, [w2, w3, w4], w2)?.name, 'Wave 4');
      assert.equal(decidesOn(review, [w2, w3, { ...w4, status: 'closed' }], w2)?.name, 'Wave 3');
    });
  });
});
