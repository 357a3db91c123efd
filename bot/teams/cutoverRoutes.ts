import { z } from 'zod';
import type { CutoverHandlers } from './cutoverHandlers';
import { documentIdSchema, optionalDocumentIdSchema, workloadIdSchema } from './payloads';
import { Routes, workloadCommand, workloadVerb } from './router';

const typed = (max: number) => z.string().max(max).default('');
/** Input.Number answers a number, or a string when edited on some clients. */
const numberText = z
  .union([z.string().max(20), z.number()])
  .default('')
  .transform(String);

/** Card data of the release window verbs: untrusted, parsed into typed values. */
export const cutoverVerbData = {
  workloadRef: z.object({ workloadId: workloadIdSchema }),
  plan: z.object({
    workloadId: workloadIdSchema,
    startDate: typed(20),
    startTime: typed(20),
    endDate: typed(20),
    endTime: typed(20),
    timeZone: typed(100),
    model: z.enum(['single', 'staged']).default('single'),
    shares: typed(100),
    oldRecord: typed(400),
    newRecord: typed(400),
    ttlSeconds: numberText,
  }),
  answer: z.object({ workloadId: workloadIdSchema, windowId: documentIdSchema, answer: z.enum(['go', 'noGo']), comment: typed(2000) }),
  step: z.object({ workloadId: workloadIdSchema, windowId: documentIdSchema, stepId: documentIdSchema, outcome: z.enum(['done', 'failed']), note: typed(2000) }),
  runbook: z.object({
    workloadId: workloadIdSchema,
    windowId: documentIdSchema,
    rev: z.union([
      z.number().int(),
      z
        .string()
        .regex(/^\d{1,9}$/)
        .transform(Number),
    ]),
    op: z.enum(['edit', 'add', 'remove']),
    editStepId: optionalDocumentIdSchema,
    stepTitle: typed(1000),
    stepOwner: typed(40),
    stepMinutes: numberText,
    stepPhase: z.enum(['forward', 'rollback']).default('forward'),
  }),
  rollBack: z.object({ workloadId: workloadIdSchema, windowId: documentIdSchema, reason: typed(2000) }),
  blackout: z.object({
    workloadId: workloadIdSchema,
    blackoutName: typed(200),
    blackoutStartDate: typed(20),
    blackoutStartTime: typed(20),
    blackoutEndDate: typed(20),
    blackoutEndTime: typed(20),
    blackoutTimeZone: typed(100),
  }),
} as const;

/** The release window commands and verbs: plan, go/no-go, the runbook, rollback, and blackouts. */
export function cutoverRoutes(h: CutoverHandlers): Routes {
  return {
    commands: {
      cutover: workloadCommand((turn, w) => h.card(turn, w)),
    },
    verbs: {
      'cutover.show': workloadVerb(cutoverVerbData.workloadRef, async (turn, _data, w) => ({ card: await h.card(turn, w) }), { kind: 'view' }),
      'cutover.plan': workloadVerb(cutoverVerbData.plan, (turn, data, w) => h.plan(turn, data, w)),
      'cutover.answer': workloadVerb(cutoverVerbData.answer, (turn, data, w) => h.answer(turn, data, w)),
      'cutover.step': workloadVerb(cutoverVerbData.step, (turn, data, w) => h.step(turn, data, w)),
      'cutover.runbook': workloadVerb(cutoverVerbData.runbook, (turn, data, w) => h.runbook(turn, data, w)),
      'cutover.rollback': workloadVerb(cutoverVerbData.rollBack, (turn, data, w) => h.rollBack(turn, data, w)),
      'blackout.add': workloadVerb(cutoverVerbData.blackout, (turn, data, w) => h.blackout(turn, data, w)),
    },
  };
}
