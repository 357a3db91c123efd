import { z } from 'zod';
import { EVIDENCE_INPUTS } from '../release/evidence';
import { ROLES, type Role } from '../release/model';

/** Card data is untrusted input: these schemas turn it into typed values, or a refusal. */

/** Cosmos DB refuses these in an id (they end up in the request path); control characters have no place in one either. */
const UNSAFE_ID = /[/\\?#\p{Cc}]/u;
const ID_MAX = 255;
const safeId = (id: string): boolean => !UNSAFE_ID.test(id);
const ID_MESSAGE = 'not an id Liftoff gives out';

/** An id a card carries that names a Cosmos DB document: what Cosmos accepts, so a forged one is a typed refusal, not an SDK error. */
export const documentIdSchema = z.string().trim().min(1).max(ID_MAX).refine(safeId, ID_MESSAGE);
/** The same, where the person may have picked nothing (an empty choice). */
export const optionalDocumentIdSchema = z.string().trim().max(ID_MAX).refine(safeId, ID_MESSAGE).default('');
/** Ids a multi-select choice set answers with, comma-separated. */
export const documentIdListSchema = (max: number) =>
  z
    .string()
    .max(max)
    .default('')
    .transform((value) => [
      ...new Set(
        value
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(documentIdSchema));

export const workloadIdSchema = documentIdSchema;
/** A revision number a card carries, to tell a stale card from a current one. */
export const revisionSchema = z.coerce.number().int().positive();

const evidenceInput = z.union([z.string().max(6000), z.number()]).optional();
const evidenceInputs = Object.fromEntries(EVIDENCE_INPUTS.map((name) => [name, evidenceInput])) as Record<(typeof EVIDENCE_INPUTS)[number], typeof evidenceInput>;

export const releaseVerbData = {
  none: z.object({}),
  create: z.object({ name: z.string().max(200).default('') }),
  workloadRef: z.object({ workloadId: workloadIdSchema }),
  historyPage: z.object({ workloadId: workloadIdSchema, page: z.coerce.number().int().min(0).max(1000).default(0) }),
  gateDecide: z.object({
    workloadId: workloadIdSchema,
    decision: z.enum(['pass', 'fail', 'waive']),
    revs: z.record(documentIdSchema, revisionSchema),
    gateId: optionalDocumentIdSchema,
    note: z.string().max(5000).default(''),
  }),
  /** The evidence form of one gate, picked on the checklist's decision form. */
  gateForm: z.object({ workloadId: workloadIdSchema, gateId: optionalDocumentIdSchema }),
  /** A decision sent from a gate's evidence form, with its inputs (read by bot/release/evidence.ts). */
  gateRecord: z.object({
    workloadId: workloadIdSchema,
    gateId: documentIdSchema,
    rev: revisionSchema,
    decision: z.enum(['pass', 'fail', 'waive']),
    note: z.string().max(5000).default(''),
    ...evidenceInputs,
  }),
  /** Confirming stale evidence again, or a waiver as its second approver: the gate picked, and the revisions the card showed. */
  evidenceConfirm: z.object({ workloadId: workloadIdSchema, confirmGateId: optionalDocumentIdSchema, revs: z.record(documentIdSchema, revisionSchema).default({}) }),
  waiverConfirm: z.object({ workloadId: workloadIdSchema, waiverGateId: optionalDocumentIdSchema, revs: z.record(documentIdSchema, revisionSchema).default({}) }),
  waiverPolicy: z.object({ workloadId: workloadIdSchema, policy: z.enum(['cisoOnly', 'secondApprover']).default('cisoOnly') }),
  rolesSave: z
    .object({
      workloadId: workloadIdSchema,
      rolesRev: revisionSchema,
      /** One role and its people (an older card, or a typed payload)... */
      role: z.enum(ROLES).optional(),
      /** A multi-select choice set answers with comma-separated values. */
      people: z.string().max(20000).default(''),
    })
    /** ...or the roles card's one picker per role, `people_<role>`, all saved in one submit. */
    .extend(Object.fromEntries(ROLES.map((r) => [`people_${r}`, z.string().max(20000).optional()])) as Record<`people_${Role}`, z.ZodOptional<z.ZodString>>),
} as const;

export type GateDecideData = z.infer<typeof releaseVerbData.gateDecide>;
export type GateRecordData = z.infer<typeof releaseVerbData.gateRecord>;
export type EvidenceConfirmData = z.infer<typeof releaseVerbData.evidenceConfirm>;
export type WaiverConfirmData = z.infer<typeof releaseVerbData.waiverConfirm>;
export type WaiverPolicyData = z.infer<typeof releaseVerbData.waiverPolicy>;
export type RolesSaveData = z.infer<typeof releaseVerbData.rolesSave>;

/** The people picked for each role a roles submit names, as ids; roles it does not name keep their holders. */
export function rolePicks(data: RolesSaveData): Partial<Record<Role, string[]>> {
  const split = (value: string): string[] => [
    ...new Set(
      value
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ];
  const picks: Partial<Record<Role, string[]>> = {};
  for (const role of ROLES) {
    const value = data[`people_${role}`];
    if (value !== undefined) picks[role] = split(value);
  }
  if (data.role) picks[data.role] = split(data.people);
  return picks;
}

/** The invoke value of an Action.Execute, as Teams sends it. */
export const actionInvokeValue = z.object({
  action: z.object({
    type: z.literal('Action.Execute'),
    verb: z.string().min(1).max(100),
    data: z.record(z.string(), z.unknown()).nullish(),
  }),
  trigger: z.enum(['manual', 'automatic']).optional(),
});
