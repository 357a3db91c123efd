import { strict as assert } from 'node:assert';
import type { Workload } from '../../bot/release/model';
import { newWorkload } from '../../bot/release/rules';
import type { Wave } from '../../bot/waves/model';
import { atRisk, carriedFrom, checkWavePlan, closeWave, currentWave, daysLeft, newWave, targetsWave, waveIdOf } from '../../bot/waves/rules';
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
});
