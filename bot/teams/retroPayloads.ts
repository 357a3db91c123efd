import { z } from 'zod';
import { RETRO_PHASES, RETRO_TEMPLATE_IDS } from '../retro/model';
import { documentIdListSchema, documentIdSchema, optionalDocumentIdSchema, workloadIdSchema } from './payloads';

/** Card data of the retrospective verbs: untrusted input, turned into typed values or a refusal. */

const text = (max: number) => z.string().max(max).default('');
/** Input.Toggle answers "true"/"false"; card data may carry a boolean. */
const flag = (fallback: boolean) =>
  z
    .union([z.boolean(), z.enum(['true', 'false'])])
    .default(fallback)
    .transform((v) => v === true || v === 'true');

const retroRef = z.object({ workloadId: workloadIdSchema, retroId: documentIdSchema });

export const retroVerbData = {
  none: z.object({}),
  workloadRef: z.object({ workloadId: workloadIdSchema }),
  retroRef,
  start: z.object({
    workloadId: workloadIdSchema,
    template: z.enum(RETRO_TEMPLATE_IDS as [string, ...string[]]).default('caf'),
    anonymous: flag(true),
    deadlineDate: text(20),
    deadlineTime: text(20),
    timeZone: text(100),
    votes: z.coerce.number().int().min(1).max(10).default(3),
  }),
  /** The entries arrive as inputs named q_<questionId>, one per question. */
  entryAdd: retroRef.catchall(z.unknown()),
  entryEdit: retroRef.extend({ entryId: optionalDocumentIdSchema, text: text(5000) }),
  entryDelete: retroRef.extend({ entryId: optionalDocumentIdSchema }),
  phase: retroRef.extend({ from: z.enum(RETRO_PHASES) }),
  /** A multi-select choice set answers with comma-separated values. */
  merge: retroRef.extend({ into: optionalDocumentIdSchema, from: documentIdListSchema(20000).transform((ids) => ids.join(',')) }),
  vote: retroRef.extend({ entryId: documentIdSchema, vote: z.enum(['add', 'remove']) }),
  actionAdd: retroRef.extend({
    actionText: text(2000),
    owner: text(100),
    due: text(20),
    targetWorkload: optionalDocumentIdSchema,
    wave: text(200),
  }),
  close: retroRef.extend({ noActions: flag(false) }),
  actionDone: z.object({ workloadId: workloadIdSchema, actionId: documentIdSchema }),
} as const;

export type RetroRef = z.infer<typeof retroRef>;
export type RetroStartData = z.infer<typeof retroVerbData.start>;
export type RetroActionAddData = z.infer<typeof retroVerbData.actionAdd>;

/** The entries typed on a card: inputs named q_<questionId> with text in them. */
export function typedEntries(data: Record<string, unknown>): Array<{ questionId: string; text: string }> {
  return Object.entries(data)
    .filter((pair): pair is [string, string] => pair[0].startsWith('q_') && typeof pair[1] === 'string' && pair[1].trim() !== '')
    .map(([key, value]) => ({ questionId: key.slice(2), text: value.slice(0, 5000) }));
}
