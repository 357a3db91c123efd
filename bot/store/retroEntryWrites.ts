import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import type { Retro, RetroEntry } from '../retro/model';
import { backoffDelay, sleep } from '../shared/retry';
import { checkBatch, PRECONDITION_FAILED, StoreConflictError } from './conditionalWrite';
import { toDomain } from './documents';

/** What adding one entry came to: stored now or before (`exists`), the retro as the batch left it, the marker's version. */
export interface EntryWrite {
  kind: 'created' | 'exists';
  entry: RetroEntry;
  retro?: Retro;
  markerVersion?: string;
}

interface Pending {
  entry: RetroEntry;
  marker?: object;
  /** Stored by a batch the server applied in part (no rollback): only the retro's copy still lacks it. */
  stored: boolean;
  resolve: (write: EntryWrite) => void;
  reject: (error: unknown) => void;
}

/** Entries folded into one batch at most (one create each, the retro's replace and the marker; Cosmos takes 100). */
const MAX_GROUP = 80;
/** The retro's copy of its entries is dropped (and the entries read by query) past this size: a document holds 2 MB. */
const MAX_RETRO_BYTES = 1_000_000;
const MAX_ROUNDS = 20;

const body = (doc: object): JSONObject => doc as unknown as JSONObject;
const strip = ({ _etag, ...doc }: RetroEntry): RetroEntry => doc;

/**
 * A retro's entries while collecting, written with the retro's copy of them (Retro.collected) in one batch: the entry's
 * create first (its natural id keeps a retried add stored once), then the retro on its ETag, then the channel card's
 * marker. Entries arriving together in a process share one batch, so people adding at once do not race each other
 * for the retro's ETag; across processes a lost race (412) reads the retro again. A retro that is no longer collecting
 * or keeps no copy gets the entry alone, as before.
 */
export class RetroEntryWrites {
  private readonly known = new Map<string, Retro>();
  private readonly queues = new Map<string, Pending[]>();

  constructor(
    private readonly container: Container,
    private readonly getEntry: (workloadId: string, id: string) => Promise<RetroEntry | undefined>,
  ) {}

  /** Keeps the retro a write answered (with its ETag) for this process's next entry. */
  remember(retro: Retro): void {
    const key = `${retro.workloadId}\n${retro.retroId}`;
    this.known.delete(key);
    this.known.set(key, retro);
    if (this.known.size > 1000) this.known.delete(this.known.keys().next().value ?? '');
  }

  forget(workloadId: string, retroId: string): void {
    this.known.delete(`${workloadId}\n${retroId}`);
  }

  /** Queues an entry for its retro's next batch; `retro` is the one the turn read (with its ETag). */
  add(retro: Retro, entry: RetroEntry, marker?: object): Promise<EntryWrite> {
    const key = `${retro.workloadId}\n${retro.retroId}`;
    if (!this.known.has(key) && retro._etag) this.remember(retro);
    return new Promise<EntryWrite>((resolve, reject) => {
      const pending: Pending = { entry: strip(entry), ...(marker ? { marker } : {}), stored: false, resolve, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(pending);
        return;
      }
      this.queues.set(key, [pending]);
      void this.flush(key, retro);
    });
  }

  private async flush(key: string, retro: Retro): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      const group = queue.splice(0, MAX_GROUP);
      try {
        await this.write(retro.workloadId, retro.retroId, group);
      } catch (error) {
        for (const p of group) p.reject(error);
      }
    }
    this.queues.delete(key);
  }

  private async read(workloadId: string, retroId: string): Promise<Retro | undefined> {
    const { resource } = await this.container.item(retroId, workloadId).read<Retro>();
    const retro = resource?.type === 'retro' ? toDomain(resource) : undefined;
    if (retro) this.remember(retro);
    return retro;
  }

  private async write(workloadId: string, retroId: string, group: Pending[]): Promise<void> {
    let retro = this.known.get(`${workloadId}\n${retroId}`) ?? (await this.read(workloadId, retroId));
    let open = group;
    for (let round = 1; ; round += 1) {
      const copy = retro?.phase === 'collect' ? retro.collected : undefined;
      const kept = new Map((copy ?? []).map((e) => [e.id, e]));
      // An entry the retro's copy holds already was stored before (a client retry).
      for (const p of open) if (!p.stored && kept.has(p.entry.id)) p.resolve({ kind: 'exists', entry: kept.get(p.entry.id)!, ...(retro ? { retro } : {}) });
      open = open.filter((p) => p.stored || !kept.has(p.entry.id));
      if (open.length === 0) return;
      const creating = open.filter((p) => !p.stored);
      const operations: OperationInput[] = creating.map((p) => ({ operationType: 'Create', partitionKey: workloadId, resourceBody: body(p.entry) }));
      let next: Retro | undefined;
      if (retro && copy) {
        const { _etag, ...doc } = retro;
        const collected = [...copy, ...open.map((p) => p.entry)];
        // Too large to keep: the copy goes, and from now on the entries are read by query.
        const { collected: _old, ...without } = doc;
        next = Buffer.byteLength(JSON.stringify(collected)) > MAX_RETRO_BYTES ? without : { ...doc, collected };
        operations.push({ operationType: 'Replace', id: retroId, partitionKey: workloadId, ...(_etag ? { ifMatch: _etag } : {}), resourceBody: body(next) });
      }
      const marker = [...open].reverse().find((p) => p.marker)?.marker;
      if (marker) operations.push({ operationType: 'Upsert', partitionKey: workloadId, resourceBody: body(marker) });
      if (operations.length === (marker ? 1 : 0)) {
        // Every entry is stored and the retro keeps no copy: nothing left to write.
        for (const p of open) p.resolve({ kind: 'created', entry: p.entry });
        return;
      }
      const results = (await this.container.items.batch(operations, workloadId)).result;
      const at = creating.length;
      if (results && results.every((r) => r.statusCode < 400)) {
        const stored = next ? toDomain(results[at]!.resourceBody as unknown as Retro) : undefined;
        if (stored) this.remember(stored);
        const version = marker ? results[operations.length - 1]?.eTag : undefined;
        for (const p of open) p.resolve({ kind: 'created', entry: p.entry, ...(stored ? { retro: stored } : {}), ...(p.marker && version ? { markerVersion: version } : {}) });
        return;
      }
      // Failed: an entry whose id is taken (409), or the retro moved (412). What came before the failed operation was
      // applied by a server that does not roll back (the embedded one): those entries are stored, only the copy lacks them.
      creating.forEach((p, i) => {
        if (results?.[i]?.statusCode === 201) p.stored = true;
      });
      const taken = creating.find((_, i) => results?.[i]?.statusCode === 409);
      if (taken) {
        open = open.filter((p) => p !== taken);
        taken.resolve({ kind: 'exists', entry: (await this.getEntry(workloadId, taken.entry.id)) ?? taken.entry });
        continue;
      }
      if (results?.[at]?.statusCode !== PRECONDITION_FAILED) checkBatch(results, `adding ${creating.length} entries to ${retroId}`);
      if (round >= MAX_ROUNDS) throw new StoreConflictError(`${retroId} kept changing while adding entries; gave up after ${round} attempts`);
      await sleep(backoffDelay(round));
      retro = await this.read(workloadId, retroId);
    }
  }
}
