import { strict as assert } from 'node:assert';
import { CardSyncMarker, cardSyncId, SharedCard, SharedCardSync } from '../../bot/conversations/sharedCards';
import { DeliveryError } from '../../bot/conversations/messenger';
import { createLogger } from '../../bot/log';
import { BackgroundWork } from '../../bot/shared/background';
import { LatestWins } from '../../bot/shared/coalesce';
import { CosmosCardSyncRepository } from '../../bot/store/cardSyncRepository';
import type { CosmosStore } from '../../bot/store/cosmos';
import { embeddedStore } from '../support/cosmos';
import { TENANT } from '../support/builders';

const marker = (card: SharedCard, sequence: number): CardSyncMarker => ({
  id: cardSyncId(card),
  type: 'cardSync',
  workloadId: card.workloadId,
  card,
  requestedAt: new Date(sequence).toISOString(),
  sequence,
});

describe('Shared-card markers on the embedded Cosmos server', () => {
  let store: CosmosStore;
  let repo: CosmosCardSyncRepository;
  let n = 0;
  /** A card of a workload no other spec uses. */
  const fresh = (): Extract<SharedCard, { kind: 'signoff' }> => {
    n += 1;
    return { kind: 'signoff', workloadId: `${TENANT}:markers-${n}`, cycleId: 'uat-1' };
  };

  before(async () => {
    store = await embeddedStore();
    repo = new CosmosCardSyncRepository(store.workloads);
  });
  after(() => store.close());

  it('keeps one marker per card in the workload partition, under its natural id, with type cardSync', async () => {
    const card = fresh();
    await repo.request(marker(card, 1));
    await repo.request(marker(card, 2));
    const { resource } = await store.workloads.item(`cardsync:signoff:uat-1`, card.workloadId).read<CardSyncMarker>();
    assert.equal(resource?.type, 'cardSync');
    assert.equal(resource?.sequence, 2, 'a second request rewrites the same document');
    assert.deepEqual(resource?.card, card);
  });

  it('clears a marker only at the version that was drawn: a request in between keeps it', async () => {
    const card = fresh();
    await repo.request(marker(card, 1));
    const drawn = await repo.version(card.workloadId, cardSyncId(card));
    assert.ok(drawn);
    await repo.request(marker(card, 2));
    assert.equal(await repo.clear(card.workloadId, cardSyncId(card), drawn), 'requested');
    const again = await repo.version(card.workloadId, cardSyncId(card));
    assert.ok(again && again !== drawn);
    assert.equal(await repo.clear(card.workloadId, cardSyncId(card), again), 'cleared');
    assert.equal(await repo.version(card.workloadId, cardSyncId(card)), undefined);
    assert.equal(await repo.clear(card.workloadId, cardSyncId(card), again), 'gone');
  });

  it('lists pending markers across workloads, oldest first', async () => {
    const [late, early] = [fresh(), fresh()];
    await repo.request(marker(late, 2_000));
    await repo.request(marker(early, 1_000));
    const pending = (await repo.pending(50)).filter((m) => [late.workloadId, early.workloadId].includes(m.workloadId));
    assert.deepEqual(
      pending.map((m) => m.workloadId),
      [early.workloadId, late.workloadId],
    );
  });

  describe('SharedCardSync', () => {
    const log = createLogger('silent');
    let background: BackgroundWork;
    let sync: SharedCardSync;
    beforeEach(() => {
      background = new BackgroundWork(log);
      sync = new SharedCardSync(repo, new LatestWins(background, log, 0), log);
    });

    it('marks the card before drawing it, and clears the marker once drawn', async () => {
      const card = fresh();
      const seenWhileDrawing: Array<string | undefined> = [];
      await sync.stale(card, {}, async () => {
        seenWhileDrawing.push(await repo.version(card.workloadId, cardSyncId(card)));
      });
      await background.drain();
      assert.equal(seenWhileDrawing.length, 1);
      assert.ok(seenWhileDrawing[0], 'the marker was in the store while the card was drawn');
      assert.equal(await repo.version(card.workloadId, cardSyncId(card)), undefined);
    });

    it('gives each request a later sequence than the one before, even within one millisecond', async () => {
      const card = fresh();
      const sequences: number[] = [];
      const frozen = new SharedCardSync(repo, new LatestWins(background, log, 0), log, () => new Date(1_000));
      const readMarker = async (): Promise<void> => {
        const { resource } = await store.workloads.item(cardSyncId(card), card.workloadId).read<CardSyncMarker>();
        if (resource) sequences.push(resource.sequence);
      };
      for (let i = 0; i < 3; i += 1) {
        await frozen.stale(card, {}, readMarker);
        await background.drain();
      }
      assert.equal(sequences.length, 3, 'each draw saw its marker');
      assert.ok(sequences[0]! < sequences[1]! && sequences[1]! < sequences[2]!, sequences.join(' < '));
    });

    it('draws again when a change asks while the card is being drawn, and clears only after the second draw', async () => {
      const card = fresh();
      let draws = 0;
      const draw = async (): Promise<void> => {
        draws += 1;
        // Another instance stores a change and marks the card while this one draws.
        if (draws === 1) await repo.request(marker(card, Date.now() + 1));
      };
      await sync.stale(card, {}, draw);
      await background.drain();
      assert.equal(draws, 2);
      assert.equal(await repo.version(card.workloadId, cardSyncId(card)), undefined);
    });

    it('keeps the marker when the message could not be updated, for the next start or sweep', async () => {
      const card = fresh();
      await sync.stale(card, {}, async () => {
        throw new DeliveryError(503, 'ServiceUnavailable');
      });
      await background.drain();
      assert.ok(await repo.version(card.workloadId, cardSyncId(card)));
    });

    it('clears the marker when Teams will never take the update (the message or its conversation is gone)', async () => {
      const card = fresh();
      await sync.stale(card, {}, async () => {
        throw new DeliveryError(404, 'ConversationNotFound');
      });
      await background.drain();
      assert.equal(await repo.version(card.workloadId, cardSyncId(card)), undefined);
    });
  });
});
