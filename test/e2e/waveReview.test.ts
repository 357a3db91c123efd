import { strict as assert } from 'node:assert';
import type { Person } from '../../bot/release/model';
import { teamPartitionOf } from '../../bot/release/rules';
import type { CosmosStore } from '../../bot/store/cosmos';
import type { Wave, WaveEvent, WaveReview } from '../../bot/waves/model';
import { person } from '../support/builders';
import { embeddedStore } from '../support/cosmos';
import { FakeConnector, startFakeConnector } from '../support/fakeConnector';
import { bannerStyle, cardText, findAction, Harness, startHarness } from '../support/liftoff';
import { partitionDocs, readyForPromotion, teamOfOwnIn } from '../support/release';
import { personalChat, Place, workloadIdIn } from '../support/teams';

const DAY = 86_400_000;
/** Tuesday 1 December 2026, 09:00 UTC: Wave 3 runs from today to Friday the 4th. */
const T0 = Date.parse('2026-12-01T09:00:00.000Z');

/** The cards the fake connector got in a conversation after a point (proactive sends only). */
function cardsSentTo(fake: FakeConnector, conversationId: string, after: number): unknown[] {
  return fake.activities
    .filter((r) => r.seq > after && r.kind === 'send' && r.conversationId === conversationId)
    .map((r) => (r as { activity?: { attachments?: Array<{ content: unknown }> } }).activity?.attachments?.[0]?.content);
}

