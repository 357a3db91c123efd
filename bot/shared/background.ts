import type { Logger } from '../log';

/** Work that runs after a turn has been answered (shared card updates); tracked so shutdown and tests can wait for it. */
export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  /** Starts the work now; a failure is logged, never thrown at the caller. */
  run(name: string, fields: Record<string, unknown>, work: () => Promise<void>): void {
    const task: Promise<void> = (async () => {
      try {
        await work();
      } catch (error) {
        this.log.error({ event: 'background.failed', task: name, ...fields, err: error }, 'background work failed');
      }
    })();
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  /** Resolves when every task started so far, and any they start, has finished. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
