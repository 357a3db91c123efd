import { strict as assert } from 'node:assert';
import type { CardSyncMarker } from '../../bot/conversations/sharedCards';
import type { Retro } from '../../bot/retro/model';
import type { CosmosStore } from '../../bot/store/cosmos';
import { person, TENANT } from '../support/builders';
import { embeddedStore } from '../support/cosmos';
import { ActivityOpRecord, FakeConnector, startFakeConnector } from '../support/fakeConnector';
import { cardText, Harness, startHarness } from '../support/liftoff';
import { SignoffDriver } from '../support/signoff';
import { teamChannel, teamsUserId, workloadIdIn } from '../support/teams';

const SECRET = 'card-sync-test-secret-that-is-long-enough-0123';
/** No timer: a spec sees only the start-up sweep. */
// Quick, few retries of a refused update: the specs are about what survives a stop, not about the backoff.
const ENV = { SIGNOFF_SWEEP_SECONDS: '0', RETRO_PSEUDONYM_SECRET: SECRET, BROADCAST_RETRY_BASE_MS: '5', BROADCAST_MAX_ATTEMPTS: '2' };

const priya = person('Priya Project');
const bea = person('Bea Owner');
const [tom, tina, tess, theo] = [person('Tom Tester'), person('Tina Tester'), person('Tess Tester'), person('Theo Tester')];
const [ana, ben] = [person('Ana Analyst'), person('Ben Builder')];
/** A date some days from now, as a person picks it on a form. */
const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Teams answers every update of this message with 503 (Retry-After 0, so the client's own retries
 * are quick) until `stop`: the update never lands, as when the process dies before sending it.
 */
function refuseUpdates(fake: FakeConnector, messageId: string): { stop(): void } {
  let refusing = true;
  fake.failNext(Number.MAX_SAFE_INTEGER, { status: 503, retryAfterSeconds: 0, match: (req) => refusing && req.kind === 'update' && req.activityId === messageId });
  return {
    stop() {
      refusing = false;
    },
  };
}

/** What everyone sees in the message now: the last update Teams took, or the card as posted. */
function shownIn(fake: FakeConnector, messageId: string, posted?: unknown): unknown {
  return fake.updates(messageId).at(-1)?.activity?.attachments?.[0]?.content ?? posted;
}

async function markerOf(store: CosmosStore, workloadId: string, id: string): Promise<CardSyncMarker | undefined> {
  const { resource } = await store.workloads.item(id, workloadId).read<CardSyncMarker>();
  return resource;
}

