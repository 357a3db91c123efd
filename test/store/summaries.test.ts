import { strict as assert } from 'node:assert';
import { draftNotice } from '../../bot/broadcast/rules';
import { Notice, noticeSummaryOf } from '../../bot/broadcast/model';
import type { Workload } from '../../bot/release/model';
import { newWorkload } from '../../bot/release/rules';
import { RetroAction, retroSummaryOf } from '../../bot/retro/model';
import { startRetro } from '../../bot/retro/rules';
import { Approver, cycleSummaryOf, SignoffCycle } from '../../bot/signoff/model';
import { openCycle } from '../../bot/signoff/rules';
import { CosmosStore } from '../../bot/store/cosmos';
import { CosmosNoticeRepository } from '../../bot/store/noticeRepository';
import { CosmosRetroRepository } from '../../bot/store/retroRepository';
import { CosmosSignoffRepository } from '../../bot/store/signoffRepository';
import { NOTICES_SHOWN } from '../../bot/store/summaries';
import { CosmosWorkloadRepository } from '../../bot/store/workloadRepository';
import { embeddedStore } from '../support/cosmos';
import { cycleRequest, NOW, person, scope, TENANT } from '../support/builders';
import { startRequest } from '../support/retro';

const pm = person('Priya');
const owner = person('Bea');
const tester = (name: string): Approver => ({ ...person(name), teamsUserId: `29:${name}` });

