import { z } from 'zod';
import { ROLES } from '../release/model';

/** Card data is untrusted input: these schemas turn it into typed values, or a refusal. */

export const workloadIdSchema = z.string().trim().min(3).max(300);
/** A revision number a card carries, to tell a stale card from a current one. */
export const revisionSchema = z.coerce.number().int().positive();

export const releaseVerbData = {
  none: z.object({}),
  create: z.object({ name: z.string().max(200).default('') }),
  workloadRef: z.object({ workloadId: workloadIdSchema }),
  gateDecide: z.object({
    workloadId: workloadIdSchema,
    decision: z.enum(['pass', 'fail', 'waive']),
    revs: z.record(z.string().max(100), revisionSchema),
    gateId: z.string().max(100).default(''),
    note: z.string().max(5000).default(''),
  }),
  rolesSave: z.object({
    workloadId: workloadIdSchema,
    rolesRev: revisionSchema,
    role: z.enum(ROLES),
    /** A multi-select choice set answers with comma-separated values. */
    people: z.string().max(20000).default(''),
  }),
} as const;

export type GateDecideData = z.infer<typeof releaseVerbData.gateDecide>;
export type RolesSaveData = z.infer<typeof releaseVerbData.rolesSave>;

/** The invoke value of an Action.Execute, as Teams sends it. */
export const actionInvokeValue = z.object({
  action: z.object({
    type: z.literal('Action.Execute'),
    verb: z.string().min(1).max(100),
    data: z.record(z.string(), z.unknown()).nullish(),
  }),
  trigger: z.enum(['manual', 'automatic']).optional(),
});