describe('Shared cards across a restart, end to end', () => {
  let store: CosmosStore;
  let fake: FakeConnector;
  const running: Harness[] = [];
  const start = async (): Promise<Harness> => {
    const h = await startHarness(ENV, { store, fake });
    running.push(h);
    return h;
  };
  const stop = async (h: Harness): Promise<void> => {
    running.splice(running.indexOf(h), 1);
    await h.close();
  };

  beforeEach(async () => {
    store = await embeddedStore();
    fake = await startFakeConnector();
  });
  afterEach(async () => {
    for (const h of running.splice(0)) await h.close();
    await fake.close();
    await store.close();
  });

  describe('the sign-off card', () => {
    const team = teamChannel('cardsync-signoff');

    async function openCycle(h: Harness, name: string): Promise<{ d: SignoffDriver; workloadId: string; cycleId: string; messageId: string; card: unknown }> {
      const d = new SignoffDriver(h, team);
      d.roster([priya, bea, tom, tina, tess, theo]);
      await d.createWorkload(priya, name, bea);
      const { cycleId, messageId, card, answer } = await d.open(priya, name, { testers: [tom, tina, tess, theo], dueDate: inDays(3), timeZone: 'UTC' });
      assert.ok(cycleId && messageId, `the sign-off card is posted: ${cardText(answer)}`);
      await h.app.background.drain();
      return { d, workloadId: d.workloadId(name), cycleId, messageId, card };
    }

    it('is drawn from the store at the next start when its updates never reached Teams before the stop', async () => {
      const first = await start();
      const { d, workloadId, cycleId, messageId, card } = await openCycle(first, 'Ledger');
      const refusal = refuseUpdates(fake, messageId);
      for (const tester of [tom, tina, tess]) {
        const answer = await d.decide(tester, 'Ledger', cycleId, 'approve', {}, messageId);
        assert.match(cardText(answer.body.value), /You approved UAT cycle 1/);
      }
      await first.app.background.drain();
      assert.equal((await d.votes('Ledger', cycleId)).length, 3, 'the store holds every decision');
      assert.match(cardText(shownIn(fake, messageId, card)), /Approved 0 · Rejected 0 · Waiting for 4/, 'the message still shows the cycle as opened');
      await stop(first);

      refusal.stop();
      const before = fake.lastSeq;
      const second = await start();
      await second.app.background.drain();
      const redrawn = fake.updates(messageId).filter((r) => r.seq > before);
      assert.equal(redrawn.length, 1, 'the new process updates the message once');
      assert.match(cardText(shownIn(fake, messageId)), /Approved 3 · Rejected 0 · Waiting for 1/);
      assert.equal(await markerOf(store, workloadId, `cardsync:signoff:${cycleId}`), undefined, 'nothing is left to draw');
    });

    it('keeps its marker while Teams refuses the update, and removes it once the message shows the change', async () => {
      const h = await start();
      const { d, workloadId, cycleId, messageId } = await openCycle(h, 'Payroll');
      const id = `cardsync:signoff:${cycleId}`;
      await d.decide(tom, 'Payroll', cycleId, 'approve', {}, messageId);
      await h.app.background.drain();
      assert.match(cardText(shownIn(fake, messageId)), /Approved 1 · Rejected 0 · Waiting for 3/);
      assert.equal(await markerOf(store, workloadId, id), undefined, 'a drawn card leaves no marker');

      const refusal = refuseUpdates(fake, messageId);
      await d.decide(tina, 'Payroll', cycleId, 'approve', {}, messageId);
      await h.app.background.drain();
      assert.match(cardText(shownIn(fake, messageId)), /Approved 1 · Rejected 0 · Waiting for 3/, 'Teams took no update');
      const marker = await markerOf(store, workloadId, id);
      assert.ok(marker, 'the marker stays for the next start or sweep');
      assert.equal(marker.type, 'cardSync');
      assert.equal(marker.workloadId, workloadId);
      assert.deepEqual(marker.card, { kind: 'signoff', workloadId, cycleId });
      assert.ok(Number.isFinite(Date.parse(marker.requestedAt)));

      refusal.stop();
      await d.decide(tess, 'Payroll', cycleId, 'approve', {}, messageId);
      await h.app.background.drain();
      assert.match(cardText(shownIn(fake, messageId)), /Approved 3 · Rejected 0 · Waiting for 1/);
      assert.equal(await markerOf(store, workloadId, id), undefined);
    });
  });

  describe('the checklist message', () => {
    const team = teamChannel('cardsync-checklist');

    it('is drawn at the next start when a final sign-off changed its gate and the update never reached Teams, once', async () => {
      const first = await start();
      const d = new SignoffDriver(first, team);
      d.roster([priya, bea, tom]);
      await d.createWorkload(priya, 'Ledger', bea);
      // The form is pressed in 'form-message', which its answer turns back into the checklist: that message is kept.
      const { cycleId, messageId } = await d.open(bea, 'Ledger', { testers: [tom], dueDate: inDays(3), timeZone: 'UTC' });
      await d.decide(tom, 'Ledger', cycleId!, 'approve', {}, messageId);
      const refusal = refuseUpdates(fake, 'form-message');
      await d.final(bea, 'Ledger', cycleId!, 'approve', 'Ready', messageId);
      await first.app.background.drain();
      const workloadId = d.workloadId('Ledger');
      const { resources: markers } = await store.workloads.items
        .query<CardSyncMarker>({ query: 'SELECT * FROM c WHERE c.workloadId = @w AND c.type = "cardSync"', parameters: [{ name: '@w', value: workloadId }] }, { partitionKey: workloadId })
        .fetchAll();
      const marker = markers.find((m) => m.card.kind === 'checklist');
      assert.ok(marker, 'the checklist message is marked in Cosmos while Teams refuses its update');
      assert.match(marker.id, /^cardsync:checklist:[A-Za-z0-9_-]+$/);
      await stop(first);

      refusal.stop();
      const before = fake.lastSeq;
      const second = await start();
      await second.app.background.drain();
      const redrawn = fake.updates('form-message').filter((r) => r.seq > before);
      assert.equal(redrawn.length, 1, 'the new process draws the checklist message once');
      const text = cardText(shownIn(fake, 'form-message'));
      assert.match(text, /Bea Owner gave the final sign-off of UAT cycle 1: business testing is passed/);
      assert.match(text, /✅ Business testing · 1 of 1 closed/);
      assert.equal(await markerOf(store, workloadId, marker.id), undefined, 'nothing is left to draw');
    });
  });

  describe('the retro channel card', () => {
    const team = teamChannel('cardsync-retro');
    const workloadId = workloadIdIn(team, 'payroll-api');

    async function press(h: Harness, who: typeof priya, verb: string, data: Record<string, unknown>, messageId: string): Promise<unknown> {
      const res = await h.post(h.activities.execute(who, verb, data, team, messageId));
      assert.equal(res.status, 200);
      return res.body.value;
    }

    async function startRetro(h: Harness): Promise<{ retroId: string; messageId: string }> {
      fake.setRoster(
        team.teamId!,
        [priya, ana, ben].map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: TENANT })),
      );
      await h.say(h.activities.message(priya, 'new Payroll API', team));
      const before = fake.lastSeq;
      const started = await press(
        h,
        priya,
        'retro.start',
        { workloadId, template: 'caf', anonymous: 'true', deadlineDate: inDays(7), deadlineTime: '17:00', timeZone: 'Europe/Paris', votes: '3' },
        'start-card',
      );
      assert.match(cardText(started), /Retrospective started/);
      const post = fake.activities.find((r) => r.seq > before && (r.kind === 'send' || r.kind === 'reply') && r.conversationId === team.conversationId) as ActivityOpRecord | undefined;
      assert.ok(post, 'the channel card is posted');
      const { resources } = await store.workloads.items
        .query<Retro>({ query: 'SELECT * FROM c WHERE c.workloadId = @w AND c.type = "retro"', parameters: [{ name: '@w', value: workloadId }] }, { partitionKey: workloadId })
        .fetchAll();
      assert.equal(resources.length, 1);
      await h.app.background.drain();
      return { retroId: resources[0]!.retroId, messageId: post.activityId };
    }

    it('is drawn from the store at the next start when its updates never reached Teams before the stop', async () => {
      const first = await start();
      const { retroId, messageId } = await startRetro(first);
      const refusal = refuseUpdates(fake, messageId);
      assert.match(
        cardText(await press(first, ana, 'retro.entry.add', { workloadId, retroId, q_well: 'The DNS cutover took four minutes', q_better: 'Runbook was out of date' }, messageId)),
        /Added 2 entries/,
      );
      assert.match(cardText(await press(first, ben, 'retro.entry.add', { workloadId, retroId, q_learned: 'Rehearse the rollback' }, messageId)), /Added your entry/);
      await first.app.background.drain();
      assert.equal(fake.updates(messageId).length, 0, 'Teams took no update of the channel card');
      assert.ok(await markerOf(store, workloadId, `cardsync:retro:${retroId}`), 'the card is marked stale in the store');
      await stop(first);

      refusal.stop();
      const second = await start();
      await second.app.background.drain();
      assert.match(cardText(shownIn(fake, messageId)), /3 entries so far from 2 people/);
      assert.equal(await markerOf(store, workloadId, `cardsync:retro:${retroId}`), undefined);
    });
  });
});
