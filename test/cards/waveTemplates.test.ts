import { strict as assert } from 'node:assert';
import { renderCutover } from '../../cards/cutover';
import { renderReview, renderWave, renderWavePlan } from '../../cards/waves';
import type { WaveReview } from '../../bot/waves/model';
import type { CutoverWindow } from '../../bot/cutover/model';
import { goNoGoState, planWindow, rollBack } from '../../bot/cutover/rules';
import type { WindowView } from '../../bot/cutover/service';
import type { Workload } from '../../bot/release/model';
import { assignRoles, currentStage, newWorkload, nextStep } from '../../bot/release/rules';
import type { RetroAction } from '../../bot/retro/model';
import { atRisk, newWave } from '../../bot/waves/rules';
import { NOW, person, scope } from '../support/builders';
import { DISGUISED_LINK, expectRealTarget, expectWellFormedCard } from '../support/cards';
import { cardText } from '../support/liftoff';
import { everyoneGo } from '../support/release';
import { everyRoute } from '../support/routes';

const routed = new Set(Object.keys(everyRoute().verbs));

describe('wave and release window cards expanded with real data', () => {
  const pm = person('Priya');
  const miguel = person('Miguel');
  let ready: Workload;

  before(() => {
    const fresh = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
    const staffed = assignRoles(fresh, { roles: { migrationEngineer: [miguel], businessOwner: [pm], workloadArchitect: [miguel], cloudOperations: [miguel] }, rolesRev: 1, actor: pm, now: NOW });
    const w = (staffed as { workload: Workload }).workload;
    const promotedAt = w.gates.findIndex((g) => g.id === 'traffic-rerouted');
    ready = { ...w, gates: w.gates.map((g, i) => (i < promotedAt ? { ...g, status: 'passed' } : g)) };
  });

  it('wave, none open, and one with rows and carried action items', () => {
    expectWellFormedCard('no wave', renderWave(undefined), routed);
    const { wave } = newWave({ waveId: 'wave-wave-3', name: 'Wave 3', start: '2026-11-22', end: '2026-11-27', scope: scope(), workloads: [ready], actor: pm, now: NOW });
    const action = { text: DISGUISED_LINK, owner: miguel, due: '2026-12-01', target: { kind: 'wave', name: 'Wave 2' }, workloadName: 'Payroll API', status: 'open' } as RetroAction;
    const card = renderWave({
      wave,
      today: '2026-11-22',
      rows: [{ workload: ready, stage: currentStage(ready), next: nextStep(ready), risk: atRisk(ready, '2026-11-22', wave.end) }],
      actions: [{ action, carriedFrom: 'Wave 2' }],
      trail: [{ id: 'e1', workloadId: wave.workloadId, type: 'waveEvent', waveId: wave.waveId, at: NOW, actor: pm, action: 'wave.movedIn', summary: `Priya moved ${DISGUISED_LINK} in`, reason: 'x' }],
      decisions: [],
      reviewDue: true,
      candidates: [ready],
    });
    expectWellFormedCard('wave', card, routed);
    expectRealTarget('wave', card, cardText);
    assert.match(cardText(card), /carried from Wave 2/);
  });

  it('priorities review, with and without a next wave', () => {
    const { wave } = newWave({ waveId: 'wave-wave-4', name: 'Wave 4', start: '2026-11-28', end: '2026-12-05', scope: scope(), workloads: [ready], actor: pm, now: NOW });
    const review: WaveReview = {
      id: 'review:wave-wave-3',
      workloadId: wave.workloadId,
      type: 'waveReview',
      waveId: 'wave-wave-3',
      waveName: 'Wave 3',
      stakeholders: [pm],
      outcome: { released: ['Payroll API'], notReleased: [], windowsFinished: 1, rolledBack: [{ workload: 'Billing', window: 1, reason: DISGUISED_LINK }], savings: [], openActions: [] },
      startedBy: pm,
      startedAt: NOW,
    };
    const next = { wave, today: '2026-11-28', rows: [], actions: [], trail: [], decisions: [], reviewDue: false, candidates: [ready] };
    const card = renderReview({ review, wave, next });
    expectWellFormedCard('review', card, routed);
    expectRealTarget('review', card, cardText);
    assert.match(cardText(card), /Business priorities review of Wave 3/);
    expectWellFormedCard('review without a next wave', renderReview({ review, wave }), routed);
  });

  it('wave plan form', () => expectWellFormedCard('wave plan', renderWavePlan([ready]), routed));

  it('release window, to plan, awaiting, running, and rolled back', () => {
    const base: WindowView = { workload: ready, answers: [], blackouts: [], now: NOW };
    expectWellFormedCard('window to plan', renderCutover(base), routed);
    const decided = planWindow({
      workload: ready,
      blackouts: [],
      start: { at: '2026-11-28T20:00:00.000Z', timeZone: 'UTC', local: '2026-11-28 20:00' },
      end: { at: '2026-11-28T23:00:00.000Z', timeZone: 'UTC', local: '2026-11-28 23:00' },
      model: { kind: 'staged', shares: [10, 100] },
      records: { oldRecord: DISGUISED_LINK, newRecord: 'new', ttlSeconds: 60 },
      actor: pm,
      now: NOW,
    });
    const window = (decided as { window: CutoverWindow }).window;
    const awaiting = renderCutover({ ...base, window, state: goNoGoState(window, []) });
    expectWellFormedCard('window awaiting', awaiting, routed);
    expectRealTarget('window awaiting', awaiting, cardText);
    const answers = everyoneGo(window, NOW);
    const running = renderCutover({ ...base, window, answers, state: goNoGoState(window, answers), now: '2026-11-28T21:00:00.000Z' });
    expectWellFormedCard('window running', running, routed);
    assert.match(cardText(running), /running late/);
    const rolled = (rollBack(window, ready, { reason: 'Smoke test failed', actor: pm, now: NOW }) as { window: CutoverWindow }).window;
    expectWellFormedCard('window rolled back', renderCutover({ ...base, window: rolled, answers, state: goNoGoState(rolled, answers) }), routed);
  });
});
