import { strict as assert } from 'node:assert';
import { cardText, findAction, Harness, startHarness } from '../support/liftoff';
import { nodesOfType } from '../support/cards';
import { person } from '../support/builders';
import type { ActivityOpRecord } from '../support/fakeConnector';
import { groupChat, personalChat, teamChannel, type Place } from '../support/teams';

describe('A welcome card when Liftoff is added, once per install', () => {
  let h: Harness;
  const priya = person('Priya Welcome');
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  /** The cards Liftoff posted in this conversation so far. */
  const postedIn = (place: Place): unknown[] =>
    h.fake.activities
      .filter((r): r is ActivityOpRecord => (r.kind === 'reply' || r.kind === 'send') && r.conversationId === place.conversationId)
      .map((r) => r.activity?.attachments?.[0]?.content)
      .filter(Boolean);
  const welcomes = (place: Place): unknown[] => postedIn(place).filter((card) => /Welcome to Liftoff/.test(cardText(card)));

  const assertWelcome = (card: unknown, here: RegExp): void => {
    const text = cardText(card);
    assert.match(text, /carries each migrated workload through its release/);
    assert.match(text, here);
    const newWorkload = nodesOfType(card, 'Action.ShowCard').find((a) => a.title === 'New workload');
    assert.ok(newWorkload, 'New workload opens a name field');
    findAction(newWorkload, 'workload.create');
    const list = nodesOfType(card, 'Action.Execute').find((a) => a.title === 'Workloads here');
    assert.equal(list?.verb, 'workload.list');
    assert.equal(list?.associatedInputs, 'none');
  };

  it('welcomes a personal chat once, although Teams announces the install twice and retries it', async () => {
    const place = personalChat(priya);
    const install = h.activities.installation(priya, 'add', place);
    assert.equal((await h.post(install)).status, 200);
    assert.equal((await h.post(install)).status, 200, 'the same activity delivered again');
    assert.equal((await h.post(h.activities.botAdded(priya, place))).status, 200, 'the conversationUpdate of the same install');
    const posted = welcomes(place);
    assert.equal(posted.length, 1);
    assertWelcome(posted[0], /In this chat Liftoff sends you what needs your decision/);
  });

  it('welcomes a group chat that adds Liftoff, and the buttons lead to a new workload and the list', async () => {
    const place = groupChat('welcome-chat');
    await h.post(h.activities.botAdded(priya, place));
    const [card] = welcomes(place);
    assertWelcome(card, /Workloads created in this chat belong to it/);
    const created = await h.post(h.activities.execute(priya, 'workload.create', { name: 'Welcome Ledger' }, place));
    assert.match(cardText(created.body.value), /Created Welcome Ledger/);
    const list = await h.post(h.activities.execute(priya, 'workload.list', {}, place));
    assert.match(cardText(list.body.value), /Welcome Ledger/);
  });

  it('welcomes a team once in the channel it was added from, and again after it was removed and added back', async () => {
    const place = teamChannel('welcome-team');
    await h.post(h.activities.installation(priya, 'add', place));
    await h.post(h.activities.botAdded(priya, place));
    assert.equal(welcomes(place).length, 1);
    assertWelcome(welcomes(place)[0], /Workloads created in this team belong to it/);
    await h.post(h.activities.installation(priya, 'remove', place));
    await h.post(h.activities.installation(priya, 'add', place));
    assert.equal(welcomes(place).length, 2, 'a new install is welcomed again');
  });

  it('posts the welcome on the retry when Teams did not take it the first time', async () => {
    const place = groupChat('welcome-retry');
    const install = h.activities.botAdded(priya, place);
    h.fake.failNext(1, { status: 403, match: (req) => req.conversationId === place.conversationId && (req.kind === 'reply' || req.kind === 'send') });
    await h.post(install);
    assert.equal(welcomes(place).length, 0);
    await h.post(install);
    assert.equal(welcomes(place).length, 1);
  });

  it('does not welcome again when someone else joins the conversation', async () => {
    const place = groupChat('welcome-member');
    await h.post(h.activities.botAdded(priya, place));
    await h.post({ ...h.activities.botAdded(priya, place), membersAdded: [{ id: '29:someone-else' }] });
    assert.equal(welcomes(place).length, 1);
  });
});
