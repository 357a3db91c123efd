import type { Retro, RetroAction, RetroBallot, RetroEntry } from './model';
import type { Decided } from './rules';

/**
 * Where retros, their entries, ballots and action items are kept: in the partition of the workload
 * whose retro it is. Implemented over Cosmos DB in bot/store. Every change re-reads the document,
 * applies the rule, and writes on its ETag; on a concurrent change it re-reads and re-applies.
 */
export interface RetroRepository {
  /** Stores a new retro; 'exists' when its id is taken. */
  createRetro(retro: Retro): Promise<'created' | 'exists'>;
  getRetro(workloadId: string, retroId: string): Promise<Retro | undefined>;
  /** The retros of a workload, oldest first. */
  retrosOf(workloadId: string): Promise<Retro[]>;
  /** Undefined when the retro does not exist. */
  changeRetro(workloadId: string, retroId: string, rule: (current: Retro) => Decided<Retro>): Promise<Decided<Retro> | undefined>;

  /**
   * Stores a new entry; when its id is taken, answers with the stored one. With `marker` (the channel card's redraw
   * marker, see bot/conversations/sharedCards.ts), it is upserted in the entry's batch, after it; `markerVersion` is its ETag.
   * With `retro` (as the turn read it) keeping a copy of its entries (Retro.collected), the copy is written in the same batch
   * and `retro` answers the retro as the batch left it.
   */
  addEntry(entry: RetroEntry, marker?: object, retro?: Retro): Promise<{ kind: 'created' | 'exists'; entry: RetroEntry; markerVersion?: string; retro?: Retro }>;
  getEntry(workloadId: string, entryId: string): Promise<RetroEntry | undefined>;
  entriesOf(workloadId: string, retroId: string): Promise<RetroEntry[]>;
  changeEntry(workloadId: string, entryId: string, rule: (current: RetroEntry) => Decided<RetroEntry>): Promise<Decided<RetroEntry> | undefined>;
  /** Deletes the entry if the rule allows it, guarded by its ETag; 'changed' means deleted, 'unchanged' already gone. */
  deleteEntry(workloadId: string, entryId: string, rule: (current: RetroEntry) => Decided<RetroEntry>): Promise<Decided<RetroEntry | undefined>>;
  /** Applies a rule over all entries of a retro and stores the entries it changed, together, each on its ETag. */
  changeEntries(workloadId: string, retroId: string, rule: (current: RetroEntry[]) => Decided<RetroEntry[]>): Promise<Decided<RetroEntry[]>>;

  /** Creates or changes one voter's ballot on its ETag: concurrent votes of one person never pass the limit. */
  changeBallot(workloadId: string, ballotId: string, rule: (current: RetroBallot | undefined) => Decided<RetroBallot>): Promise<Decided<RetroBallot>>;
  ballotsOf(workloadId: string, retroId: string): Promise<RetroBallot[]>;

  /** Stores a new action item; 'exists' when its id is taken. */
  addAction(action: RetroAction): Promise<'created' | 'exists'>;
  getAction(workloadId: string, actionId: string): Promise<RetroAction | undefined>;
  actionsOf(workloadId: string, retroId: string): Promise<RetroAction[]>;
  changeAction(workloadId: string, actionId: string, rule: (current: RetroAction) => Decided<RetroAction>): Promise<Decided<RetroAction> | undefined>;
  /** Open action items of every retro of a team (or chat): one point read of the team's list, kept in step with them. */
  openActionsOf(tenantId: string, scopeId: string): Promise<RetroAction[]>;
}
