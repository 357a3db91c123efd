import { strict as assert } from 'node:assert';
import type { Blackout, CutoverWindow, GoNoGoAnswer, ZonedMoment } from '../../bot/cutover/model';
import {
  checkAnswer,
  checkBlackout,
  editRunbook,
  evidenceOf,
  goNoGoState,
  lateSteps,
  momentOf,
  planWindow,
  rollBack,
  runbookFor,
  RunbookEdit,
  sharesOf,
  tickStep,
  WindowPlanRequest,
} from '../../bot/cutover/rules';
import type { Workload } from '../../bot/release/model';
import { cannotOpen } from '../../bot/signoff/rules';
import { assignRoles, newWorkload } from '../../bot/release/rules';
import { NOW, person, scope } from '../support/builders';
import { everyoneGo } from '../support/release';

describe('release window rules', () => {
  const pm = person('Priya');
  const miguel = person('Miguel');
  const bea = person('Bea');
  const wes = person('Wes');
  const olga = person('Olga');
  const tom = person('Tom');
  let ready: Workload;

  const at = (iso: string): ZonedMoment => ({ at: iso, timeZone: 'UTC', local: iso.slice(0, 16).replace('T', ' ') });
  const records = { oldRecord: 'old.contoso.com', newRecord: 'new.azurefd.net', ttlSeconds: 300 };
  const request = (overrides: Partial<WindowPlanRequest> = {}): WindowPlanRequest => ({
    workload: ready,
    blackouts: [],
    start: at('2026-11-28T20:00:00.000Z'),
    end: at('2026-11-28T23:00:00.000Z'),
    model: { kind: 'single' },
    records,
    actor: pm,
    now: NOW,
    ...overrides,
  });
  const planned = (): CutoverWindow => {
    const decided = planWindow(request());
    assert.equal(decided.kind, 'changed');
    return (decided as { window: CutoverWindow }).window;
  };
  const go = (window: CutoverWindow): GoNoGoAnswer[] => everyoneGo(window, NOW);

  beforeEach(() => {
    const fresh = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
    const staffed = assignRoles(fresh, { roles: { migrationEngineer: [miguel], businessOwner: [bea], workloadArchitect: [wes], cloudOperations: [olga, miguel] }, rolesRev: 1, actor: pm, now: NOW });
    assert.equal(staffed.kind, 'changed');
    const w = (staffed as { workload: Workload }).workload;
    const promotedAt = w.gates.findIndex((g) => g.id === 'traffic-rerouted');
    ready = { ...w, gates: w.gates.map((g, i) => (i < promotedAt ? { ...g, status: 'passed' } : g)) };
  });

  describe('planning', () => {
    it('prefills the CAF runbook, each step with an owner role and a planned time, and freezes the stakeholders once each', () => {
      const window = planned();
      assert.deepEqual(
        window.steps.filter((s) => s.phase === 'forward').map((s) => `${s.id}:${s.ownerRole}:${s.plannedMinutes}`),
        [
          'final-sync:migrationEngineer:30',
          'freeze-writes:cloudOperations:10',
          'switch:migrationEngineer:15',
          'smoke-test:workloadArchitect:20',
          'business-verification:businessOwner:30',
          'go-live:projectManager:10',
        ],
      );
      assert.deepEqual(
        window.stakeholders.map((s) => `${s.name}:${s.roles.join('+')}`),
        ['Bea:businessOwner', 'Miguel:migrationEngineer+cloudOperations', 'Wes:workloadArchitect', 'Olga:cloudOperations'],
      );
    });

    it('gives a staged promotion a routing step per share', () => {
      assert.deepEqual(
        runbookFor({ kind: 'staged', shares: [10, 50, 100] }, records)
          .filter((s) => s.id.startsWith('route-'))
          .map((s) => s.id),
        ['route-10', 'route-50', 'route-100'],
      );
      assert.deepEqual(sharesOf('10, 50, 100%'), [10, 50, 100]);
      for (const bad of ['100', '50, 10, 100', '10, 50', '0, 100', 'a, 100']) assert.equal(sharesOf(bad), undefined, bad);
    });

    it('refuses a window overlapping a blackout with a sentence naming it; touching its end is fine', () => {
      const blackout: Blackout = {
        id: 'b',
        workloadId: 'team:x',
        type: 'blackout',
        name: 'Quarter-end close',
        start: at('2026-11-28T22:00:00.000Z'),
        end: at('2026-11-30T00:00:00.000Z'),
        setBy: bea,
        setAt: NOW,
      };
      const refused = planWindow(request({ blackouts: [blackout] }));
      assert.equal(refused.kind, 'refused');
      if (refused.kind === 'refused') assert.match(refused.message, /overlaps the blackout "Quarter-end close" \(Sat 28 Nov 2026, 22:00 to Mon 30 Nov 2026, 00:00 UTC, set by Bea\)/);
      assert.equal(planWindow(request({ blackouts: [{ ...blackout, start: at('2026-11-28T23:00:00.000Z') }] })).kind, 'changed');
    });

    for (const [name, overrides, message] of [
      ['someone who neither manages nor migrates', { actor: tom }, /Only the project manager or the migration engineer/],
      ['a start in the past', { start: at('2026-11-01T20:00:00.000Z') }, /start in the future/],
      ['an end before the start', { end: at('2026-11-28T19:00:00.000Z') }, /end after it starts/],
      ['a window of three days', { end: at('2026-12-01T20:00:00.000Z') }, /at most 48 hours/],
      ['no DNS records', { records: { ...records, newRecord: '' } }, /old and the new DNS record/],
    ] as const) {
      it(`refuses ${name}`, () => {
        const decided = planWindow(request(overrides));
        assert.equal(decided.kind, 'refused');
        if (decided.kind === 'refused') assert.match(decided.message, message);
      });
    }

    it('refuses before ready for production is done, and while another window is planned and not held', () => {
      const early = { ...ready, gates: ready.gates.map((g) => (g.id === 'ciso-verification' ? { ...g, status: 'pending' as const } : g)) };
      const first = planWindow(request({ workload: early }));
      assert.ok(first.kind === 'refused' && /Finish the checklist before promotion first: 1 gate is open, the first "CISO verification"/.test(first.message));
      const window = planned();
      assert.equal(planWindow(request({ latest: { window, state: goNoGoState(window, []) } })).kind, 'refused');
      const noGo: GoNoGoAnswer = { ...go(window)[0]!, answer: 'noGo', comment: 'no' };
      const again = planWindow(request({ latest: { window, state: goNoGoState(window, [noGo]) } }));
      assert.ok(again.kind === 'changed' && again.window.windowId === 'window-2');
    });

    it('reads a start typed in a time zone, and refuses a time the clocks skip', () => {
      const paris = momentOf('start', '2026-07-01', '20:00', 'Europe/Paris');
      assert.ok(paris.ok && paris.moment.at === '2026-07-01T18:00:00.000Z');
      const skipped = momentOf('start', '2026-03-29', '02:30', 'Europe/Paris');
      assert.ok(!skipped.ok && /does not happen in Europe\/Paris/.test(skipped.message));
      assert.equal(momentOf('start', '2026-07-01', '20:00', 'Mars/Olympus').ok, false);
    });
  });

  describe('go / no-go', () => {
    it('holds on one no-go, waits for the rest, and is go when every stakeholder says Go', () => {
      const window = planned();
      const answers = go(window);
      assert.equal(goNoGoState(window, answers.slice(1)).kind, 'awaiting');
      assert.equal(goNoGoState(window, answers).kind, 'go');
      assert.equal(goNoGoState(window, [{ ...answers[0]!, answer: 'noGo' }, ...answers.slice(1)]).kind, 'held');
    });

    it('takes answers from the frozen list only, before the start, with a comment for a no-go, under a natural id', () => {
      const window = planned();
      assert.ok(!checkAnswer(window, { voter: tom, answer: 'go', comment: '', now: NOW }).ok);
      assert.ok(!checkAnswer(window, { voter: bea, answer: 'noGo', comment: ' ', now: NOW }).ok);
      assert.ok(!checkAnswer(window, { voter: bea, answer: 'go', comment: '', now: '2026-11-28T20:00:00.000Z' }).ok);
      const ok = checkAnswer(window, { voter: bea, answer: 'go', comment: 'fine', now: NOW });
      assert.ok(ok.ok && ok.answer.id === `window-1:${bea.aadObjectId}`);
    });
  });

  describe('the run', () => {
    const tick = (window: CutoverWindow, who: typeof pm, stepId: string, answers = go(window), outcome: 'done' | 'failed' = 'done', note = '') =>
      tickStep(window, goNoGoState(window, answers), ready, { stepId, outcome, note, actor: who, now: '2026-11-28T20:05:00.000Z' });

    it("lets only a step's owner role mark it, only once go is given, and a failure needs a note", () => {
      const window = planned();
      assert.match((tick(window, miguel, 'final-sync', []) as { message: string }).message, /waits for go/);
      assert.match((tick(window, wes, 'final-sync') as { message: string }).message, /Migration engineer's step \(Miguel\)/);
      assert.match((tick(window, miguel, 'final-sync', go(window), 'failed') as { message: string }).message, /needs a note/);
      const done = tick(window, miguel, 'final-sync');
      assert.equal(done.kind, 'changed');
      if (done.kind === 'changed') assert.equal(tick(done.window, miguel, 'final-sync').kind, 'unchanged', 'a retry');
    });

    it('finishes the window with the last forward step, and its record names the DNS change and who did what', () => {
      let window = planned();
      for (const [who, id] of [
        [miguel, 'final-sync'],
        [olga, 'freeze-writes'],
        [miguel, 'switch'],
        [wes, 'smoke-test'],
        [bea, 'business-verification'],
        [pm, 'go-live'],
      ] as const) {
        const decided = tick(window, who, id);
        assert.equal(decided.kind, 'changed', id);
        window = (decided as { window: CutoverWindow }).window;
      }
      assert.equal(window.state, 'finished');
      assert.match(
        evidenceOf(window),
        /Release window 1, Sat 28 Nov 2026, 20:00 to 23:00 UTC, single-step promotion\. DNS\/IP old.contoso.com → new.azurefd.net \(TTL 300 s\)\. Final replication and data synchronization by Miguel at 20:05 UTC/,
      );
    });

    it('flags a pending step past its planned end', () => {
      const window = planned();
      assert.deepEqual(lateSteps(window, '2026-11-28T20:29:00.000Z'), []);
      assert.deepEqual(lateSteps(window, '2026-11-28T20:31:00.000Z'), ['final-sync']);
    });

    it('rolls back with a reason by the project manager or the migration engineer; rollback steps then run', () => {
      const window = planned();
      assert.equal(rollBack(window, ready, { reason: 'x', actor: tom, now: NOW }).kind, 'refused');
      assert.equal(rollBack(window, ready, { reason: '', actor: pm, now: NOW }).kind, 'refused');
      const rolled = rollBack(window, ready, { reason: 'Smoke test failed', actor: miguel, now: NOW });
      assert.ok(rolled.kind === 'changed' && rolled.window.state === 'rolledBack');
      if (rolled.kind !== 'changed') return;
      assert.equal(tick(rolled.window, miguel, 'switch').kind, 'refused');
      assert.equal(tick(rolled.window, miguel, 'rollback-route').kind, 'changed');
    });
  });

  it('lets only a project manager or a change manager of a team workload set a blackout', () => {
    const input = { name: 'Freeze', start: at('2026-12-20T00:00:00.000Z'), end: at('2026-12-27T00:00:00.000Z'), teamWorkloads: [ready] };
    assert.ok(checkBlackout({ ...input, actor: pm }).ok);
    assert.ok(!checkBlackout({ ...input, actor: miguel }).ok);
    assert.ok(!checkBlackout({ ...input, actor: pm, end: input.start }).ok);
  });

  describe('editing the runbook', () => {
    const edit = (window: CutoverWindow, change: RunbookEdit, overrides: { actor?: typeof pm; rev?: number; now?: string; answers?: GoNoGoAnswer[] } = {}) =>
      editRunbook(window, goNoGoState(window, overrides.answers ?? []), ready, { edit: change, rev: overrides.rev ?? window.rev, actor: overrides.actor ?? pm, now: overrides.now ?? NOW });
    const changed = (d: ReturnType<typeof editRunbook>): CutoverWindow => {
      assert.equal(d.kind, 'changed', JSON.stringify(d).slice(0, 200));
      return (d as { window: CutoverWindow }).window;
    };
    const refusal = (d: ReturnType<typeof editRunbook>): string => (d.kind === 'refused' ? d.message : `not refused: ${d.kind}`);

    it("edits a step's title, owner role or minutes (empty fields keep them), adds one after another, removes one, each a new revision and an event", () => {
      const window = planned();
      const longer = changed(edit(window, { op: 'edit', stepId: 'smoke-test', title: '', ownerRole: '', minutes: '45' }));
      const smoke = longer.steps.find((s) => s.id === 'smoke-test');
      assert.deepEqual([smoke?.title, smoke?.ownerRole, smoke?.plannedMinutes, longer.rev], ['Smoke test of the new deployment', 'workloadArchitect', 45, 2]);
      const decided = edit(longer, { op: 'add', afterStepId: 'smoke-test', phase: 'forward', title: 'Warm the cache', ownerRole: 'cloudOperations', minutes: '5' });
      const added = changed(decided);
      assert.deepEqual(added.steps.map((s) => s.id).slice(3, 6), ['smoke-test', 'added-2', 'business-verification']);
      assert.match((decided as { event: { summary: string } }).event.summary, /Priya added step "Warm the cache" \(Cloud operations, 5 min\) after "Smoke test of the new deployment"/);
      const atEnd = changed(edit(added, { op: 'add', afterStepId: '', phase: 'rollback', title: 'Tell the service desk', ownerRole: 'projectManager', minutes: '5' }));
      assert.equal(atEnd.steps[atEnd.steps.length - 1]?.title, 'Tell the service desk');
      const removed = changed(edit(atEnd, { op: 'remove', stepId: 'freeze-writes' }));
      assert.ok(!removed.steps.some((s) => s.id === 'freeze-writes'));
    });

    it('answers a retried edit, add or remove as done, and refuses an edit drawn on an older runbook', () => {
      const window = planned();
      const add: RunbookEdit = { op: 'add', afterStepId: '', phase: 'forward', title: 'Warm the cache', ownerRole: 'cloudOperations', minutes: '5' };
      const added = changed(edit(window, add));
      assert.equal(edit(added, add, { rev: 1 }).kind, 'unchanged');
      const removed = changed(edit(added, { op: 'remove', stepId: 'added-1' }));
      assert.equal(edit(removed, { op: 'remove', stepId: 'added-1' }, { rev: 2 }).kind, 'unchanged');
      assert.equal(edit(removed, { op: 'edit', stepId: 'go-live', title: 'Go-live: announce that the workload runs in the cloud', ownerRole: '', minutes: '' }).kind, 'unchanged');
      assert.match(refusal(edit(removed, { op: 'edit', stepId: 'go-live', title: 'Go live', ownerRole: '', minutes: '' }, { rev: 1 })), /changed since this card was drawn/);
    });

    it('lets only the planners edit, and only before the window opens and starts, with valid fields', () => {
      const window = planned();
      const rename: RunbookEdit = { op: 'edit', stepId: 'go-live', title: 'Go live', ownerRole: '', minutes: '' };
      assert.match(refusal(edit(window, rename, { actor: tom })), /Only the project manager or the migration engineer/);
      assert.equal(edit(window, rename, { actor: miguel }).kind, 'changed');
      assert.match(refusal(edit(window, rename, { answers: go(window) })), /can be edited only before the window opens/);
      assert.match(refusal(edit(window, rename, { now: window.start.at })), /can be edited only before/);
      assert.match(refusal(edit(window, { ...rename, minutes: '0' })), /whole minutes, 1 to 720/);
      assert.match(refusal(edit(window, { ...rename, ownerRole: 'janitor' })), /Pick the role/);
      assert.match(refusal(edit(window, { op: 'add', afterStepId: '', phase: 'forward', title: ' ', ownerRole: 'cloudOperations', minutes: '5' })), /Give the step a title/);
      let one = window;
      for (const s of window.steps.filter((x) => x.phase === 'forward').slice(1)) one = changed(edit(one, { op: 'remove', stepId: s.id }));
      assert.match(refusal(edit(one, { op: 'remove', stepId: 'final-sync' })), /at least one step that releases/);
    });
  });

  it('lets a UAT cycle open again once traffic is rerouted: the post-cutover business verification', () => {
    const tested = { ...ready, roles: { ...ready.roles, projectManager: [pm] } };
    assert.match(cannotOpen(tested, [], pm, NOW) ?? '', /Business testing of Payroll API is already passed/);
    const promoted = { ...tested, gates: tested.gates.map((g) => (g.id === 'traffic-rerouted' ? { ...g, status: 'passed' as const } : g)) };
    assert.equal(cannotOpen(promoted, [], pm, NOW), undefined);
  });
});
