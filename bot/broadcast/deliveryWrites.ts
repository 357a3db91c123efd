import type { Delivery } from './model';

/** One delivery's new state waiting for its trip to the store. */
interface PendingWrite {
  delivery: Delivery;
  fields: Partial<Delivery>;
  next: Delivery;
  now: boolean;
  resolve: (written: boolean) => void;
  reject: (error: unknown) => void;
}

/** What the batcher needs from its notice run. */
export interface DeliveryWriteSink {
  /** Writes the batch (one workload's deliveries); per delivery its new ETag, or undefined when it was not written. */
  save(deliveries: Delivery[]): Promise<Array<string | undefined>>;
  /**
   * A write the batch did not make (changed meanwhile, the batch failed): made again on its own, re-reading first;
   * `strict` (a claim): not made at all when the stored delivery is no longer in the state this run saw. Resolves with
   * whether it was written.
   */
  alone(delivery: Delivery, fields: Partial<Delivery>, strict: boolean): Promise<boolean>;
  /** A write the batch made: the run applies it to its copy and its counts. */
  written(delivery: Delivery, next: Delivery, etag: string): void;
}

/** Transactional batches hold at most 100 operations. */
const MAX_BATCH = 100;

/**
 * Delivery state writes of one notice, carried to the store in batches: a claim (the write that must land before its
 * message goes to Teams) leaves at once, in a trip of its own, and takes every outcome waiting with it; outcomes alone
 * leave after `lingerMs` or once a batch is full. So at Teams' pace a send costs one store trip, not two, and an outcome waits at most until
 * the next claim: a sender killed meanwhile leaves that delivery claimed, and its successor records it uncertain.
 */
export class DeliveryWrites {
  private pending: PendingWrite[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: DeliveryWriteSink,
    private readonly lingerMs: number,
  ) {}

  /**
   * Queues a delivery's new state (`next`, made of `fields` on top of it); resolves once stored, with whether it was.
   * `now`: a claim, which leaves at once and is not made over a change it did not see.
   */
  write(delivery: Delivery, fields: Partial<Delivery>, next: Delivery, now: boolean): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ delivery, fields, next, now, resolve, reject });
      if (now || this.pending.length >= MAX_BATCH) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  /** Sends everything waiting now (a claim, a run that stops, a pass that ends). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Trips do not wait for each other: a claim's latency is one trip, so its send keeps the pace it was given.
    // One delivery has at most one write waiting at a time, so two trips never carry the same delivery.
    while (this.pending.length > 0) void this.trip(this.pending.splice(0, MAX_BATCH));
  }

  private async trip(batch: PendingWrite[]): Promise<void> {
    let etags: Array<string | undefined>;
    try {
      etags = await this.sink.save(batch.map((w) => w.next));
    } catch {
      // Nothing known about the batch: each write is made again on its own, which re-reads when it meets a change.
      etags = batch.map(() => undefined);
    }
    batch.forEach((write, at) => {
      const etag = etags[at];
      if (etag !== undefined) {
        this.sink.written(write.delivery, write.next, etag);
        write.resolve(true);
      } else this.sink.alone(write.delivery, write.fields, write.now).then(write.resolve, write.reject);
    });
  }
}
