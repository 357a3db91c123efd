import type { OperationResponse } from '@azure/cosmos';
import { Backoff, DEFAULT_BACKOFF, backoffDelay, sleep } from '../shared/retry';

/** Raised when a change kept losing the ETag race until its time budget was spent; never shown to a person verbatim. */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/** Raised when Cosmos refused an operation for a reason other than a lost race (retrying would not help). */
export class StoreWriteError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'StoreWriteError';
  }
}

/** Cosmos' answer when an `IfMatch` ETag no longer matches: someone else wrote first. */
export const PRECONDITION_FAILED = 412;

/** A write that lost the race: what was read has moved, so read again and re-apply the rule. */
export const STALE: unique symbol = Symbol('stale');
export type Stale = typeof STALE;

/**
 * A change of a person's action must leave Teams time to draw the card (about 5 s before the person
 * sees an error): the store gets 2 s of it.
 */
export const ACTION_BUDGET_MS = 2000;

/** How long a repository's changes may keep retrying, and the clock that measures it. */
export interface WriteBudget {
  budgetMs?: number;
  /** Monotonic milliseconds (tests move it). */
  clock?: () => number;
  backoff?: Backoff;
}

/** A rule's decision that needs no write (refused, unchanged, nothing there): returned as it is, never retried. */
export class Answer<R> {
  constructor(readonly value: R) {}
}

export const answer = <R>(value: R): Answer<R> => new Answer(value);

export interface ConditionalChange<C, W, A, R> extends WriteBudget {
  /** Names the change in the error a log shows, e.g. `workload payroll`. */
  what: string;
  read: () => Promise<C>;
  /** Applies the rule to what was read: what to write, or an `answer(...)`. */
  apply: (current: C) => W | Answer<A>;
  /** Writes on the ETag of what was read; STALE when the precondition failed; throws on any other failure. */
  write: (change: W) => Promise<R | Stale>;
}

/**
 * Reads, applies the rule and writes conditionally, again and again while the write loses the race, with the
 * one jittered backoff in between, until the time budget is spent. A rule that answers without a write is never retried.
 */
export async function changeWithRetry<C, W, A, R>(change: ConditionalChange<C, W, A, R>): Promise<A | R> {
  const { budgetMs = ACTION_BUDGET_MS, clock = () => performance.now(), backoff = DEFAULT_BACKOFF } = change;
  const started = clock();
  for (let attempt = 1; ; attempt += 1) {
    const applied = change.apply(await change.read());
    if (applied instanceof Answer) return applied.value;
    const written = await change.write(applied);
    if (written !== STALE) return written;
    const wait = backoffDelay(attempt, backoff);
    const spent = clock() - started;
    // Give up now rather than after a wait that would end past the budget.
    if (spent + wait >= budgetMs) {
      throw new StoreConflictError(`${change.what} kept changing; gave up after ${attempt} attempts in ${Math.round(spent)} ms (budget ${budgetMs} ms)`);
    }
    await sleep(wait);
  }
}

/** The HTTP status a Cosmos SDK error carries. */
export const statusOf = (error: unknown): number | undefined => (error as { code?: number } | undefined)?.code;

/**
 * One conditional point write (replace, delete or create): STALE when Cosmos answers one of `staleOn`
 * (412 by default; a create racing another create is a 409, a replace of what was deleted a 404).
 */
export async function orStale<T>(write: Promise<T>, staleOn: readonly number[] = [PRECONDITION_FAILED]): Promise<T | Stale> {
  try {
    return await write;
  } catch (error) {
    const status = statusOf(error);
    if (status !== undefined && staleOn.includes(status)) return STALE;
    throw error;
  }
}

/**
 * The one check of a transactional batch's results (a batch does not throw: each operation carries its status).
 * Committed when every operation succeeded; STALE when the operation that failed was refused with one of
 * `staleOn` (a guarded replace's 412: read again); a StoreWriteError for any other failure. The operations
 * after a failed one answer 424 (failed dependency): they are the echo, not the cause.
 */
export function checkBatch(results: OperationResponse[] | undefined, what: string, staleOn: readonly number[] = [PRECONDITION_FAILED]): 'committed' | Stale {
  if (!results || results.length === 0) throw new StoreWriteError(`${what}: the batch answered no results`, undefined);
  const cause = results.findIndex((r) => r.statusCode >= 400 && r.statusCode !== 424);
  if (cause === -1) {
    if (results.some((r) => r.statusCode >= 400)) throw new StoreWriteError(`${what}: the batch failed with 424 and no cause`, 424);
    return 'committed';
  }
  const status = results[cause]!.statusCode;
  if (staleOn.includes(status)) return STALE;
  throw new StoreWriteError(`${what}: operation ${cause + 1} of ${results.length} failed with status ${status}`, status);
}
