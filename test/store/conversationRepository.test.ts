import { strict as assert } from 'node:assert';
import { countedStore, difference } from '../support/cosmosRequests';
import { CosmosConversationRepository } from '../../bot/store/conversationRepository';
import type { ConversationRecord } from '../../bot/conversations/model';

const TENANT = 'tenant-pages';

function personal(i: number, tenantId = TENANT): ConversationRecord {
  const aadObjectId = `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`;
  const conversationId = `a:chat-${tenantId}-${i}`;
  return {
    id: `user:${aadObjectId}`,
    conversationId,
    kind: 'personal',
    tenantId,
    serviceUrl: 'https://smba.example/',
    user: { aadObjectId, teamsUserId: `29:u-${i}`, name: `Person ${i}` },
    reference: { serviceUrl: 'https://smba.example/', channelId: 'msteams', conversation: { id: conversationId } },
    installedAt: '2026-12-02T00:00:00.000Z',
  };
}

describe("the fan-out reads a tenant's 1:1 conversations in large store pages, handed on in small ones", () => {
  it('yields every conversation of the tenant once, in pages of at most the size asked, from few queries', async () => {
    const { store, proxy, close } = await countedStore();
    try {
      const repository = new CosmosConversationRepository(store.conversations, 5);
      for (let i = 0; i < 12; i += 1) await repository.save(personal(i));
      await repository.save(personal(99, 'another-tenant'));
      const before = proxy.counts();
      const pages: ConversationRecord[][] = [];
      for await (const page of repository.inTenantPages(TENANT, 'personal', 2)) pages.push(page);
      const used = difference(proxy.counts(), before);

      assert.ok(pages.every((page) => page.length > 0 && page.length <= 2));
      const ids = pages.flat().map((r) => r.id);
      assert.equal(new Set(ids).size, 12);
      assert.deepEqual([...ids].sort(), Array.from({ length: 12 }, (_, i) => personal(i).id).sort());
      // 12 conversations read 5 at a time: three pages of one query (and its plan), not six queries of 2.
      assert.equal(used.crossPartitionQuery, 3);
    } finally {
      await close();
    }
  });

  it('reads in pages of the size asked when that is larger than its read page', async () => {
    const { store, proxy, close } = await countedStore();
    try {
      const repository = new CosmosConversationRepository(store.conversations, 2);
      for (let i = 0; i < 7; i += 1) await repository.save(personal(i));
      const before = proxy.counts();
      const pages: ConversationRecord[][] = [];
      for await (const page of repository.inTenantPages(TENANT, 'personal', 4)) pages.push(page);
      const used = difference(proxy.counts(), before);

      assert.deepEqual(
        pages.map((page) => page.length),
        [4, 3],
      );
      assert.equal(used.crossPartitionQuery, 2);
    } finally {
      await close();
    }
  });
});
