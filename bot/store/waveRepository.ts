import { randomUUID } from 'node:crypto';
import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import type { Wave, WaveClaim, WaveEvent, WaveReview } from '../waves/model';
import type { ChangeResult, PlanResult, WaveRepository } from '../waves/repository';
import { claimIdOf, reviewIdOf, WaveChangeDecision, WaveDecision, WaveEventDraft } from '../waves/rules';
import { answer, changeWithRetry, checkBatch, orStale, STALE } from './conditionalWrite';
import { queryPartition, toDomain } from './documents';

const body = (doc: object): JSONObject => doc as unknown as JSONObject;
const withId = (event: WaveEventDraft): JSONObject => body({ ...event, id: randomUUID() });
const create = (partition: string, doc: object): OperationInput => ({ operationType: 'Create', partitionKey: partition, resourceBody: body(doc) });

/**
 * Waves in the `workloads` container, in the team's own partition (teamPartitionOf): the wave card and the
 * planning check read one partition, and a wave is written with its claims and audit event in one transactional batch.
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

  async plan(wave: Wave, claims: WaveClaim[], event: WaveEventDraft): Promise<PlanResult> {
    const docs: Array<{ id: string }> = [wave, ...claims, { ...event, id: randomUUID() }];
    const operations: OperationInput[] = docs.map((doc) => create(wave.workloadId, doc));
    const results = (await this.container.items.batch(operations, wave.workloadId)).result;
    if (results?.[0]?.statusCode === 409) return { kind: 'exists', wave: await this.wave(wave.workloadId, wave.waveId) };
    const taken = results?.findIndex((r) => r.statusCode === 409) ?? -1;
    if (taken > 0) {
      // Azure Cosmos DB rolls a failed batch back (the others answer 424); the embedded server keeps what it
      // created before the 409, so what this batch created is deleted again.
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

  async close(teamPartition: string, waveId: string, rule: (current: Wave) => WaveDecision, event: (closed: Wave) => WaveEventDraft): Promise<WaveDecision | undefined> {
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
          { operationType: 'Create', partitionKey: teamPartition, resourceBody: withId(event(decided.wave)) },
        ];
        const results = (await this.container.items.batch(operations, teamPartition)).result;
        if (checkBatch(results, what) === STALE) return STALE;
        return decided;
      },
    });
  }

  async change(teamPartition: string, waveId: string, rule: (current: Wave) => WaveChangeDecision): Promise<ChangeResult | undefined> {
    const what = `changing wave ${waveId}`;
    return changeWithRetry<Wave | undefined, { current: Wave; decided: Extract<WaveChangeDecision, { kind: 'changed' }> }, ChangeResult | undefined, ChangeResult>({
      what,
      read: () => this.wave(teamPartition, waveId),
      apply: (current) => {
        if (!current) return answer(undefined);
        const decided = rule(current);
        return decided.kind === 'changed' ? { current, decided } : answer(decided);
      },
      write: async ({ current, decided }) => {
        const { _etag, ...doc } = decided.wave;
        const claim = decided.claim;
        const claimOp: OperationInput[] = !claim
          ? []
          : 'add' in claim
            ? [create(teamPartition, { id: claimIdOf(claim.add), workloadId: teamPartition, type: 'waveClaim', waveId, claimedWorkloadId: claim.add } satisfies WaveClaim)]
            : [{ operationType: 'Delete', id: claimIdOf(claim.remove), partitionKey: teamPartition }];
        // The guarded replace comes first: when it loses the race, nothing else is written.
        const operations: OperationInput[] = [
          { operationType: 'Replace', id: waveId, partitionKey: teamPartition, ...(current._etag ? { ifMatch: current._etag } : {}), resourceBody: body(doc) },
          ...claimOp,
          { operationType: 'Create', partitionKey: teamPartition, resourceBody: withId(decided.event) },
        ];
        const results = (await this.container.items.batch(operations, teamPartition)).result;
        if (claim && 'add' in claim && results?.[1]?.statusCode === 409) {
          // Another open wave claimed it meanwhile. Azure Cosmos DB rolled the batch back; the embedded server
          // kept the replace, so the wave is put back as it was read.
          if (results[0]?.statusCode === 200) {
            const { _etag: _stored, ...before } = current;
            await this.container.item(waveId, teamPartition).replace(before);
          }
          const { resource } = await this.container.item(claimIdOf(claim.add), teamPartition).read<WaveClaim>();
          return { kind: 'claimed', waveId: resource?.waveId ?? '' };
        }
        if (checkBatch(results, what) === STALE) return STALE;
        return decided;
      },
    });
  }

  async claimOf(teamPartition: string, workloadId: string): Promise<WaveClaim | undefined> {
    const { resource } = await this.container.item(claimIdOf(workloadId), teamPartition).read<WaveClaim>();
    return resource && resource.type === 'waveClaim' ? toDomain(resource) : undefined;
  }

  async events(teamPartition: string, waveId: string): Promise<WaveEvent[]> {
    const events = await queryPartition<WaveEvent>(this.container, teamPartition, 'SELECT * FROM c WHERE c.workloadId = @workloadId AND c.type = "waveEvent" AND c.waveId = @waveId', {
      waveId,
    });
    return events.map(toDomain).sort((a, b) => a.at.localeCompare(b.at));
  }

  async review(teamPartition: string, waveId: string): Promise<WaveReview | undefined> {
    const { resource } = await this.container.item(reviewIdOf(waveId), teamPartition).read<WaveReview>();
    return resource && resource.type === 'waveReview' ? toDomain(resource) : undefined;
  }

  async startReview(review: WaveReview, event: WaveEventDraft): Promise<'created' | 'exists'> {
    const results = (
      await this.container.items.batch([create(review.workloadId, review), { operationType: 'Create', partitionKey: review.workloadId, resourceBody: withId(event) }], review.workloadId)
    ).result;
    if (results?.[0]?.statusCode === 409) return 'exists';
    checkBatch(results, `starting the review of ${review.waveId}`);
    return 'created';
  }

  async endedUnreviewed(today: string, limit: number): Promise<Array<{ teamPartition: string; waveId: string }>> {
    // Cross-partition on purpose: only the review sweep's timer runs it (a person's turn reads its own team's partition).
    const { resources } = await this.container.items
      .query<{ workloadId: string; waveId: string }>({
        query: 'SELECT TOP @limit c.workloadId, c.waveId FROM c WHERE c.type = "wave" AND c.status = "open" AND c["end"] < @today AND NOT IS_DEFINED(c.reviewOpenedAt)',
        parameters: [
          { name: '@today', value: today },
          { name: '@limit', value: limit },
        ],
      })
      .fetchAll();
    return resources.map((r) => ({ teamPartition: r.workloadId, waveId: r.waveId }));
  }

  async markReviewOpened(teamPartition: string, waveId: string, now: string): Promise<void> {
    const item = this.container.item(waveId, teamPartition);
    await changeWithRetry({
      what: `marking the review of ${waveId} opened`,
      budgetMs: 10_000,
      read: () => this.wave(teamPartition, waveId),
      apply: (current) => (!current || current.reviewOpenedAt ? answer(undefined) : current),
      write: async ({ _etag, ...current }) => {
        const written = await orStale(item.replace({ ...current, reviewOpenedAt: now }, _etag ? { accessCondition: { type: 'IfMatch', condition: _etag } } : {}), [412, 404]);
        return written === STALE ? STALE : undefined;
      },
    });
  }

  async claimAnnouncement(teamPartition: string, waveId: string, now: string): Promise<WaveReview | undefined> {
    const review = await this.review(teamPartition, waveId);
    if (!review || review.announce !== 'due' || review.announcedAt) return undefined;
    const { _etag, ...doc } = review;
    const claimed: WaveReview = { ...doc, announcedAt: now };
    const written = await orStale(this.container.item(review.id, teamPartition).replace(claimed, _etag ? { accessCondition: { type: 'IfMatch', condition: _etag } } : {}));
    // Lost to another process: that one announces it.
    return written === STALE ? undefined : claimed;
  }
}
