import { strict as assert } from 'node:assert';
import { bannerStyle, cardText, elementCount, findAction, Harness, startHarness } from '../support/liftoff';
import { nodesOfType } from '../support/cards';
import { person, TENANT } from '../support/builders';
import { groupChat, teamChannel, teamsUserId, workloadIdIn } from '../support/teams';
import { GATE_CATALOGUE, type Workload } from '../../bot/release/model';

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
    assert.match(cardText(promote), /is not waived by the one who promotes \(Migration engineer\)/);
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
    assert.match(cardText(saved.body.value), /CISO saved: Priya Project now holds it\./);
  });
});