describe("The workload's summaries and the team's open action items, in step under concurrency", () => {
  let store: CosmosStore;
  // A generous budget: 50 changes of one workload at once on two shared cores keep losing the race for a while.
  const budget = { budgetMs: 30_000 };
  let workloads: CosmosWorkloadRepository;
  let signoff: CosmosSignoffRepository;
  let notices: CosmosNoticeRepository;
  let retros: CosmosRetroRepository;

  before(async () => {
    store = await embeddedStore();
    workloads = new CosmosWorkloadRepository(store.workloads, budget);
    signoff = new CosmosSignoffRepository(store.workloads, budget);
    notices = new CosmosNoticeRepository(store.workloads, budget);
    retros = new CosmosRetroRepository(store.workloads, budget);
  });
  after(() => store.close());

  async function workloadNamed(name: string, scopeId = 'team-a'): Promise<Workload> {
    const { workload, event } = newWorkload({ name, slug: name.toLowerCase(), scope: scope({ scopeId }), creator: pm, now: NOW });
    assert.equal(await workloads.create({ ...workload, roles: { ...workload.roles, businessOwner: [owner] } }, event), 'created');
    return (await workloads.get(workload.workloadId))!;
  }

  function cycleOf(workload: Workload, cycles: SignoffCycle[] = []) {
    const result = openCycle(cycleRequest({ workload, testers: [tester('Tom'), tester('Tina')], finalApprovers: [{ ...owner, teamsUserId: '29:Bea' }], actor: pm }, { cycles }));
    assert.equal(result.kind, 'opened');
    return result;
  }

  const noticeOf = (workload: Workload, n: number): Notice =>
    draftNotice({
      workload,
      noticeId: `${workload.workloadId}:n${n}`,
      content: { kind: 'general', title: `Notice ${n}`, body: 'Body' },
      audience: { channelIds: [], teamIds: [], people: [], everyone: false },
      actor: pm,
      now: `2026-11-22T09:00:${String(n).padStart(2, '0')}.000Z`,
    });

  /** A change of the workload document itself (a gate decision, a role change): what the summaries' writes race with. */
  const touch = (workloadId: string, n: number) =>
    workloads.change(workloadId, (w) => ({
      kind: 'changed',
      workload: { ...w, rolesRev: w.rolesRev + 1 },
      event: { workloadId, type: 'event', at: NOW, actor: pm, action: 'roles.assigned', summary: `change ${n}` },
    }));

  it('keeps sign-off, notice and retro summaries equal to the documents when 50 changes of one workload race', async () => {
    const workload = await workloadNamed('Racing');
    const { workloadId } = workload;
    const opened = cycleOf(workload);
    assert.equal(await signoff.createCycle(opened.cycle, opened.event), 'created');
    const sent = Array.from({ length: 10 }, (_, i) => noticeOf(workload, i + 1));
    for (const n of sent) assert.equal(await notices.saveDraft(n), 'saved');
    const started = startRetro(startRequest(workload, pm));
    assert.equal(started.kind, 'changed');
    assert.equal(await retros.createRetro(started.value), 'created');

    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => touch(workloadId, i)),
      ...sent.map((n) => notices.change(workloadId, n.id, (current) => ({ kind: 'changed', notice: { ...current, status: 'sending', rev: current.rev + 1 } }))),
      ...Array.from({ length: 10 }, (_, i) => signoff.changeCycle(workloadId, opened.cycle.id, (c) => ({ kind: 'changed', cycle: { ...c, scopeNotes: `note ${i}` } }))),
      signoff.changeCycle(workloadId, opened.cycle.id, (c) => ({ kind: 'changed', cycle: { ...c, state: 'cancelled', closedAt: NOW, cancelled: { by: pm, at: NOW, reason: 'moved' } } })),
      ...Array.from({ length: 9 }, (_, i) => retros.changeRetro(workloadId, started.value.retroId, (r) => ({ kind: 'changed', value: { ...r, rev: r.rev + 1, votesPerPerson: i + 1 } }))),
    ]);

    const stored = (await workloads.get(workloadId))!;
    assert.equal(stored.rolesRev, 21, 'every change of the workload document itself stands');
    const cycle = (await signoff.cycle(workloadId, opened.cycle.id))!;
    assert.equal(cycle.state, 'cancelled');
    assert.deepEqual(stored.summaries?.signoff, [cycleSummaryOf(cycle)]);
    const latest = await Promise.all(sent.slice(-NOTICES_SHOWN).map((n) => notices.get(workloadId, n.id)));
    assert.deepEqual(
      stored.summaries?.notices,
      latest.reverse().map((n) => noticeSummaryOf(n!)),
    );
    assert.ok(stored.summaries?.notices?.every((n) => n.status === 'sending'));
    assert.deepEqual(stored.summaries?.retro, retroSummaryOf((await retros.getRetro(workloadId, started.value.retroId))!));
  });

  it('leaves drafts out of the notice summary, and keeps the sign-off summary of what is stored when the same open is retried', async () => {
    const workload = await workloadNamed('Retried');
    const opened = cycleOf(workload);
    assert.equal(await notices.saveDraft(noticeOf(workload, 1)), 'saved');
    const [first, again] = await Promise.all([signoff.createCycle(opened.cycle, opened.event), signoff.createCycle({ ...opened.cycle, scopeNotes: 'a second copy' }, opened.event)]);
    assert.deepEqual([first, again].sort(), ['created', 'exists']);
    assert.equal(await signoff.createCycle(opened.cycle, opened.event), 'exists');
    const stored = (await workloads.get(workload.workloadId))!;
    assert.deepEqual(stored.summaries?.signoff, [cycleSummaryOf((await signoff.cycle(workload.workloadId, opened.cycle.id))!)]);
    assert.equal(stored.summaries?.notices, undefined);
  });

  it("keeps the team's open action items in one document, in step with 50 items added at once, 20 done, and retried adds", async () => {
    const scopeId = 'team-actions';
    const places = await Promise.all(Array.from({ length: 5 }, (_, i) => workloadNamed(`Acting${i}`, scopeId)));
    const action = (n: number): RetroAction => {
      const w = places[n % places.length]!;
      return {
        id: `${w.workloadId}:retro-1:a${n}`,
        workloadId: w.workloadId,
        type: 'action',
        retroId: `${w.workloadId}:retro-1`,
        tenantId: TENANT,
        scopeId,
        workloadName: w.name,
        text: `Action ${n}`,
        owner: pm,
        due: '2026-12-01',
        target: { kind: 'wave', name: 'Wave 2' },
        status: 'open',
        facilitator: pm,
        createdAt: `2026-11-22T09:00:${String(n).padStart(2, '0')}.000Z`,
      };
    };
    const all = Array.from({ length: 50 }, (_, n) => action(n));
    assert.ok((await Promise.all(all.map((a) => retros.addAction(a)))).every((r) => r === 'created'));
    const done = all.slice(0, 20);
    await Promise.all([
      ...done.map((a) => retros.changeAction(a.workloadId, a.id, (current) => ({ kind: 'changed', value: { ...current, status: 'done', closedBy: pm, closedAt: NOW } }))),
      ...all.slice(40).map((a) => retros.addAction(a)),
    ]);
    const open = await retros.openActionsOf(TENANT, scopeId);
    assert.deepEqual(
      open.map((a) => a.id),
      all.slice(20).map((a) => a.id),
    );
    assert.deepEqual(await retros.openActionsOf(TENANT, 'another-team'), []);
  });
});
