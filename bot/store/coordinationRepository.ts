import type { Container } from '@azure/cosmos';
import type { Lease, OutboxEntry, SenderCoordination } from '../broadcast/repository';
import { answer, changeWithRetry, orStale, PRECONDITION_FAILED, STALE, statusOf, WriteBudget } from './conditionalWrite';

interface LeaseDoc extends Lease {
  id: string;
  type: 'lease';
  _etag?: string;
}

interface OutboxDoc {
  id: 'outbox';
  type: 'outbox';
  entries: OutboxEntry[];
  _etag?: string;
}

const leaseId = (tenantId: string): string => `lease:${tenantId}`;
const OUTBOX_ID = 'outbox';
const sameEntry = (a: OutboxEntry, b: OutboxEntry): boolean => a.noticeId === b.noticeId && a.workloadId === b.workloadId;

/**
 * Sender leases and the outbox, in the `broadcast` container (partition key /id): every read is a point read.
 * The outbox is one small document listing notices with work, so an idle instance polls it with one read
 * instead of querying every workload partition.
 */
export class CosmosSenderCoordination implements SenderCoordination {
  constructor(
    private readonly container: Container,
    private readonly budget: WriteBudget = {},
  ) {}

  private async readOutbox(): Promise<OutboxDoc | undefined> {
    const { resource } = await this.container.item(OUTBOX_ID, OUTBOX_ID).read<OutboxDoc>();
    return resource;
  }

  private async changeOutbox(change: (entries: OutboxEntry[]) => OutboxEntry[] | undefined): Promise<void> {
    await changeWithRetry({
      ...this.budget,
      what: 'changing the broadcast outbox',
      read: () => this.readOutbox(),
      apply: (current) => {
        const entries = change(current?.entries ?? []);
        return entries ? { current, entries } : answer(undefined);
      },
      write: ({ current, entries }) => {
        const outbox: OutboxDoc = { id: OUTBOX_ID, type: 'outbox', entries };
        // The first enqueue creates the outbox; two first enqueues race on the create (409).
        return orStale(
          current
            ? this.container
                .item(OUTBOX_ID, OUTBOX_ID)
                .replace(outbox, { accessCondition: { type: 'IfMatch', condition: current._etag ?? '' } })
                .then(() => undefined)
            : this.container.items.create(outbox).then(() => undefined),
          [PRECONDITION_FAILED, 409],
        );
      },
    });
  }

  enqueue(entry: OutboxEntry): Promise<void> {
    return this.changeOutbox((entries) => (entries.some((e) => sameEntry(e, entry)) ? undefined : [...entries, entry]));
  }

  dequeue(entry: OutboxEntry): Promise<void> {
    return this.changeOutbox((entries) => (entries.some((e) => sameEntry(e, entry)) ? entries.filter((e) => !sameEntry(e, entry)) : undefined));
  }

  async outbox(): Promise<OutboxEntry[]> {
    return (await this.readOutbox())?.entries ?? [];
  }

  async lease(tenantId: string): Promise<Lease | undefined> {
    const { resource } = await this.container.item(leaseId(tenantId), leaseId(tenantId)).read<LeaseDoc>();
    return resource ? { tenantId: resource.tenantId, holder: resource.holder, expiresAt: resource.expiresAt, epoch: resource.epoch } : undefined;
  }

  async acquire(tenantId: string, holder: string, now: number, durationMs: number): Promise<Lease | undefined> {
    const id = leaseId(tenantId);
    const { resource: current } = await this.container.item(id, id).read<LeaseDoc>();
    if (!current) {
      const lease: LeaseDoc = { id, type: 'lease', tenantId, holder, expiresAt: now + durationMs, epoch: 1 };
      try {
        await this.container.items.create(lease);
        return { tenantId, holder, expiresAt: lease.expiresAt, epoch: 1 };
      } catch (error) {
        if (statusOf(error) === 409) return undefined;
        throw error;
      }
    }
    if (current.holder !== holder && current.expiresAt > now) return undefined;
    const epoch = current.holder === holder ? current.epoch : current.epoch + 1;
    const next: LeaseDoc = { id, type: 'lease', tenantId, holder, expiresAt: now + durationMs, epoch };
    // The ETag makes taking over a lapsed lease a race with one winner; the loser is not retried.
    const taken = await orStale(this.container.item(id, id).replace(next, { accessCondition: { type: 'IfMatch', condition: current._etag ?? '' } }));
    return taken === STALE ? undefined : { tenantId, holder, expiresAt: next.expiresAt, epoch };
  }

  async release(tenantId: string, holder: string): Promise<void> {
    const id = leaseId(tenantId);
    const { resource: current } = await this.container.item(id, id).read<LeaseDoc>();
    if (!current || current.holder !== holder) return;
    // Losing this race means another holder took the lease meanwhile: nothing left to release.
    await orStale(this.container.item(id, id).replace({ ...current, expiresAt: 0 }, { accessCondition: { type: 'IfMatch', condition: current._etag ?? '' } }));
  }
}
