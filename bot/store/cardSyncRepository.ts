import type { Container } from '@azure/cosmos';
import type { CardSyncMarker, CardSyncRepository } from '../conversations/sharedCards';
import { toDomain } from './documents';

const statusOf = (error: unknown): number | undefined => (error as { code?: number }).code;

/** Shared-card markers in the `workloads` container, in the workload's partition, one per card by its natural id. */
export class CosmosCardSyncRepository implements CardSyncRepository {
  constructor(private readonly container: Container) {}

  async request(marker: CardSyncMarker): Promise<string | undefined> {
    const { etag } = await this.container.items.upsert(marker);
    return etag;
  }

  async version(workloadId: string, id: string): Promise<string | undefined> {
    const { resource } = await this.container.item(id, workloadId).read<CardSyncMarker & { _etag?: string }>();
    return resource?.type === 'cardSync' ? resource._etag : undefined;
  }

  async clear(workloadId: string, id: string, version: string): Promise<'cleared' | 'requested' | 'gone'> {
    try {
      await this.container.item(id, workloadId).delete({ accessCondition: { type: 'IfMatch', condition: version } });
      return 'cleared';
    } catch (error) {
      if (statusOf(error) === 412) return 'requested';
      if (statusOf(error) === 404) return 'gone';
      throw error;
    }
  }

  async pending(limit: number): Promise<CardSyncMarker[]> {
    // Across workloads by nature; run at start-up and by the sweep, never on a person's turn. Markers live for seconds, so few match.
    const { resources } = await this.container.items
      .query<CardSyncMarker>({
        query: 'SELECT TOP @limit * FROM c WHERE c.type = "cardSync"',
        parameters: [{ name: '@limit', value: limit }],
      })
      .fetchAll();
    return resources.map((r) => toDomain(r)).sort((a, b) => a.sequence - b.sequence);
  }
}
