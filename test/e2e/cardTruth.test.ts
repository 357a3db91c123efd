import { strict as assert } from 'node:assert';
import { bannerStyle, cardText, elementCount, findAction, Harness, startHarness } from '../support/liftoff';
import { nodesOfType } from '../support/cards';
import { person, TENANT } from '../support/builders';
import { groupChat, teamChannel, teamsUserId, workloadIdIn } from '../support/teams';
import { GATE_CATALOGUE, type Workload } from '../../bot/release/model';
import { SignoffDriver } from '../support/signoff';
import { dueLabel } from '../../bot/signoff/rules';

/** Elements of the finished workload's checklist before the checklist folded its stages (sections excluded). */
const FINISHED_CHECKLIST_BEFORE = 125;

describe('Every card tells the current truth, briefly, with the next step', () => {
  let h: Harness;
  const priya = person('Priya Project');
  const miguel = person('Miguel Engineer');
  const team = teamChannel('truth');

  before(async () => {
    h = await startHarness();
    h.fake.setRoster(
      team.teamId!,
      [priya, miguel].map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: TENANT })),
    );
  });
  after(() => h.close());

  const stored = async (workloadId: string): Promise<Workload> => {
    const { resource } = await h.app.cosmos.workloads.item(workloadId, workloadId).read<Workload>();
    assert.ok(resource);
    return resource;
  };
  const revsOf = async (workloadId: string): Promise<Record<string, number>> => Object.fromEntries((await stored(workloadId)).gates.map((g) => [g.id, g.rev]));
  const create = async (name: string): Promise<string> => {
    await h.say(h.activities.message(priya, `new ${name}`, team));
    const workloadId = workloadIdIn(team, name.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
    await h.post(h.activities.execute(priya, 'roles.save', { workloadId, rolesRev: (await stored(workloadId)).rolesRev, role: 'migrationEngineer', people: miguel.aadObjectId }, team));
    // Priya is the CISO too: only the CISO may waive the CISO's gate, and these specs waive their way forward.
    await h.post(h.activities.execute(priya, 'roles.save', { workloadId, rolesRev: (await stored(workloadId)).rolesRev, role: 'ciso', people: priya.aadObjectId }, team));
    return workloadId;
  };
  const decide = async (who: typeof priya, workloadId: string, gateId: string, decision: 'pass' | 'fail' | 'waive', note: string, revs?: Record<string, number>, message = 'card-message-1') =>
    (await h.post(h.activities.execute(who, 'gate.decide', { workloadId, decision, revs: revs ?? (await revsOf(workloadId)), gateId, note }, team, message))).body.value as Record<string, unknown>;
  /** Waives every gate before `gateId` (the project manager may), so a spec reaches a late stage quickly. */
  const waiveUpTo = async (workloadId: string, gateId: string): Promise<void> => {
    for (const def of GATE_CATALOGUE.slice(
      0,
      GATE_CATALOGUE.findIndex((g) => g.id === gateId),
    )) {
      assert.match(cardText(await decide(priya, workloadId, def.id, 'waive', `not needed for ${def.id}`)), /waived/);
    }
  };
  const choiceSet = (card: unknown): { value?: string; choices: Array<{ value: string; title: string }> } => {
    const decideCard = nodesOfType(card, 'Action.ShowCard').find((a) => a.title === 'Record a decision') as { card: { body: Array<Record<string, unknown>> } } | undefined;
    assert.ok(decideCard, 'the checklist offers Record a decision');
    return decideCard.card.body.find((e) => e.id === 'gateId') as never;
  };

  it('answers a waiver from an older card with the waiver that stands, keeping its reason', async () => {
    const workloadId = await create('Truth Waiver');
    const revs = await revsOf(workloadId);
    const newer = await decide(priya, workloadId, 'performance-benchmarked', 'waive', 'reason A', revs, 'card-message-2');
    assert.equal(bannerStyle(newer), 'good');
    const older = await decide(priya, workloadId, 'performance-benchmarked', 'waive', 'reason B', revs, 'card-message-1');
    assert.match(cardText(older), /already waived by Priya Project on \w{3} \d+ \w{3} \d{4}, \d\d:\d\d UTC: reason A; yours was not recorded/);
    assert.equal(bannerStyle(older), 'attention');
    assert.equal((await stored(workloadId)).gates.find((g) => g.id === 'performance-benchmarked')?.reason, 'reason A');
  });

  it('answers a second Pass from an older card as not recorded, in the attention style', async () => {
    const workloadId = await create('Truth Pass');
    const revs = await revsOf(workloadId);
    assert.equal(bannerStyle(await decide(miguel, workloadId, 'assets-staged', 'pass', '', revs)), 'good');
    const again = await decide(miguel, workloadId, 'assets-staged', 'pass', '', revs);
    assert.match(cardText(again), /"Assets replicated and staged" is already passed by Miguel Engineer on .+ UTC; yours was not recorded/);
    assert.equal(bannerStyle(again), 'attention');
  });

  it('shows a failed gate in the attention style, with its reason', async () => {
    const workloadId = await create('Truth Fail');
    const card = await decide(miguel, workloadId, 'assets-staged', 'fail', 'replication lag');
    assert.match(cardText(card), /Miguel Engineer failed "Assets replicated and staged": replication lag\./);
    assert.equal(bannerStyle(card), 'attention');
  });

  it('names the stage under way, never a stage in the past tense before it is done', async () => {
    const workloadId = await create('Truth Stage');
    const fresh = cardText(await h.say(h.activities.message(priya, 'status Truth Stage', team)));
    assert.match(fresh, /Now\nStaging\n/);
    assert.doesNotMatch(fresh, /\nStaged\n/);
    await waiveUpTo(workloadId, 'assets-retired');
    const promoted = cardText(await h.say(h.activities.message(priya, 'status Truth Stage', team)));
    assert.match(promoted, /Now\nDecommission · promoted \w{3} \d+ \w{3} \d{4}\n/);
    assert.doesNotMatch(promoted, /Decommissioned/);
  });

  it('folds finished stages into one line each, opened with a tap, and keeps the finished checklist under half its former size', async () => {
    const workloadId = await create('Truth Fold');
    const fresh = await h.say(h.activities.message(priya, 'status Truth Fold', team));
    // Today 39 elements fresh and 40 finished: a fresh checklist is no taller than a finished one.
    assert.ok(elementCount(fresh) <= FINISHED_CHECKLIST_BEFORE / 2, `the fresh checklist has ${elementCount(fresh)} elements`);
    await waiveUpTo(workloadId, 'traffic-rerouted');
    const midway = await h.say(h.activities.message(priya, 'status Truth Fold', team));
    const toggles = nodesOfType(midway, 'Action.ToggleVisibility');
    assert.ok(toggles.length >= 8, 'every stage but the current one folds');
    assert.match(cardText(midway), /✅ Staging · 1 of 1 closed/);
    assert.match(cardText(midway), /▶️ Promotion\n⬜ Traffic rerouted/, 'the current stage is shown in full');
    await waiveUpTo(workloadId, 'retro-held');
    await decide(priya, workloadId, 'retro-held', 'waive', 'held in the wave review');
    const finished = await h.say(h.activities.message(priya, 'status Truth Fold', team));
    assert.match(cardText(finished), /Now\nReleased/);
    assert.ok(elementCount(finished) <= FINISHED_CHECKLIST_BEFORE / 2, `the finished checklist has ${elementCount(finished)} elements`);
  });

  it('preselects the next gate in Record a decision and offers only gates that can be decided now', async () => {
    const workloadId = await create('Truth Form');
    const card = await h.say(h.activities.message(priya, 'status Truth Form', team));
    const gates = choiceSet(card);
    assert.equal(gates.value, 'assets-staged');
    const offered = gates.choices.map((c) => c.value);
    assert.ok(!offered.includes('traffic-rerouted'), 'promotion waits for every earlier gate');
    assert.match(gates.choices.find((c) => c.value === 'change-notice-sent')!.title, /passed by Compose a notice/);
    assert.match(gates.choices.find((c) => c.value === 'uat-approved')!.title, /passed by Open a UAT cycle/);
    await decide(miguel, workloadId, 'assets-staged', 'pass', 'run 42');
    assert.equal(choiceSet(await h.say(h.activities.message(priya, 'status Truth Form', team))).value, 'change-plan-shared');
  });

  it('pages the history newest first, with a count and Older, down to the first event', async () => {
    const workloadId = await create('Truth History');
    await waiveUpTo(workloadId, 'retro-held');
    const latest = await h.say(h.activities.message(priya, 'history Truth History', team));
    // Created, two roles saved, and fifteen waivers.
    assert.match(cardText(latest), /18 events, newest first, showing 1–15/);
    assert.doesNotMatch(cardText(latest), /created Truth History/);
    const older = findAction(latest, 'history.show', { page: 1 });
    const page2 = (await h.post(h.activities.execute(priya, 'history.show', older.data, team))).body.value;
    assert.match(cardText(page2), /showing 16–18/);
    assert.match(cardText(page2), /Priya Project created Truth History and became its project manager/);
    assert.ok(!nodesOfType(page2, 'Action.Execute').some((a) => a.title === 'Older'), 'nothing older than the first event');
    findAction(page2, 'history.show', { page: 0 });
  });

  it('keeps duties apart: the CISO alone waives the CISO gate, and the one who promotes never waives promotion', async () => {
    const workloadId = await create('Truth Duties');
    // Miguel becomes a project manager too, and he is the migration engineer who promotes.
    await h.post(
      h.activities.execute(priya, 'roles.save', { workloadId, rolesRev: (await stored(workloadId)).rolesRev, role: 'projectManager', people: `${priya.aadObjectId},${miguel.aadObjectId}` }, team),
    );
    const ciso = await decide(miguel, workloadId, 'ciso-verification', 'waive', 'pen test next wave');
    assert.match(cardText(ciso), /Only the CISO can waive "CISO verification"/);
    assert.equal(bannerStyle(ciso), 'attention');
    assert.match(cardText(ciso), /CISO verification: .*Only the CISO can waive it\./, 'the card says so beside the gate');
    await waiveUpTo(workloadId, 'traffic-rerouted');
    const promote = await decide(miguel, workloadId, 'traffic-rerouted', 'waive', 'DNS later');
    assert.match(cardText(promote), /is not waived by the one who promotes \(the Migration engineer, or whoever recorded the cutover\)/);
    const gates = (await stored(workloadId)).gates;
    assert.equal(gates.find((g) => g.id === 'traffic-rerouted')?.status, 'pending');
    assert.equal(gates.find((g) => g.id === 'ciso-verification')?.decidedBy?.aadObjectId, priya.aadObjectId, 'the CISO waived it');
  });

  it('names the real workloads of the conversation when a command needs one, and which role was saved', async () => {
    const chat = groupChat('two-workloads');
    h.fake.setRoster(chat.conversationId, [{ id: teamsUserId(priya), name: priya.name, aadObjectId: priya.aadObjectId, tenantId: TENANT }]);
    await h.say(h.activities.message(priya, 'new Ledger One', chat));
    await h.say(h.activities.message(priya, 'new Ledger Two', chat));
    const hint = cardText(await h.say(h.activities.message(priya, 'uat', chat)));
    assert.match(hint, /Say which workload, for example: uat Ledger (One|Two), or uat Ledger (One|Two)\./);
    assert.doesNotMatch(hint, /Payroll API/);
    const workloadId = workloadIdIn(chat, 'ledger-one');
    const saved = await h.post(h.activities.execute(priya, 'roles.save', { workloadId, rolesRev: (await stored(workloadId)).rolesRev, role: 'ciso', people: priya.aadObjectId }, chat));
    assert.match(cardText(saved.body.value), /Roles saved: CISO → Priya Project\./);
  });

  it('saves several roles in one submit, names each role that changed, and says so when nothing did', async () => {
    const workloadId = await create('Truth Roles');
    const card = (await h.post(h.activities.execute(priya, 'roles.show', { workloadId }, team))).body.value;
    const pickers = nodesOfType(card, 'Input.ChoiceSet');
    assert.equal(pickers.length, 8, 'one people picker per role');
    assert.equal(pickers.find((p) => p.id === 'people_migrationEngineer')?.value, miguel.aadObjectId, 'current holders are picked already');
    const saves = nodesOfType(card, 'Action.Execute').filter((a) => a.verb === 'roles.save');
    assert.deepEqual(
      saves.map((a) => a.title),
      ['Save roles'],
    );
    const data = {
      ...(saves[0]!.data as Record<string, unknown>),
      people_businessOwner: priya.aadObjectId,
      people_uatTester: `${miguel.aadObjectId},${priya.aadObjectId}`,
      people_ciso: priya.aadObjectId,
    };
    const saved = (await h.post(h.activities.execute(priya, 'roles.save', data, team))).body.value;
    assert.match(cardText(saved), /Roles saved: Business owner → Priya Project; UAT tester → Miguel Engineer, Priya Project\./);
    assert.doesNotMatch(cardText(saved), /Roles saved: .*CISO/, 'an unchanged role is not named');
    assert.equal(bannerStyle(saved), 'good');
    const roles = (await stored(workloadId)).roles;
    assert.deepEqual(
      roles.uatTester.map((p) => p.name),
      ['Miguel Engineer', 'Priya Project'],
    );
    assert.equal(roles.businessOwner[0]?.name, 'Priya Project');
    const again = findAction(saved, 'roles.save');
    const rev = (await stored(workloadId)).rolesRev;
    const same = (await h.post(h.activities.execute(priya, 'roles.save', { ...again.data, people_businessOwner: priya.aadObjectId }, team))).body.value;
    assert.match(cardText(same), /Nothing changed: every role already has the people picked\./);
    assert.equal(bannerStyle(same), 'attention');
    assert.equal((await stored(workloadId)).rolesRev, rev, 'nothing was stored');
  });

  it('gives the sign-off card distinct button labels, the due time once, and no old red banner after a later success', async () => {
    const d = new SignoffDriver(h, teamChannel('truth-signoff'));
    const bea = person('Bea Truth');
    const tom = person('Tom Truth');
    d.roster([priya, bea, tom]);
    await d.createWorkload(priya, 'Truth Signoff', bea);
    const dueDate = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const opened = await d.open(priya, 'Truth Signoff', { testers: [tom], dueDate, dueTime: '17:00', timeZone: 'Europe/Paris' });
    const due = dueLabel({ date: dueDate, time: '17:00', timeZone: 'Europe/Paris' });
    const occurrences = (card: unknown): number => cardText(card).split(due).length - 1;
    assert.equal(occurrences(opened.card), 1, 'the shared card says the due time once');
    const beaView = (await d.view(bea, 'Truth Signoff', opened.cycleId!, 'manual', opened.messageId)).body.value;
    assert.equal(occurrences(beaView), 1, "the business owner's view says the due time once");
    const titles = [...nodesOfType(beaView, 'Action.ShowCard'), ...nodesOfType(beaView, 'Action.Execute')].map((a) => String(a.title));
    assert.deepEqual(
      titles.filter((t) => /cancel/i.test(t)),
      ['Cancel the cycle', 'Confirm: cancel cycle 1'],
    );
    assert.equal(new Set(titles).size, titles.length, `every button has its own label: ${titles.join(' | ')}`);

    const early = (await d.final(bea, 'Truth Signoff', opened.cycleId!, 'approve', 'too soon', opened.messageId)).body.value;
    assert.equal(bannerStyle(early), 'attention');
    await d.decide(tom, 'Truth Signoff', opened.cycleId!, 'approve', {}, opened.messageId);
    const signed = (await d.final(bea, 'Truth Signoff', opened.cycleId!, 'approve', 'Ready', opened.messageId)).body.value;
    assert.equal(bannerStyle(signed), 'good');
    const banners = nodesOfType(signed, 'Container').filter((c) => c.style === 'attention');
    assert.equal(banners.length, 0, 'the red banner of the early press is gone');
    assert.doesNotMatch(cardText(signed), /Bea Truth can give the final sign-off once|before the testers/);
  });

  it('runs a retro from the checklist: a pointer for an empty first press, lines kept, voted items only, the next step plainly, and the checklist message drawn again', async () => {
    const workloadId = await create('Truth Retro');
    await waiveUpTo(workloadId, 'assets-retired');
    const press = async (who: typeof priya, verb: string, data: Record<string, unknown>, message: string) =>
      (await h.post(h.activities.execute(who, verb, data, team, message))).body.value as Record<string, unknown>;
    const checklist = await h.say(h.activities.message(priya, 'status Truth Retro', team));
    const startCard = await press(priya, 'retro.new', findAction(checklist, 'retro.new').data, 'truth-checklist');
    const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
    const view = await press(
      priya,
      'retro.start',
      { ...findAction(startCard, 'retro.start').data, template: 'caf', anonymous: 'true', deadlineDate: inDays(7), deadlineTime: '17:00', timeZone: 'UTC', votes: '3' },
      'truth-checklist',
    );
    const ref = { workloadId, retroId: String(findAction(view, 'retro.entry.add').data.retroId) };

    const empty = await press(priya, 'retro.entry.add', ref, 'truth-view');
    assert.notEqual(bannerStyle(empty), 'attention', 'pressing Add my entries before typing is not an error');
    assert.match(cardText(empty), /Write your entries in the boxes under the questions/);

    const twoLines = await press(priya, 'retro.entry.add', { ...ref, q_well: 'Rehearsal went well\nThe DNS TTL was lowered in time' }, 'truth-view');
    assert.match(cardText(twoLines), /Rehearsal went well\n\nThe DNS TTL was lowered in time/, 'each line of the entry stays a line');
    await press(miguel, 'retro.entry.add', { ...ref, q_well: 'Replication finished early' }, 'miguel-view');

    const before = h.fake.updates('truth-checklist').length;
    await press(priya, 'retro.phase', { ...ref, from: 'collect' }, 'truth-view');
    await h.app.background.drain();
    const redrawn = h.fake.updates('truth-checklist').slice(before).at(-1)?.activity?.attachments?.[0]?.content;
    assert.ok(redrawn, 'the checklist message is drawn again after the reveal');
    assert.match(cardText(redrawn), /Retrospective 1 moved on: grouping similar entries/);
    assert.match(cardText(redrawn), /Retrospective 1: grouping similar entries/);

    await press(priya, 'retro.phase', { ...ref, from: 'group' }, 'truth-view');
    const { resources: entries } = await h.app.cosmos.workloads.items
      .query<{ id: string; text: string }>({ query: 'SELECT * FROM c WHERE c.workloadId = @w AND c.type = "entry"', parameters: [{ name: '@w', value: workloadId }] }, { partitionKey: workloadId })
      .fetchAll();
    const rehearsal = entries.find((e) => e.text.startsWith('Rehearsal'))!;
    await press(miguel, 'retro.vote', { ...ref, entryId: rehearsal.id, vote: 'add' }, 'miguel-view');
    await press(priya, 'retro.phase', { ...ref, from: 'vote' }, 'truth-view');
    const mark = h.fake.lastSeq;
    const closed = await press(priya, 'retro.close', { ...ref, noActions: true }, 'truth-view');
    assert.equal(bannerStyle(closed), 'good', 'closing happened; what the gate waits for is the next step');
    assert.match(
      cardText(closed),
      /Next: the retrospective gate passes once these gates are closed: Retired assets listed and switched off, savings noted, Cost reviewed after migration: planned against actual, optimizations taken\./,
    );
    assert.doesNotMatch(cardText(closed), /can't be passed|could not pass yet/, 'the view says it plainly too');
    await h.app.background.drain();
    const summary = h.fake.activities.find((r) => r.seq > mark && (r.kind === 'send' || r.kind === 'reply') && /summary/.test(JSON.stringify((r as { activity?: unknown }).activity)));
    const summaryCard = (summary as { activity?: { attachments?: Array<{ content: unknown }> } }).activity?.attachments?.[0]?.content;
    const summaryText = cardText(summaryCard);
    assert.match(summaryText, /Rehearsal went well\n\nThe DNS TTL was lowered in time \(1 vote\)/);
    assert.doesNotMatch(summaryText, /Replication finished early/, 'an entry nobody voted for is not a top item');
    assert.match(summaryText, /1 other entry with no votes\./);
    assert.doesNotMatch(summaryText, /could not pass yet|can't be passed/, 'no raw rule sentence');
    const gateLine = nodesOfType(summaryCard, 'TextBlock').find((t) => String(t.text).startsWith('Next:'));
    assert.ok(gateLine, 'the summary says what is next');
    assert.notEqual(gateLine.color, 'attention');

    const afterClose = h.fake.updates('truth-checklist').at(-1)?.activity?.attachments?.[0]?.content;
    assert.match(cardText(afterClose), /Retrospective 1 closed; its summary is posted in the channel\. Next: the retrospective gate passes once/);
    assert.equal(bannerStyle(afterClose), 'good');
    const { resources: markers } = await h.app.cosmos.workloads.items
      .query({ query: 'SELECT * FROM c WHERE c.workloadId = @w AND c.type = "cardSync"', parameters: [{ name: '@w', value: workloadId }] }, { partitionKey: workloadId })
      .fetchAll();
    assert.equal(markers.length, 0, 'every marker went once its message was drawn');
  });
});
