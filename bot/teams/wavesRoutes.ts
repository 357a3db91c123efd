import { z } from 'zod';
import { documentIdListSchema, documentIdSchema, optionalDocumentIdSchema } from './payloads';
import { command, Routes, verb } from './router';
import type { WaveHandlers } from './wavesHandlers';

/** A place typed or carried by a card: a number, or its digits. */
const placeSchema = z
  .union([z.number(), z.string().max(6)])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : Number(v)));

/** Card data of the wave verbs: untrusted, parsed into typed values. A wave id is read only in the turn's own team partition. */
export const waveVerbData = {
  none: z.object({}),
  plan: z.object({
    name: z.string().max(200).default(''),
    start: z.string().max(20).default(''),
    end: z.string().max(20).default(''),
    workloads: documentIdListSchema(20000),
  }),
  waveRef: z.object({ waveId: documentIdSchema }),
  /** The review of a wave; `via` on a review card sent one to one names a workload of that wave (see WaveService.asReviewer). */
  reviewRef: z.object({ waveId: documentIdSchema, via: optionalDocumentIdSchema }),
  /** A move in (the workload picked in `moveInId`), a move out, or a new place; with the reason typed, and the review it belongs to. */
  change: z
    .object({
      waveId: documentIdSchema,
      op: z.enum(['in', 'out', 'place']),
      workloadId: optionalDocumentIdSchema,
      moveInId: optionalDocumentIdSchema,
      place: placeSchema,
      reason: z.string().max(2000).default(''),
      reviewOf: optionalDocumentIdSchema,
      via: optionalDocumentIdSchema,
    })
    .transform(({ moveInId, workloadId, reviewOf, place, via, ...rest }) => ({
      ...rest,
      workloadId: rest.op === 'in' ? moveInId || workloadId : workloadId,
      ...(place !== undefined ? { place } : {}),
      ...(reviewOf ? { reviewOf } : {}),
      ...(via ? { via } : {}),
    })),
} as const;

/** The wave commands and verbs: the current wave, planning, changing, closing, and the priorities review. */
export function wavesRoutes(h: WaveHandlers): Routes {
  return {
    commands: {
      wave: command((turn, args) => h.command(turn, args)),
    },
    verbs: {
      'wave.show': verb(waveVerbData.none, async (turn) => ({ card: await h.show(turn) }), 'view'),
      'wave.form': verb(waveVerbData.none, async (turn) => ({ card: await h.form(turn) }), 'view'),
      'wave.plan': verb(waveVerbData.plan, (turn, data) => h.plan(turn, data)),
      'wave.close': verb(waveVerbData.waveRef, (turn, data) => h.close(turn, data)),
      'wave.change': verb(waveVerbData.change, (turn, data) => h.change(turn, data)),
      'wave.review': verb(waveVerbData.reviewRef, (turn, data) => h.review(turn, data.via ? data : { waveId: data.waveId })),
    },
  };
}