describe('the priorities review Liftoff opens by itself when a wave ends, over HTTP', () => {
  const priya = person('Priya PM');
  const bea = person('Bea Business');
  const bob = person('Bob Budget');
  const carol = person('Carol Commerce');
  const eve = person('Eve Elsewhere');
  const miguel = person('Miguel Migrator');

  let store: CosmosStore;
  let fake: FakeConnector;
  let h: Harness;
  let now = T0;
  let team: Place;
  let scenes = 0;
  const ids = { payroll: '', billing: '', hr: '', ledger: '', crm: '' };

  const start = (): Promise<Harness> => startHarness({ FOLLOW_UP_SWEEP_SECONDS: '0' }, { store, fake, clock: () => new Date(now) });

  beforeEach(async () => {
    scenes += 1;
    now = T0;
    store = await embeddedStore();
    fake = await startFakeConnector();
    const tenantId = `3e7e0000-0000-4000-8000-${String(scenes).padStart(12, '0')}`;
    team = teamOfOwnIn(fake, tenantId, `review-${scenes}`, [priya, bea, bob, carol]);
    // Eve works in another team of the same tenant.
    teamOfOwnIn(fake, tenantId, `elsewhere-${scenes}`, [eve]);
    h = await start();
    // Liftoff is in the team, and in the personal chats of Bea, Bob and Eve; Carol never opened one.
    await h.post(h.activities.installation(priya, 'add', team));
    for (const p of [bea, bob, eve]) await h.post(h.activities.installation(p, 'add', { ...personalChat(p), tenantId }));
    for (const [key, name] of [
      ['payroll', 'Payroll API'],
      ['billing', 'Billing'],
      ['hr', 'HR Portal'],
      ['ledger', 'Ledger'],
      ['crm', 'CRM'],
    ] as const) {
      await say(priya, `new ${name}`);
      ids[key] = workloadIdIn(team, name.toLowerCase().replace(/ /g, '-'));
    }
    await readyForPromotion(h, ids.payroll, { businessOwner: [bea], migrationEngineer: [miguel] });
    await readyForPromotion(h, ids.billing, { businessOwner: [bob] });
    await readyForPromotion(h, ids.hr, { businessOwner: [carol] });
    await planWave('Wave 3', [ids.payroll, ids.billing, ids.hr], '2026-12-01', '2026-12-04');
    await planWave('Wave 4', [ids.ledger, ids.crm], '2026-12-07', '2026-12-18');
  });

  afterEach(async () => {
    await h.close();
    await fake.close();
    await store.close();
  });

  const say = (who: Person, text: string): Promise<any> => h.say(h.activities.message(who, text, team));
  async function press(who: Person, verb: string, data: Record<string, unknown>, place = team): Promise<any> {
    const res = await h.post(h.activities.execute(who, verb, data, place, 'review-card'));
    assert.equal(res.status, 200);
    assert.equal(res.body.statusCode, 200, JSON.stringify(res.body));
    return res.body.value;
  }
  async function planWave(name: string, workloads: string[], first: string, last: string): Promise<void> {
    assert.match(cardText(await press(priya, 'wave.plan', { name, start: first, end: last, workloads: workloads.join(',') })), new RegExp(`${name} is planned`));
  }
  const partition = (): string => teamPartitionOf({ tenantId: team.tenantId!, scopeId: team.teamId! });
  const teamDocs = <T>(type: string): Promise<T[]> => partitionDocs<T>(h, partition(), type);
  const oneToOne = (who: Person): Place => ({ ...personalChat(who), tenantId: team.tenantId! });

  it('opens the review once its last day is over: in the channel naming who it could not reach, and one to one to each business owner, once', async () => {
    now = Date.parse('2026-12-04T20:00:00.000Z');
    let seq = fake.lastSeq;
    assert.equal(await h.app.sweepWaveReviews(), 0, 'the wave is still running on its last day');
    assert.deepEqual(await teamDocs('waveReview'), []);
    assert.equal(fake.activities.filter((r) => r.seq > seq && r.kind === 'send').length, 0);

    now = T0 + 4 * DAY;
    seq = fake.lastSeq;
    assert.equal(await h.app.sweepWaveReviews(), 1);
    const [review] = await teamDocs<WaveReview>('waveReview');
    assert.equal(review?.id, 'review:wave-wave-3');
    assert.equal(review?.startedBy.name, 'Liftoff');
    assert.deepEqual(review?.stakeholders.map((p) => p.name).sort(), ['Bea Business', 'Bob Budget', 'Carol Commerce']);
    assert.deepEqual(review?.outcome.notReleased, ['Payroll API', 'Billing', 'HR Portal']);
    assert.ok(review?.announcedAt, 'marked announced');

    const inChannel = cardsSentTo(fake, team.conversationId, seq);
    assert.equal(inChannel.length, 1);
    const channelText = cardText(inChannel[0]);
    assert.match(channelText, /Liftoff opened the priorities review of Wave 3: its last day, 2026-12-04, is over/);
    assert.match(channelText, /Sent one to one to Bea Business, Bob Budget|Sent one to one to Bob Budget, Bea Business/);
    assert.match(channelText, /Not reachable one to one \(no personal chat with Liftoff\): Carol Commerce\./);
    assert.match(channelText, /Business priorities review of Wave 3/);
    assert.match(channelText, /Decisions on Wave 4/);
    assert.equal(bannerStyle(inChannel[0]), 'good');
    for (const p of [bea, bob]) {
      const sent = cardsSentTo(fake, personalChat(p).conversationId, seq);
      assert.equal(sent.length, 1, `${p.name} gets it one to one`);
      assert.match(cardText(sent[0]), /You are a business stakeholder: record your decisions on the next wave below/);
      assert.match(cardText(sent[0]), /Business priorities review of Wave 3/);
    }
    assert.equal(cardsSentTo(fake, personalChat(eve).conversationId, seq).length, 0);
    const trail = (await teamDocs<WaveEvent>('waveEvent')).filter((e) => e.action === 'wave.reviewed');
    assert.deepEqual(
      trail.map((e) => e.summary),
      ['Liftoff opened the priorities review of Wave 3 when its last day (2026-12-04) was over: 0 released, 0 rolled back.'],
    );

    seq = fake.lastSeq;
    assert.equal(await h.app.sweepWaveReviews(), 0, 'a second sweep opens nothing');
    now += DAY;
    assert.equal(await h.app.sweepWaveReviews(), 0, 'nor does the next day');
    assert.equal(fake.activities.filter((r) => r.seq > seq && r.kind === 'send').length, 0, 'nothing more is sent');
    assert.equal((await teamDocs<WaveReview>('waveReview')).length, 1);
    assert.match(cardText(await say(bea, 'wave review')), /Business priorities review of Wave 3/);
  });

  it('sends nothing more after a restart, and leaves a wave that has not ended alone', async () => {
    now = T0 + 4 * DAY;
    assert.equal(await h.app.sweepWaveReviews(), 1);
    await h.close();
    const seq = fake.lastSeq;
    h = await start();
    assert.equal(await h.app.sweepWaveReviews(), 0);
    now = T0 + 10 * DAY;
    assert.equal(await h.app.sweepWaveReviews(), 0, 'Wave 4 runs until the 18th');
    assert.equal(fake.activities.filter((r) => r.seq > seq && r.kind === 'send').length, 0);
    const waves = await teamDocs<Wave>('wave');
    assert.deepEqual(waves.map((w) => [w.name, !!w.reviewOpenedAt]).sort(), [
      ['Wave 3', true],
      ['Wave 4', false],
    ]);
    assert.deepEqual(
      (await teamDocs<WaveReview>('waveReview')).map((r) => r.waveId),
      ['wave-wave-3'],
    );
  });

  it('announces after a restart a review opened just before the process stopped, once', async () => {
    now = T0 + 4 * DAY;
    assert.equal(await h.app.sweepWaveReviews(), 1);
    await h.close();
    // As the process left it had it stopped right after storing the review: not yet marked on the wave, not announced.
    const [review] = await teamDocs<WaveReview & { _etag?: string }>('waveReview');
    const { announcedAt: _a, ...unannounced } = review!;
    await store.workloads.item(review!.id, partition()).replace(unannounced);
    const wave3 = (await teamDocs<Wave>('wave')).find((w) => w.name === 'Wave 3')!;
    const { reviewOpenedAt: _o, ...unmarked } = wave3;
    await store.workloads.item(wave3.id, partition()).replace(unmarked);
    const seq = fake.lastSeq;
    h = await start();
    assert.equal(await h.app.sweepWaveReviews(), 1);
    assert.equal(await h.app.sweepWaveReviews(), 0);
    assert.equal(cardsSentTo(fake, team.conversationId, seq).length, 1);
    for (const p of [bea, bob]) assert.equal(cardsSentTo(fake, personalChat(p).conversationId, seq).length, 1, `${p.name} gets it once`);
    assert.equal((await teamDocs<WaveReview>('waveReview')).length, 1, 'the review is not opened twice');
  });

  it('opens and announces the review once when two instances sweep at the same moment', async () => {
    now = T0 + 4 * DAY;
    const second = await start();
    try {
      const seq = fake.lastSeq;
      const counts = await Promise.all([h.app.sweepWaveReviews(), second.app.sweepWaveReviews()]);
      assert.equal(counts[0] + counts[1], 1);
      assert.equal(cardsSentTo(fake, team.conversationId, seq).length, 1);
      for (const p of [bea, bob]) assert.equal(cardsSentTo(fake, personalChat(p).conversationId, seq).length, 1, `${p.name} gets it once`);
      assert.equal((await teamDocs<WaveEvent>('waveEvent')).filter((e) => e.action === 'wave.reviewed').length, 1, 'one audit line');
    } finally {
      await second.app.close();
    }
  });

  it('does not open again, nor announce, a review a business owner started before the sweep', async () => {
    now = T0 + 4 * DAY;
    assert.match(cardText(await say(bea, 'wave review')), /The priorities review of Wave 3 is open for/);
    const seq = fake.lastSeq;
    assert.equal(await h.app.sweepWaveReviews(), 0);
    assert.equal(fake.activities.filter((r) => r.seq > seq && r.kind === 'send').length, 0);
    const [review] = await teamDocs<WaveReview>('waveReview');
    assert.equal(review?.startedBy.name, 'Bea Business');
    assert.equal((await teamDocs<Wave>('wave')).find((w) => w.name === 'Wave 3')?.reviewOpenedAt !== undefined, true, 'the sweep marked the wave');
  });

  it('records a decision from the card sent one to one as from the channel card, and refuses it to a stranger', async () => {
    now = T0 + 4 * DAY;
    const seq = fake.lastSeq;
    await h.app.sweepWaveReviews();
    const [toBea] = cardsSentTo(fake, personalChat(bea).conversationId, seq);
    const moveUp = findAction(toBea, 'wave.change', { op: 'place', workloadId: ids.crm });
    assert.equal(moveUp.data.reviewOf, 'wave-wave-3');
    assert.equal(moveUp.data.via, ids.payroll, "Bea's card acts through the workload she owns");

    // Eve, of another team, presses the very same button in her own personal chat: refused, nothing stored.
    const before = (await teamDocs<WaveEvent>('waveEvent')).length;
    const refused = await press(eve, 'wave.change', { ...moveUp.data, reason: 'Mine first' }, { ...personalChat(eve), tenantId: team.tenantId! });
    assert.match(cardText(refused), /That priorities review is not one you take part in\./);
    assert.equal(bannerStyle(refused), 'attention');
    assert.equal((await teamDocs<WaveEvent>('waveEvent')).length, before);
    const sneaky = await press(eve, 'wave.review', findAction(toBea, 'wave.review').data, { ...personalChat(eve), tenantId: team.tenantId! });
    assert.match(cardText(sneaky), /That priorities review is not one you take part in\./);
    assert.doesNotMatch(cardText(sneaky), /Wave 3|Payroll API/);

    // Miguel works on Payroll API, but as its migration engineer he takes no part in the review.
    const notHis = await press(miguel, 'wave.change', { ...moveUp.data, reason: 'Faster for me' }, oneToOne(miguel));
    assert.match(cardText(notHis), /That priorities review is not one you take part in\./);
    assert.equal((await teamDocs<WaveEvent>('waveEvent')).length, before);

    // Bea decides from her personal chat.
    const done = await press(bea, 'wave.change', { ...moveUp.data, reason: 'CRM carries the sales campaign' }, oneToOne(bea));
    assert.match(cardText(done), /Bea Business moved CRM to place 1 of Wave 4 \(priorities review of Wave 3\): CRM carries the sales campaign\./);
    assert.equal(bannerStyle(done), 'good');
    assert.equal(findAction(done, 'wave.change', { op: 'out', workloadId: ids.crm }).data.via, ids.payroll, 'the answer keeps acting in the team');

    // Bob decides from the channel card: the same kind of decision, stored the same way.
    const channelCard = await say(bob, 'wave review');
    const moveOut = findAction(channelCard, 'wave.change', { op: 'out', workloadId: ids.ledger });
    assert.equal(moveOut.data.via, '');
    assert.match(cardText(await press(bob, 'wave.change', { ...moveOut.data, reason: 'Ledger waits for the audit' })), /Bob Budget moved Ledger out of Wave 4/);

    const decisions = (await teamDocs<WaveEvent>('waveEvent')).filter((e) => e.reviewOf === 'wave-wave-3');
    assert.deepEqual(
      decisions.map((e) => [e.actor.name, e.action, e.waveId, e.reviewOfName, e.reason]),
      [
        ['Bea Business', 'wave.reordered', 'wave-wave-4', 'Wave 3', 'CRM carries the sales campaign'],
        ['Bob Budget', 'wave.movedOut', 'wave-wave-4', 'Wave 3', 'Ledger waits for the audit'],
      ],
    );
    const wave4 = (await teamDocs<Wave>('wave')).find((w) => w.name === 'Wave 4');
    assert.deepEqual(wave4?.workloadIds, [ids.crm]);
    const next = cardText(await say(priya, 'wave'));
    assert.match(next, /Decisions of the priorities review/);
    assert.match(next, /Bea Business moved CRM to place 1 of Wave 4 \(priorities review of Wave 3\)/);
    assert.match(next, /Bob Budget moved Ledger out of Wave 4 \(priorities review of Wave 3\)/);
  });
});
