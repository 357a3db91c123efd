import { z } from 'zod';
import { REJECTION_EFFECTS, RULE_KINDS } from '../signoff/model';
import { workloadIdSchema } from './payloads';

/** Card data of the sign-off verbs: untrusted input, turned into typed values or refused. */

export const cycleIdSchema = z.string().regex(/^uat-\d{1,6}$/);

/** Input.Number answers a number, a numeric string, or nothing. */
const optionalCount = z.preprocess((value) => (value === '' || value === null || value === undefined ? undefined : typeof value === 'string' ? Number(value) : value), z.number().finite().optional());

const text = (max: number) => z.string().max(max).default('');

export const signoffVerbData = {
  cycleRef: z.object({ workloadId: workloadIdSchema, cycleId: cycleIdSchema }),
  open: z.object({
    workloadId: workloadIdSchema,
    /** A multi-select choice set answers with comma-separated values. */
    testers: text(20_000),
    rule: z.enum(RULE_KINDS).default('all'),
    atLeast: optionalCount,
    rejection: z.enum(REJECTION_EFFECTS).default('failsCycle'),
    dueDate: text(40),
    dueTime: text(40),
    timeZone: text(100),
    testPlanUrl: text(4000),
    scopeNotes: text(5000),
  }),
  decide: z.object({
    workloadId: workloadIdSchema,
    cycleId: cycleIdSchema,
    decision: z.enum(['approve', 'reject']),
    comment: text(5000),
    evidence: text(4000),
  }),
  final: z.object({
    workloadId: workloadIdSchema,
    cycleId: cycleIdSchema,
    decision: z.enum(['approve', 'reject']),
    comment: text(5000),
  }),
  /** "Cancel the cycle": the reason comes from the required input of the card it shows. */
  cancel: z.object({
    workloadId: workloadIdSchema,
    cycleId: cycleIdSchema,
    reason: text(5000),
  }),
} as const;

export type OpenCycleData = z.infer<typeof signoffVerbData.open>;
export type DecideData = z.infer<typeof signoffVerbData.decide>;
export type FinalData = z.infer<typeof signoffVerbData.final>;
export type CancelData = z.infer<typeof signoffVerbData.cancel>;
export type CycleRefData = z.infer<typeof signoffVerbData.cycleRef>;
