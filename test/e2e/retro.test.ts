import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import { cardText, findAction, Harness, PostResult, startHarness } from '../support/liftoff';
import { person } from '../support/builders';
import { inPartition } from '../support/partition';
import { personalChat, Place, teamChannel, teamsUserId, workloadIdIn } from '../support/teams';
import type { ActivityOpRecord } from '../support/fakeConnector';
import type { Workload } from '../../bot/release/model';
import type { Retro, RetroAction, RetroBallot, RetroEntry } from '../../bot/retro/model';

const SECRET = 'retro-test-secret-that-is-long-enough-0123456789';

/** A date a week from now, as a facilitator picks it on the start card. */
const inDays = (days: number): string => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);

describe('Retrospectives over HTTP, end to end', () => {
  let h: Harness;
  const priya = person('Priya Facilitator');
  const miguel = person('Miguel Migrator');
  const ana = person('Ana Analyst');
  const ben = person('Ben Builder');
  const olga = person('Olga Operator');
  const everyone = [priya, miguel, ana, ben, olga];

  /**
   * Each spec plays in a tenant and a team of its own, with its own Payroll API and Billing, and walks the
   * retrospective as far as it needs with the steps below: no spec reads what another left behind.
   */
  interface Scene {
    team: Place;
    payroll: string;
    billing: string;
    retro: Retro;
    cardMessageId?: string;
  }
  let s: Scene;
  let scenes = 0;

  before(async () => {
    h = await startHarness({ RETRO_PSEUDONYM_SECRET: SECRET });
  });
  after(() => h.close());

  beforeEach(async () => {
    scenes += 1;
    const tenantId = `7e57e000-0000-4000-8000-${String(scenes).padStart(12, '0')}`;
    const team = { ...teamChannel(`cutover-${scenes}`), tenantId };
    h.fake.setRoster(
      team.teamId!,
      everyone.map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId })),
    );
    s = { team, payroll: workloadIdIn(team, 'payroll-api'), billing: workloadIdIn(team, 'billing'), retro: undefined as unknown as Retro };
    await readyForPromotion('Payroll API', s.payroll);
  });

  /** Priya creates the workload; Miguel runs its migration and operations, and everything up to promotion is closed already. */
  async function readyForPromotion(name: string, workloadId: string): Promise<void> {
    await say(priya, `new ${name}`);
    // The release itself is specified in release.test.ts.
    const current = await stored(workloadId);
    const promotedAt = current.gates.findIndex((g) => g.id === 'traffic-rerouted');
    const gates = current.gates.map((g, i) => (i < promotedAt ? { ...g, status: 'passed' as const, rev: g.rev + 1 } : g));
    const engineer = [{ aadObjectId: miguel.aadObjectId, name: miguel.name }];
    const roles = { ...current.roles, migrationEngineer: engineer, cloudOperations: engineer };
    await h.app.cosmos.workloads.item(workloadId, workloadId).replace({ ...current, roles, rolesRev: current.rolesRev + 1, gates });
  }

  /** Billing, the team's second workload, for the specs that carry action items to it or retro it. */
  const addBilling = (): Promise<void> => readyForPromotion('Billing', s.billing);

  /** Everyone but Priya installs Liftoff for themselves; no reminder can reach her. */
  async function installPersonalChats(): Promise<void> {
    for (const p of [ana, ben, miguel, olga]) await h.post(h.activities.installation(p, 'add', { ...personalChat(p), tenantId: s.team.tenantId }));
  }

  const say = (who: typeof priya, text: string): Promise<any> => h.say(h.activities.message(who, text, s.team));

  async function stored(workloadId: string): Promise<Workload> {
    const { resource } = await h.app.cosmos.workloads.item(workloadId, workloadId).read<Workload>();
    assert.ok(resource);
    return resource;
  }

  async function docs<T>(type: string, workloadId = s.payroll): Promise<T[]> {
    return inPartition<T>(h.app.cosmos.workloads, workloadId, 'SELECT *', 'c.type = @type', { type });
  }

  async function press(who: typeof priya, verb: string, data: Record<string, unknown>, options: { trigger?: 'manual' | 'automatic'; messageId?: string } = {}): Promise<any> {
    const activity = h.activities.execute(who, verb, data, s.team, options.messageId ?? s.cardMessageId ?? 'start-card');
    if (options.trigger) (activity.value as { trigger: string }).trigger = options.trigger;
    const res = await h.post(activity);
    assert.equal(res.status, 200);
    assert.equal(res.body.statusCode, 200, JSON.stringify(res.body));
    return res.body.value;
  }

  const ref = () => ({ workloadId: s.retro.workloadId, retroId: s.retro.retroId });
  const currentRetro = async (): Promise<Retro> => (await docs<Retro>('retro')).find((r) => r.retroId === s.retro.retroId)!;
  const entries = async (): Promise<RetroEntry[]> => (await docs<RetroEntry>('entry')).filter((e) => e.retroId === s.retro.retroId);
  const pseudonym = (who: typeof priya): string => createHmac('sha256', SECRET).update(`${s.retro.retroId}:${who.aadObjectId}`).digest('base64url');
  const channelCardUpdate = (after: number) => h.fake.waitFor((r) => r.seq > after && r.kind === 'update' && r.activityId === s.cardMessageId) as Promise<ActivityOpRecord>;

  // The steps of the retrospective, each taking the one before it.

  /** Miguel records the traffic cutover from the checklist: Payroll API is promoted. */
  async function promote(): Promise<any> {
    const w = await stored(s.payroll);
    return press(
      miguel,
      'gate.decide',
      {
        workloadId: s.payroll,
        decision: 'pass',
        gateId: 'traffic-rerouted',
        revs: { 'traffic-rerouted': w.gates.find((g) => g.id === 'traffic-rerouted')!.rev },
        note: 'DNS switched at 02:00',
      },
      { messageId: 'checklist-1' },
    );
  }

  /** Priya starts an anonymous CAF retro with 3 votes each and a deadline in a week; its card is posted in the channel. */
  async function start(): Promise<{ card: any; date: string; post: ActivityOpRecord }> {
    await promote();
    const before = h.fake.lastSeq;
    const date = inDays(7);
    const card = await press(
      priya,
      'retro.start',
      { workloadId: s.payroll, template: 'caf', anonymous: 'true', deadlineDate: date, deadlineTime: '17:00', timeZone: 'Europe/Paris', votes: '3' },
      { messageId: 'start-card' },
    );
    const [started] = await docs<Retro>('retro');
    assert.ok(started);
    s.retro = started;
    const post = (await h.fake.waitFor((r) => r.seq > before && (r.kind === 'send' || r.kind === 'reply') && r.conversationId === s.team.conversationId)) as ActivityOpRecord;
    s.cardMessageId = post.activityId;
    return { card, date, post };
  }

  /** Ana, Ben and Miguel add five entries; Olga and Priya add none. */
  async function collect(): Promise<{ mark: number; anaView: any; benView: any; miguelView: any }> {
    await start();
    const mark = h.fake.lastSeq;
    const anaView = await press(ana, 'retro.entry.add', { ...ref(), q_well: 'The DNS cutover took four minutes', q_better: 'Runbook was outdated' });
    const benView = await press(ben, 'retro.entry.add', { ...ref(), q_better: 'Nobody told the help desk', q_learned: 'Rehearse the rollback' });
    const miguelView = await press(miguel, 'retro.entry.add', { ...ref(), q_well: 'Replication finished early' });
    return { mark, anaView, benView, miguelView };
  }

  /** Nine lessons arrive at once, three from each of Ana, Ben and Miguel, the first of them twice. */
  async function learn(): Promise<PostResult[]> {
    await collect();
    const people = [ana, ben, miguel];
    const invokes = people.flatMap((p, i) => [1, 2, 3].map((n) => h.activities.execute(p, 'retro.entry.add', { ...ref(), q_learned: `Lesson ${n} from person ${i}` }, s.team, s.cardMessageId)));
    return Promise.all([...invokes, invokes[0]!].map((a) => h.post(a)));
  }

  /** Priya closes the collection: the entries are revealed for grouping. */
  async function group(): Promise<void> {
    await learn();
    await press(priya, 'retro.phase', { ...ref(), from: 'collect' });
  }

  /** The lessons 1 of Ben and Miguel, merged into Ana's. */
  const mergeRequest = (all: RetroEntry[]) => {
    const into = all.find((e) => e.text === 'Lesson 1 from person 0')!;
    const from = all.filter((e) => e.text === 'Lesson 1 from person 1' || e.text === 'Lesson 1 from person 2');
    return { into, from, data: { ...ref(), into: into.id, from: from.map((e) => e.id).join(',') } };
  };

  /** Priya merges the similar lessons and opens the vote; answers the entries left to vote on, in text order. */
  async function vote(): Promise<RetroEntry[]> {
    await group();
    await press(priya, 'retro.merge', mergeRequest(await entries()).data);
    await press(priya, 'retro.phase', { ...ref(), from: 'group' });
    return (await entries()).filter((e) => !e.mergedInto).sort((a, b) => a.text.localeCompare(b.text));
  }

  /** Ana and Ben use their 3 votes; Miguel, Olga and Priya vote for the third entry, which has 4 votes then. */
  async function voted(): Promise<RetroEntry[]> {
    const votable = await vote();
    await Promise.all([votesOfAnaAndBen(votable), ...[miguel, olga, priya].map((p) => press(p, 'retro.vote', { ...ref(), entryId: votable[2]!.id, vote: 'add' }))]);
    return votable;
  }

  /** Ana votes for the second to fourth entries, Ben for the fifth to seventh, each one click after the other. */
  async function votesOfAnaAndBen(votable: RetroEntry[]): Promise<void> {
    const clicks = async (who: typeof priya, chosen: RetroEntry[]) => {
      for (const e of chosen) await press(who, 'retro.vote', { ...ref(), entryId: e.id, vote: 'add' });
    };
    await Promise.all([clicks(ana, votable.slice(1, 4)), clicks(ben, votable.slice(4, 7))]);
  }

  /** Priya closes the vote: the tallies are frozen and action items come next. */
  async function act(): Promise<any> {
    await voted();
    return press(priya, 'retro.phase', { ...ref(), from: 'vote' });
  }

  /** Priya plans Wave 3 with Payroll API (waves are specified in waves.test.ts); planning it again is a retry. */
  async function planWave3(): Promise<void> {
    assert.match(cardText(await press(priya, 'wave.plan', { name: 'Wave 3', start: inDays(0), end: inDays(14), workloads: s.payroll })), /Wave 3 is planned|Wave 3: /);
  }

  /** Priya records two action items: one for Miguel in Wave 3, one for Ana on Billing. */
  async function recordActions(): Promise<[any, any]> {
    await addBilling();
    await planWave3();
    const first = await press(priya, 'retro.action.add', { ...ref(), actionText: 'Add the firewall step to the cutover runbook', owner: miguel.aadObjectId, due: inDays(14), wave: 'Wave 3' });
    const second = await press(priya, 'retro.action.add', { ...ref(), actionText: 'Brief the help desk a week before cutover', owner: ana.aadObjectId, due: inDays(10), targetWorkload: s.billing });
    return [first, second];
  }

  /** Priya closes the retrospective with its two action items. */
  async function close(): Promise<any> {
    await act();
    await recordActions();
    return press(priya, 'retro.close', { ...ref(), noActions: false });
  }

  describe('start', () => {
    it('offers the retrospective on the checklist as soon as the workload is promoted', async () => {
      const before = await say(priya, 'status Payroll API');
      assert.throws(() => findAction(before, 'retro.new'), 'no offer before promotion');
      const card = await promote();
      assert.match(cardText(card), /Payroll API is promoted: time for the team to look back/);
      assert.deepEqual(findAction(card, 'retro.new').data, { workloadId: s.payroll });
    });

    it('shows the start card with the CAF questions by default, the other templates, and a deadline with a time zone', async () => {
      await promote();
      const card = await press(priya, 'retro.new', { workloadId: s.payroll }, { messageId: 'checklist-1' });
      const json = JSON.stringify(card);
      assert.match(cardText(card), /Start the retrospective of Payroll API/);
      for (const text of ['What went well?', 'What could have been better?', 'What did we learn?', 'Start, Stop, Continue', 'Mad, Sad, Glad', '4Ls']) assert.ok(json.includes(text), text);
      assert.match(json, /"id":"timeZone"/);
      assert.match(json, /Europe\/Paris/);
      assert.equal(findAction(card, 'retro.start').data.workloadId, s.payroll);
    });

    it('lets only a project manager start it', async () => {
      await promote();
      const card = await press(ana, 'retro.start', { workloadId: s.payroll, template: 'caf', anonymous: 'true', deadlineDate: inDays(7), deadlineTime: '17:00', timeZone: 'Europe/Paris', votes: '3' });
      assert.match(cardText(card), /Only a project manager of Payroll API can start its retrospective/);
      assert.equal((await docs('retro')).length, 0);
    });

    it('refuses a deadline in the past or without a time zone', async () => {
      await promote();
      const past = await press(priya, 'retro.start', { workloadId: s.payroll, deadlineDate: '2020-01-01', deadlineTime: '17:00', timeZone: 'Europe/Paris' });
      assert.match(cardText(past), /The deadline has to lie in the future/);
      const nowhere = await press(priya, 'retro.start', { workloadId: s.payroll, deadlineDate: inDays(7), deadlineTime: '17:00', timeZone: 'Mars/Olympus' });
      assert.match(cardText(nowhere), /Pick a time zone/);
      assert.equal((await docs('retro')).length, 0);
    });

    it('starts an anonymous retro, posts its card in the channel for everyone, and shows the facilitator their view', async () => {
      const { card, date, post } = await start();
      assert.match(cardText(card), /Retrospective started\. Its card is posted in the channel/);
      const retro = s.retro;
      assert.equal(retro.anonymous, true);
      assert.equal(retro.phase, 'collect');
      assert.equal(retro.facilitator.aadObjectId, priya.aadObjectId);
      // 17:00 in Paris is 15:00 or 16:00 UTC, by daylight saving time.
      const offset = (Date.parse(`${date}T17:00:00Z`) - Date.parse(retro.deadline.at)) / 3600000;
      assert.ok(offset === 1 || offset === 2, `Paris is 1 or 2 hours ahead of UTC, not ${offset}`);
      assert.equal(retro.deadline.timeZone, 'Europe/Paris');

      assert.equal(retro.messageId ?? (await currentRetro()).messageId, s.cardMessageId);
      const shared = post.activity?.attachments?.[0]?.content;
      assert.match(cardText(shared), /Retrospective of Payroll API/);
      assert.match(cardText(shared), /0 entries so far from 0 people/);
      assert.equal(shared.refresh.action.verb, 'retro.view');
      assert.deepEqual([...shared.refresh.userIds].sort(), everyone.map(teamsUserId).sort(), 'every member of the team gets their own view');
    });

    it('answers a second start with the running retro instead of starting another', async () => {
      await start();
      const card = await press(priya, 'retro.start', { workloadId: s.payroll, deadlineDate: inDays(7), deadlineTime: '17:00', timeZone: 'UTC' });
      assert.match(cardText(card), /already running/);
      assert.equal((await docs('retro')).length, 1);
    });
  });

  describe('collect', () => {
    it('lets each person add entries and see only their own and the total count; the channel card shows counts only', async () => {
      const { mark, anaView, benView, miguelView } = await collect();
      assert.match(cardText(anaView), /Added 2 entries\. Only you see them/);
      const benText = cardText(benView);
      assert.match(benText, /Nobody told the help desk/);
      assert.doesNotMatch(benText, /Runbook was outdated/, 'Ben does not see what Ana wrote');
      assert.match(benText, /4 entries from 2 people so far/);
      assert.doesNotMatch(cardText(miguelView), /DNS cutover|help desk/);

      const update = await channelCardUpdate(mark);
      const shared = JSON.stringify(update.activity);
      for (const text of ['DNS cutover', 'Runbook', 'help desk', 'Rehearse', 'Replication']) assert.ok(!shared.includes(text), `the channel card does not show "${text}"`);
      await h.app.background.drain();
      const latest = h.fake.updates(s.cardMessageId!).at(-1)!;
      assert.match(cardText(latest.activity?.attachments?.[0]?.content), /5 entries so far from 3 people/);
    });

    it("answers an automatic refresh with the person's own view and never updates the message from it", async () => {
      await collect();
      await h.app.background.drain();
      const mark = h.fake.lastSeq;
      const view = await press(ana, 'retro.view', ref(), { trigger: 'automatic' });
      assert.match(cardText(view), /The DNS cutover took four minutes/);
      assert.doesNotMatch(cardText(view), /help desk/);
      await h.app.background.drain();
      assert.equal(h.fake.activities.filter((r) => r.seq > mark).length, 0, 'nothing was sent or updated');
    });

    it('keeps no author id, Teams id or name in the stored entries of an anonymous retro, only the pseudonym', async () => {
      await collect();
      const stored = await entries();
      assert.equal(stored.length, 5);
      const raw = JSON.stringify(stored);
      for (const p of everyone) {
        assert.ok(!raw.includes(p.aadObjectId), `no AAD object id of ${p.name}`);
        assert.ok(!raw.includes(teamsUserId(p)), `no Teams id of ${p.name}`);
        assert.ok(!raw.includes(p.name) && !raw.includes(p.name.split(' ')[0]!), `no name of ${p.name}`);
      }
      for (const e of stored) {
        assert.deepEqual(
          Object.keys(e)
            .filter((k) => !k.startsWith('_'))
            .sort(),
          ['authorKey', 'createdAt', 'id', 'questionId', 'retroId', 'text', 'type', 'workloadId'],
        );
      }
      assert.deepEqual(new Set(stored.map((e) => e.authorKey)), new Set([ana, ben, miguel].map(pseudonym)), 'the author key is HMAC-SHA256(secret, retroId:aadObjectId)');
    });

    it("lets a person change and delete their own entry, and nobody else's", async () => {
      await collect();
      const [anasEntry] = (await entries()).filter((e) => e.authorKey === pseudonym(ana) && e.questionId === 'better');
      assert.ok(anasEntry);
      const refused = await press(ben, 'retro.entry.edit', { ...ref(), entryId: anasEntry.id, text: 'Ana was wrong' });
      assert.match(cardText(refused), /You can change only your own entries/);
      const notDeleted = await press(olga, 'retro.entry.delete', { ...ref(), entryId: anasEntry.id });
      assert.match(cardText(notDeleted), /You can delete only your own entries/);
      assert.equal((await entries()).find((e) => e.id === anasEntry.id)?.text, 'Runbook was outdated');

      const edited = await press(ana, 'retro.entry.edit', { ...ref(), entryId: anasEntry.id, text: 'The runbook missed the firewall step' });
      assert.match(cardText(edited), /Your entry is changed/);
      assert.match(cardText(edited), /The runbook missed the firewall step/);
      assert.equal((await entries()).find((e) => e.id === anasEntry.id)?.text, 'The runbook missed the firewall step');

      await press(ana, 'retro.entry.add', { ...ref(), q_learned: 'A typo to remove' });
      const typo = (await entries()).find((e) => e.text === 'A typo to remove')!;
      const deleted = await press(ana, 'retro.entry.delete', { ...ref(), entryId: typo.id });
      assert.match(cardText(deleted), /Your entry is deleted/);
      assert.equal(
        (await entries()).some((e) => e.id === typo.id),
        false,
      );
    });

    it('loses no entry when many arrive at once, and stores a retried one once', async () => {
      const results = await learn();
      assert.ok(results.every((r) => r.status === 200 && r.body.statusCode === 200));
      const lessons = (await entries()).filter((e) => e.text.startsWith('Lesson '));
      assert.equal(lessons.length, 9, 'every entry stored, the retried one once');
    });
  });

  describe('reminders', () => {
    it("reminds one to one only those who have not contributed, without anyone's entries, and names who cannot be reached", async () => {
      await installPersonalChats();
      await learn();
      await h.app.background.drain();
      const mark = h.fake.lastSeq;
      const card = await press(priya, 'retro.remind', ref());
      // Olga and Priya have written nothing; Priya has no personal chat with Liftoff.
      assert.match(cardText(card), /Reminding 1 of the 2 people who have not added an entry yet/);
      assert.match(cardText(card), /Not reachable: Priya Facilitator\./);
      const reminder = (await h.fake.waitFor((r) => r.seq > mark && (r.kind === 'send' || r.kind === 'reply') && r.conversationId === personalChat(olga).conversationId)) as ActivityOpRecord;
      const text = cardText(reminder.activity?.attachments?.[0]?.content);
      assert.match(text, /Priya Facilitator reminds you to add your entries/);
      for (const t of ['DNS cutover', 'runbook', 'help desk', 'Lesson']) assert.ok(!text.includes(t), `the reminder does not show "${t}"`);
      await h.app.background.drain();
      assert.equal(h.fake.activities.filter((r) => r.seq > mark && (r.kind === 'send' || r.kind === 'reply')).length, 1, 'nobody who contributed is reminded');
      const again = await press(priya, 'retro.remind', ref());
      assert.match(cardText(again), /Reminders went out less than 10 minutes ago/);
    });

    it('answers the retro-remind command with counts, never names, in the channel', async () => {
      await installPersonalChats();
      await collect();
      assert.match(cardText(await press(priya, 'retro.remind', ref())), /Reminding 1 of the 2 people/);
      const card = await say(priya, 'retro-remind Payroll API');
      assert.match(cardText(card), /Reminders went out less than 10 minutes ago/);
      assert.doesNotMatch(cardText(card), /Olga|Priya Facilitator/);
    });

    it('lets only the facilitator send reminders', async () => {
      await collect();
      const card = await press(ben, 'retro.remind', ref());
      assert.match(cardText(card), /Only the facilitator, Priya Facilitator, or a project manager sends reminders/);
      assert.doesNotMatch(cardText(card), /Not reachable/);
    });
  });

  describe('group', () => {
    it('lets only the facilitator move on, and a retried move changes nothing', async () => {
      await learn();
      const refused = await press(ana, 'retro.phase', { ...ref(), from: 'collect' });
      assert.match(cardText(refused), /Only the facilitator, Priya Facilitator, or a project manager moves the retrospective along/);
      assert.equal((await currentRetro()).phase, 'collect');
      const moved = await press(priya, 'retro.phase', { ...ref(), from: 'collect' });
      assert.match(cardText(moved), /The retrospective moved on: grouping similar entries/);
      const retried = await press(priya, 'retro.phase', { ...ref(), from: 'collect' });
      assert.doesNotMatch(cardText(retried), /out of date/);
      const current = await currentRetro();
      assert.equal(current.phase, 'group');
      assert.equal(current.rev, 2);
    });

    it('reveals every entry to everyone, without authors in an anonymous retro, and refuses new entries', async () => {
      await group();
      const view = await press(olga, 'retro.view', ref());
      const text = cardText(view);
      for (const t of ['The DNS cutover took four minutes', 'Nobody told the help desk', 'Replication finished early']) assert.match(text, new RegExp(t));
      for (const p of [ana, ben, miguel]) assert.ok(!text.includes(p.name), `${p.name} is not named`);
      const late = await press(ana, 'retro.entry.add', { ...ref(), q_well: 'Too late' });
      assert.match(cardText(late), /closed the collection of entries/);
    });

    it('lets the facilitator merge similar entries from the card', async () => {
      await group();
      const { into, from, data } = mergeRequest(await entries());
      const facilitatorView = await press(priya, 'retro.view', ref());
      assert.equal(findAction(facilitatorView, 'retro.merge').verb, 'retro.merge');
      const refused = await press(ana, 'retro.merge', data);
      assert.match(cardText(refused), /Only the facilitator/);
      const merged = await press(priya, 'retro.merge', data);
      assert.match(cardText(merged), /Merged 2 entries/);
      assert.match(cardText(merged), /\+ 2 similar entries/);
      const after = await entries();
      for (const e of from) assert.equal(after.find((x) => x.id === e.id)?.mergedInto, into.id);
    });
  });

  describe('vote', () => {
    it('gives each person 3 votes, refuses a fourth, and lets them take one back', async () => {
      const votable = await vote();
      for (const e of votable.slice(0, 3)) assert.match(cardText(await press(ana, 'retro.vote', { ...ref(), entryId: e.id, vote: 'add' })), /Your vote is counted/);
      const fourth = await press(ana, 'retro.vote', { ...ref(), entryId: votable[3]!.id, vote: 'add' });
      assert.match(cardText(fourth), /You have used all 3 of your votes/);
      const back = await press(ana, 'retro.vote', { ...ref(), entryId: votable[0]!.id, vote: 'remove' });
      assert.match(cardText(back), /You have 1 of 3 votes left/);
      assert.match(cardText(await press(ana, 'retro.vote', { ...ref(), entryId: votable[3]!.id, vote: 'add' })), /You have 0 of 3 votes left/);
      const ballots = await docs<RetroBallot>('ballot');
      assert.deepEqual(ballots.find((b) => b.voterKey === pseudonym(ana))?.entryIds.sort(), [votable[1]!.id, votable[2]!.id, votable[3]!.id].sort());
    });

    it("never passes the limit when one person's votes arrive at once", async () => {
      const votable = await vote();
      const clicks = votable.slice(4, 12).map((e) => h.post(h.activities.execute(ben, 'retro.vote', { ...ref(), entryId: e.id, vote: 'add' }, s.team, s.cardMessageId)));
      const answers = (await Promise.all(clicks)).map((r) => cardText(r.body.value));
      assert.equal(answers.filter((t) => /Your vote is counted/.test(t)).length, 3);
      assert.equal(answers.filter((t) => /You have used all 3 of your votes/.test(t)).length, 5);
      const ballot = (await docs<RetroBallot>('ballot')).find((b) => b.voterKey === pseudonym(ben))!;
      assert.equal(ballot.entryIds.length, 3);
    });

    it('counts votes of many people at once, one ballot each', async () => {
      // Ana and Ben have voted already, Ana for the third entry among others.
      const votable = await vote();
      await votesOfAnaAndBen(votable);
      await Promise.all([miguel, olga, priya].map((p) => press(p, 'retro.vote', { ...ref(), entryId: votable[2]!.id, vote: 'add' })));
      const ballots = await docs<RetroBallot>('ballot');
      assert.equal(ballots.length, 5);
      assert.equal(ballots.filter((b) => b.entryIds.includes(votable[2]!.id)).length, 4);
    });

    it('hides tallies until voting closes, and keeps who voted for what out of storage', async () => {
      await voted();
      const view = await press(olga, 'retro.view', ref());
      assert.doesNotMatch(cardText(view), /\d+ votes?\b(?! left| per person)/, "no tally on a voter's view");
      assert.match(cardText(view), /Tallies stay hidden until voting closes/);
      const raw = JSON.stringify(await docs('ballot'));
      for (const p of everyone) assert.ok(!raw.includes(p.aadObjectId) && !raw.includes(teamsUserId(p)) && !raw.includes(p.name), `no trace of ${p.name} in ballots`);
      await h.app.background.drain();
      const shared = cardText(h.fake.updates(s.cardMessageId!).at(-1)?.activity?.attachments?.[0]?.content);
      assert.match(shared, /5 people have voted; tallies stay hidden until voting closes/);
    });
  });

  describe('act and close', () => {
    it('shows the tallies once the facilitator closes the vote, most votes first', async () => {
      const card = await act();
      assert.match(cardText(card), /Agreeing on action items/);
      assert.match(cardText(card), /4 votes/);
      const current = await currentRetro();
      assert.ok(current.tallies && Object.values(current.tallies).includes(4), 'the tallies are frozen on the retro');
      const late = await press(ben, 'retro.vote', { ...ref(), entryId: Object.keys(current.tallies)[0]!, vote: 'remove' });
      assert.match(cardText(late), /Voting has closed/);
    });

    it('refuses to close without action items or an explicit decision', async () => {
      await act();
      const card = await press(priya, 'retro.close', { ...ref(), noActions: false });
      assert.match(cardText(card), /Record at least one action item, or close with "No actions needed"/);
      assert.equal((await currentRetro()).phase, 'act');
    });

    it('lets the facilitator record action items with an owner from the roster, a due date and a target', async () => {
      await act();
      const view = await press(priya, 'retro.view', ref());
      assert.match(JSON.stringify(view), new RegExp(miguel.aadObjectId), 'owners come from the roster');
      assert.equal(findAction(view, 'retro.action.add').verb, 'retro.action.add');
      const unplanned = await press(priya, 'retro.action.add', { ...ref(), actionText: 'x', owner: miguel.aadObjectId, due: inDays(10), wave: 'Wave 9' });
      assert.match(cardText(unplanned), /This team has no wave named "Wave 9"\. Plan it first/);
      await planWave3();
      const byOthers = await press(ana, 'retro.action.add', { ...ref(), actionText: 'x', owner: ana.aadObjectId, due: inDays(10), wave: 'Wave 3' });
      assert.match(cardText(byOthers), /Only the facilitator/);
      const stranger = await press(priya, 'retro.action.add', { ...ref(), actionText: 'Fix it', owner: 'someone-else', due: inDays(10), wave: 'Wave 3' });
      assert.match(cardText(stranger), /Pick an owner from the members of this team/);

      const [first, second] = await recordActions();
      assert.match(cardText(first), /Action item recorded for Miguel Migrator/);
      assert.match(cardText(second), /Brief the help desk a week before cutover: Ana Analyst, due .*, for Billing/);
      const actions = await docs<RetroAction>('action');
      assert.equal(actions.length, 2);
      assert.deepEqual(
        actions.map((a) => a.target).sort((a, b) => a.kind.localeCompare(b.kind)),
        [
          { kind: 'wave', waveId: 'wave-wave-3', name: 'Wave 3' },
          { kind: 'workload', workloadId: s.billing, name: 'Billing' },
        ].sort((a, b) => a.kind.localeCompare(b.kind)),
      );
    });

    it('closes, posts the summary in the channel, and says why the retrospective gate waits for decommission', async () => {
      await act();
      await recordActions();
      const mark = h.fake.lastSeq;
      const card = await press(priya, 'retro.close', { ...ref(), noActions: false });
      assert.match(cardText(card), /Closed\. The summary is posted in the channel/);
      assert.match(cardText(card), /Next: the retrospective gate passes once these gates are closed: .*Retired assets listed and switched off/);
      const summary = (await h.fake.waitFor((r) => r.seq > mark && (r.kind === 'send' || r.kind === 'reply') && r.conversationId === s.team.conversationId)) as ActivityOpRecord;
      const text = cardText(summary.activity?.attachments?.[0]?.content);
      assert.match(text, /Retrospective of Payroll API: summary/);
      assert.match(text, /Entries\n\d+/);
      assert.match(text, /People who took part\n3/);
      assert.match(text, /\(4 votes\)/, 'the top-voted entries with their votes');
      assert.match(text, /Add the firewall step to the cutover runbook: Miguel Migrator/);
      assert.match(text, /Brief the help desk a week before cutover: Ana Analyst/);
      for (const p of [ana, ben, olga]) assert.ok(!text.includes(`(${p.name})`), 'no author in an anonymous summary');
      assert.equal((await currentRetro()).phase, 'closed');
      assert.equal((await stored(s.payroll)).gates.find((g) => g.id === 'retro-held')?.status, 'pending');
    });

    it('passes the retrospective gate, in the audit trail, once the earlier gates are closed', async () => {
      await close();
      const w = await stored(s.payroll);
      await press(
        miguel,
        'gate.decide',
        { workloadId: s.payroll, decision: 'pass', gateId: 'assets-retired', revs: { 'assets-retired': w.gates.find((g) => g.id === 'assets-retired')!.rev }, note: '12 VMs off' },
        { messageId: 'checklist-1' },
      );
      // The cost review (its own spec: decommission.test.ts) comes before the retrospective; the project manager waives it here.
      const reviewed = (await stored(s.payroll)).gates.find((g) => g.id === 'cost-reviewed')!;
      await press(
        priya,
        'gate.decide',
        { workloadId: s.payroll, decision: 'waive', gateId: 'cost-reviewed', revs: { 'cost-reviewed': reviewed.rev }, note: 'Reviewed with the wave in January' },
        { messageId: 'checklist-1' },
      );
      assert.equal((await stored(s.payroll)).gates.find((g) => g.id === 'cost-reviewed')?.status, 'waived');
      const checklist = await say(priya, 'status Payroll API');
      const record = findAction(checklist, 'retro.gate');
      const card = await press(priya, 'retro.gate', record.data);
      assert.match(cardText(card), /The retrospective gate of the release checklist passed/);
      const gate = (await stored(s.payroll)).gates.find((g) => g.id === 'retro-held');
      assert.equal(gate?.status, 'passed');
      assert.equal(gate?.decidedBy?.aadObjectId, priya.aadObjectId);
      assert.match(gate?.evidence ?? '', /closed with 2 action items/);
      const history = cardText(await say(olga, 'history Payroll API'));
      assert.match(history, /"Retrospective held, action items recorded" passed for Priya Facilitator/);
    });
  });

  describe('carry forward', () => {
    it('shows open action items on the checklist of every workload of the team', async () => {
      await close();
      const card = await say(olga, 'status Billing');
      const text = cardText(card);
      assert.match(text, /Open action items from earlier retros/);
      assert.match(text, /Add the firewall step to the cutover runbook: Miguel Migrator, due .*, for Wave 3 \(retro of Payroll API\)/);
      assert.match(text, /Brief the help desk a week before cutover: Ana Analyst/);
    });

    it('shows them at the start of the next retro', async () => {
      await close();
      const next = await say(priya, 'retro Billing');
      assert.match(cardText(next), /Open action items from earlier retros\n(.*\n)?.*Add the firewall step/);
    });

    it('lets the owner close their action item from a card, and nobody else', async () => {
      await close();
      const card = await say(ben, 'actions');
      const action = (await docs<RetroAction>('action')).find((a) => a.owner.aadObjectId === miguel.aadObjectId)!;
      const done = findAction(card, 'retro.action.done', { actionId: action.id });
      const refused = await press(ben, 'retro.action.done', done.data);
      assert.match(cardText(refused), /Only Miguel Migrator, who owns it, or the facilitator Priya Facilitator can close this action item/);
      const closed = await press(miguel, 'retro.action.done', done.data);
      assert.match(cardText(closed), /Done: Add the firewall step/);
      assert.equal((await docs<RetroAction>('action')).find((a) => a.id === action.id)?.status, 'done');
      const billing = cardText(await say(olga, 'status Billing'));
      assert.doesNotMatch(billing, /Add the firewall step/);
      assert.match(billing, /Brief the help desk/);
    });
  });

  describe('a named retro', () => {
    it('shows authors once revealed, and closes with an explicit "no actions" decision', async () => {
      await addBilling();
      await press(priya, 'retro.start', {
        workloadId: s.billing,
        template: 'madSadGlad',
        anonymous: 'false',
        deadlineDate: inDays(3),
        deadlineTime: '09:30',
        timeZone: 'America/New_York',
        votes: '2',
      });
      const [named] = await docs<Retro>('retro', s.billing);
      assert.ok(named);
      assert.equal(named.anonymous, false);
      const nref = { workloadId: named.workloadId, retroId: named.retroId };
      await press(ana, 'retro.entry.add', { ...nref, q_glad: 'Billing cut over cleanly' });
      const [entry] = await docs<RetroEntry>('entry', named.workloadId);
      assert.deepEqual(entry?.author, ana, 'a named entry keeps its author');
      for (const from of ['collect', 'group', 'vote'] as const) await press(priya, 'retro.phase', { ...nref, from });
      const view = await press(ben, 'retro.view', nref);
      assert.match(cardText(view), /Billing cut over cleanly\nAna Analyst/);
      const closed = await press(priya, 'retro.close', { ...nref, noActions: true });
      assert.match(cardText(closed), /Closed\./);
      const current = (await docs<Retro>('retro', named.workloadId))[0]!;
      assert.equal(current.phase, 'closed');
      assert.equal(current.noActions, true);
    });
  });

  describe('edges', () => {
    it('answers a retro verb with malformed data by a typed error', async () => {
      await start();
      const res = await h.post(h.activities.execute(priya, 'retro.vote', { workloadId: s.payroll, retroId: s.retro.retroId, entryId: 'x', vote: 'many' }, s.team));
      assert.equal(res.body.statusCode, 400);
      assert.match(res.body.value.message, /This card is damaged or out of date/);
    });

    it('does not let card data reach a retro of another tenant', async () => {
      await start();
      const foreign = { ...s.team, tenantId: '11111111-2222-3333-4444-555555555555' };
      const res = await h.post(h.activities.execute(priya, 'retro.view', ref(), foreign));
      assert.match(cardText(res.body.value), /no longer exists or is not part of your organization/);
    });
  });
});
