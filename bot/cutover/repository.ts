import type { AuditEvent } from '../release/model';
import type { Blackout, CutoverWindow, GoNoGoAnswer } from './model';
import type { WindowDecision } from './rules';

/** A workload's windows and the go/no-go answers given on them, read together from its partition. */
export interface WindowRecord {
  windows: CutoverWindow[];
  answers: GoNoGoAnswer[];
}

/**
 * Where release windows live: the workload's partition (windows, answers, audit events), and the team's
 * partition for its blackout periods. Implemented over Cosmos DB in bot/store.
 */
export interface CutoverRepository {
  /** Every window of the workload (oldest first) and every answer, in one single-partition query. */
  record(workloadId: string): Promise<WindowRecord>;
  /** Stores a new window with its audit event; 'exists' when its id is taken (a concurrent or retried plan). */
  createWindow(window: CutoverWindow, event: Omit<AuditEvent, 'id'>): Promise<'created' | 'exists'>;
  /** Stores an answer with its audit event; 'taken' when this stakeholder already answered. */
  answer(answer: GoNoGoAnswer, event: Omit<AuditEvent, 'id'>): Promise<'recorded' | 'taken'>;
  /** Re-reads the window and its answers, applies the rule and stores the result with its event on the window's ETag. */
  changeWindow(workloadId: string, windowId: string, rule: (window: CutoverWindow, answers: GoNoGoAnswer[]) => WindowDecision): Promise<WindowDecision | undefined>;
  blackouts(teamPartition: string): Promise<Blackout[]>;
  addBlackout(blackout: Blackout): Promise<'created' | 'exists'>;
}
