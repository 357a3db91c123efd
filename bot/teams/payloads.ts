import { z } from 'zod';
import { ROLES } from '../release/model';

/** Card data is untrusted input: these schemas turn it into typed values, or a sentence. */

const workloadId = z.string().trim().min(3).max(300);
const revision = z.coerce.number().int().positive();

export const verbData = {
  'help.show': z.object({}),
  'workload.list': z.object({}),
  'workload.create': z.object({ name: z.string().max(200).default('') }),
  'workload.status': z.object({ workloadId }),
  'roles.show': z.object({ workloadId }),
  'history.show': z.object({ workloadId }),
  'gate.decide': z.object({
    workloadId,
    decision: z.enum(['pass', 'fail', 'waive']),
    revs: z.record(z.string().max(100), revision),
    gateId: z.string().max(100).default(''),
    note: z.string().max(5000).default(''),
  }),
  'roles.save': z.object({
    workloadId,
    rolesRev: revision,
    role: z.enum(ROLES),
    /** A multi-select choice set answers with comma-separated values. */
    people: z.string().max(20000).default(''),
  }),
} as const;

export type Verb = keyof typeof verbData;
export type VerbData<V extends Verb> = z.infer<(typeof verbData)[V]>;

export const isVerb = (verb: string): verb is Verb => Object.prototype.hasOwnProperty.call(verbData, verb);

/** The invoke value of an Action.Execute, as Teams sends it. */
export const actionInvokeValue = z.object({
  action: z.object({
    type: z.literal('Action.Execute'),
    verb: z.string().min(1).max(100),
    data: z.record(z.string(), z.unknown()).nullish(),
  }),
  trigger: z.enum(['manual', 'automatic']).optional(),
});
