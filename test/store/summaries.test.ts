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
import { NOTICES_SHOWN, summariesOf } from '../../bot/store/summaries';
import { ReleaseService } from '../../bot/release/service';
import { RetroService } from '../../bot/retro/service';
import { SignoffService } from '../../bot/signoff/service';
import { cardSyncId, CardSyncMarker, SharedCard } from '../../bot/conversations/sharedCards';
import { CosmosWorkloadRepository } from '../../bot/store/workloadRepository';
import { embeddedStore } from '../support/cosmos';
import { inPartition } from '../support/partition';
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

  const markerOf = (card: SharedCard, sequence: number): CardSyncMarker => ({
    id: cardSyncId(card),
    type: 'cardSync',
    workloadId: card.workloadId,
    card,
    requestedAt: new Date(sequence).toISOString(),
    sequence,
  });

  const eventsOf = async (workloadId: string, action: string): Promise<number> => {
    const [count] = await inPartition<number>(store.workloads, workloadId, 'SELECT VALUE COUNT(1)', 'c.type = "event" AND c.action = @a', { a: action });
    return count ?? 0;
  };

  it('keeps the sign-off summary in step when 50 testers decide at once, each invoke sent twice, and the last decision closes the testers’ part', async () => {
    const workload = await workloadNamed('Deciding');
    const { workloadId } = workload;
    const testers = Array.from({ length: 50 }, (_, i) => tester(`Tester${i}`));
    const opened = openCycle(cycleRequest({ workload, testers, finalApprovers: [{ ...owner, teamsUserId: '29:Bea' }], actor: pm }));
    assert.equal(opened.kind, 'opened');
    const service = new SignoffService(signoff, () => new Date(NOW));
    assert.equal(await signoff.createCycle(opened.cycle, opened.event), 'created');
    assert.ok(await service.view(workloadId, opened.cycle.id), 'the service has read the cycle once');
    // The turn's workload, as the router reads it: the decisions check the cycle against its summary.
    const turnWorkload = (await workloads.get(workloadId))!;
    const card: SharedCard = { kind: 'signoff', workloadId, cycleId: opened.cycle.id };
    const decide = (who: Approver, n: number) =>
      service.decide(workloadId, opened.cycle.id, TENANT, { actor: who, decision: 'approve', comment: '', evidence: '', workload: turnWorkload, marker: markerOf(card, n) });
    const outcomes = await Promise.all(testers.flatMap((who, i) => [decide(who, 2 * i), decide(who, 2 * i + 1)]));

    assert.equal(outcomes.filter((o) => o.kind === 'recorded').length, 50, 'each tester recorded once');
    assert.ok(outcomes.every((o) => o.kind !== 'missing'));
    const snapshot = (await signoff.snapshot(workloadId, opened.cycle.id))!;
    assert.equal(snapshot.votes.length, 50);
    assert.equal(await eventsOf(workloadId, 'vote.approved'), 50, 'one audit event per decision');
    assert.equal(snapshot.cycle.state, 'awaitingFinal', 'the last approval met the rule');
    const stored = (await workloads.get(workloadId))!;
    assert.deepEqual(stored.summaries?.signoff, [cycleSummaryOf(snapshot.cycle)], 'the summary says what the cycle says');
    const { resource: marker } = await store.workloads.item(cardSyncId(card), workloadId).read<CardSyncMarker>();
    assert.equal(marker?.type, 'cardSync', 'the decisions left the shared card marked for its redraw');

    // The same invoke again, after all that: nothing new is stored, the summary does not move.
    const again = await decide(testers[0]!, 100);
    assert.notEqual(again.kind, 'recorded');
    assert.equal((await signoff.snapshot(workloadId, opened.cycle.id))!.votes.length, 50);
    assert.deepEqual((await workloads.get(workloadId))!.summaries, stored.summaries);
  });

  it('keeps the retro summary in step when 50 people add an entry at once, each invoke sent twice', async () => {
    const workload = await workloadNamed('Entering');
    const { workloadId } = workload;
    const started = startRetro(startRequest(workload, pm));
    assert.equal(started.kind, 'changed');
    assert.equal(await retros.createRetro(started.value), 'created');
    const retro = (await retros.getRetro(workloadId, started.value.retroId))!;
    const service = new RetroService(retros, new ReleaseService(workloads, () => new Date(NOW)), 'summaries-spec-secret-that-is-long-enough-0123', () => new Date(NOW));
    const card: SharedCard = { kind: 'retro', workloadId, tenantId: TENANT, retroId: retro.retroId };
    const question = retro.questions[0]!.id;
    const people = Array.from({ length: 50 }, (_, i) => person(`Writer${i}`));
    const add = (who: (typeof people)[number], n: number) => service.addEntries(retro, who, [{ questionId: question, text: `What ${who.name} saw` }], { marker: markerOf(card, n) });
    const outcomes = await Promise.all(people.flatMap((who, i) => [add(who, 2 * i), add(who, 2 * i + 1)]));

    assert.equal(
      outcomes.reduce((sum, o) => sum + o.added, 0),
      50,
      'each entry stored once',
    );
    assert.ok(outcomes.every((o) => o.problems.length === 0));
    assert.equal((await retros.entriesOf(workloadId, retro.retroId)).length, 50);
    const stored = (await workloads.get(workloadId))!;
    assert.deepEqual(stored.summaries?.retro, retroSummaryOf((await retros.getRetro(workloadId, retro.retroId))!));
    const { resource: marker } = await store.workloads.item(cardSyncId(card), workloadId).read<CardSyncMarker>();
    assert.equal(marker?.type, 'cardSync', 'the entries left the channel card marked for its redraw');
  });

  it('keeps every summary in step when 50 gate decisions of one workload race the changes they summarise', async () => {
    const workload = await workloadNamed('Gated');
    const { workloadId } = workload;
    const opened = cycleOf(workload);
    assert.equal(await signoff.createCycle(opened.cycle, opened.event), 'created');
    await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => touch(workloadId, i)),
      signoff.changeCycle(workloadId, opened.cycle.id, (c) => ({ kind: 'changed', cycle: { ...c, scopeNotes: 'moved on' } })),
    ]);
    const stored = (await workloads.get(workloadId))!;
    assert.equal(stored.rolesRev, 51);
    assert.deepEqual(stored.summaries?.signoff, [cycleSummaryOf((await signoff.cycle(workloadId, opened.cycle.id))!)]);
  });

  describe('a workload stored before summaries existed', () => {
    /** Writes a workload as an older Liftoff did: no summaries on it, its cycles, notices and retros beside it. */
    async function oldWorkload(name: string): Promise<{ workload: Workload; cycles: SignoffCycle[]; sent: Notice[] }> {
      const made = newWorkload({ name, slug: name.toLowerCase(), scope: scope({ scopeId: 'team-old' }), creator: pm, now: NOW }).workload;
      const workload: Workload = { ...made, roles: { ...made.roles, businessOwner: [owner] } };
      await store.workloads.items.create(workload);
      const first = cycleOf(workload);
      const second = cycleOf(workload, [{ ...first.cycle, state: 'failed' }]);
      const cycles = [{ ...first.cycle, state: 'failed' as const, closedAt: NOW }, second.cycle];
      for (const c of cycles) await store.workloads.items.create(c);
      const sent = [1, 2, 3, 4].map((n) => ({ ...noticeOf(workload, n), status: 'sent' as const }));
      for (const n of [...sent, noticeOf(workload, 5)]) await store.workloads.items.create(n);
      const retro = startRetro(startRequest(workload, pm));
      assert.equal(retro.kind, 'changed');
      await store.workloads.items.create({ ...retro.value, phase: 'closed' });
      await store.workloads.items.create({ ...retro.value, id: `${workloadId(workload)}:retro-2`, retroId: `${workloadId(workload)}:retro-2`, number: 2 });
      return { workload, cycles, sent };
    }
    const workloadId = (w: Workload) => w.workloadId;

    it('has its summaries built once from its documents when first read, and read as they are afterwards', async () => {
      const { workload, cycles, sent } = await oldWorkload('Legacy');
      const migrated = (await workloads.get(workload.workloadId))!;
      assert.equal(migrated.summaries?.complete, true);
      assert.deepEqual(
        migrated.summaries?.signoff,
        cycles.map((c) => cycleSummaryOf(c)),
      );
      assert.deepEqual(
        migrated.summaries?.notices,
        sent
          .slice(-NOTICES_SHOWN)
          .reverse()
          .map((n) => noticeSummaryOf(n)),
        'the latest notices sent, newest first, no draft',
      );
      assert.equal(migrated.summaries?.retro?.number, 2, 'the latest retro');
      const { resource } = await store.workloads.item(workload.workloadId, workload.workloadId).read<Workload>();
      assert.deepEqual(resource?.summaries, migrated.summaries, 'written to the workload document');
      const again = (await workloads.get(workload.workloadId))!;
      assert.equal(again._etag, migrated._etag, 'a second read writes nothing');
    });

    it('answers every one of 20 racing reads with complete summaries while a cycle changes, the summaries saying what is stored', async () => {
      const { workload, cycles } = await oldWorkload('Contested');
      const { workloadId: id } = workload;
      const reads = await Promise.all([
        ...Array.from({ length: 20 }, () => workloads.get(id)),
        signoff.changeCycle(id, cycles[1]!.id, (c) => ({ kind: 'changed', cycle: { ...c, scopeNotes: 'changed during the migration' } })).then(() => undefined),
      ]);
      assert.ok(reads.slice(0, 20).every((w) => w?.summaries?.complete === true));
      const stored = (await workloads.get(id))!;
      const documents = await Promise.all(cycles.map((c) => signoff.cycle(id, c.id)));
      assert.deepEqual(
        stored.summaries?.signoff,
        documents.map((c) => cycleSummaryOf(c!)),
      );
      assert.equal(stored.summaries?.signoff?.[1]?.scopeNotes, 'changed during the migration');
      const latest = (await retros.getRetro(id, `${id}:retro-2`))!;
      assert.deepEqual(stored.summaries?.retro, retroSummaryOf(latest));
      assert.deepEqual(summariesOf([...documents.map((c) => c!), latest]).signoff, stored.summaries?.signoff, 'what the migration builds from the documents');
    });

    it('is not migrated when created now: a new workload starts with complete summaries', async () => {
      const workload = await workloadNamed('Fresh');
      const { resource } = await store.workloads.item(workload.workloadId, workload.workloadId).read<Workload>();
      assert.deepEqual(resource?.summaries, { complete: true });
    });
  });
});
