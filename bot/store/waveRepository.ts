import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import type { Wave, WaveClaim } from '../waves/model';
import type { PlanResult, WaveRepository } from '../waves/repository';
import { claimIdOf, WaveDecision } from '../waves/rules';
import { answer, changeWithRetry, checkBatch, STALE } from './conditionalWrite';
import { queryPartition, toDomain } from './documents';

const body = (doc: object): JSONObject => doc as unknown as JSONObject;

/**
 * Waves in the `workloads` container, in the team's own partition (teamPartitionOf): the wave card and the
 * planning check read one partition, and a wave is written with its claims in one transactional batch.
 */
export class CosmosWaveRepository implements WaveRepository {
  constructor(private readonly container: Container) {}

  async waves(teamPartition: string): Promise<Wave[]> {
    const waves = await queryPartition<Wave>(this.container, teamPartition, 'SELECT * FROM c WHERE c.workloadId = @workloadId AND c.type = "wave"');
    return waves.map(toDomain).sort((a, b) => a.start.localeCompare(b.start));
  }

  async wave(teamPartition: string, waveId: string): Promise<Wave | undefined> {
    const { resource } = await this.container.item(waveId, teamPartition).read<Wave>();
    return resource && resource.type === 'wave' ? toDomain(resource) : undefined;
  }

  async plan(wave: Wave, claims: WaveClaim[]): Promise<PlanResult> {
    const operations: OperationInput[] = [wave, ...claims].map((doc) => ({ operationType: 'Create', partitionKey: wave.workloadId, resourceBody: body(doc) }));
    const results = (await this.container.items.batch(operations, wave.workloadId)).result;
    if (results?.[0]?.statusCode === 409) return { kind: 'exists', wave: await this.wave(wave.workloadId, wave.waveId) };
    const taken = results?.findIndex((r) => r.statusCode === 409) ?? -1;
    if (taken > 0) {
      // Azure Cosmos DB rolls a failed batch back (the others answer 424); the embedded server keeps what it
      // created before the 409, so what this batch created is deleted again.
      const docs = [wave, ...claims];
      for (const [i, r] of (results ?? []).entries()) {
        if (r.statusCode === 201) await this.container.item(docs[i]!.id, wave.workloadId).delete();
      }
      const claim = claims[taken - 1]!;
      const { resource } = await this.container.item(claim.id, wave.workloadId).read<WaveClaim>();
      return { kind: 'claimed', workloadId: claim.claimedWorkloadId, waveId: resource?.waveId ?? '' };
    }
    checkBatch(results, `planning wave ${wave.waveId}`);
    return { kind: 'created', wave: (await this.wave(wave.workloadId, wave.waveId)) ?? wave };
  }

  async close(teamPartition: string, waveId: string, rule: (current: Wave) => WaveDecision): Promise<WaveDecision | undefined> {
    const what = `closing wave ${waveId}`;
    return changeWithRetry({
      what,
      read: () => this.wave(teamPartition, waveId),
      apply: (current) => {
        if (!current) return answer(undefined);
        const decided = rule(current);
        return decided.kind === 'changed' ? { etag: current._etag, decided } : answer(decided);
      },
      write: async ({ etag, decided }) => {
        const { _etag, ...doc } = decided.wave;
        // The guarded replace comes first: when it loses the race, no claim is deleted.
        const operations: OperationInput[] = [
          { operationType: 'Replace', id: waveId, partitionKey: teamPartition, ...(etag ? { ifMatch: etag } : {}), resourceBody: body(doc) },
          ...decided.wave.workloadIds.map((id): OperationInput => ({ operationType: 'Delete', id: claimIdOf(id), partitionKey: teamPartition })),
        ];
        const results = (await this.container.items.batch(operations, teamPartition)).result;
        if (checkBatch(results, what) === STALE) return STALE;
        return decided;
      },
    });
  }
}
