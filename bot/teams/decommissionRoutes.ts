import { z } from 'zod';
import { assetInputs } from '../../cards/decommission';
import type { DecommissionHandlers } from './decommissionHandlers';
import { documentIdSchema, workloadIdSchema } from './payloads';
import { Routes, workloadCommand, workloadVerb } from './router';

const typed = (max: number) => z.string().max(max).default('');
/** Input.Number answers a number, or a string when edited on some clients. */
const numberText = z
  .union([z.string().max(20), z.number()])
  .default('')
  .transform(String);

/** Card data of the decommission and cost review verbs: untrusted, parsed into typed values. */
export const decommissionVerbData = {
  workloadRef: z.object({ workloadId: workloadIdSchema }),
  /** The card, with the edit forms of one asset when a large card asks for them (`focus`). */
  show: z.object({ workloadId: workloadIdSchema, focus: documentIdSchema.optional() }),
  list: z
    .object({ workloadId: workloadIdSchema, lines: typed(20_000), assetName: typed(400), kind: typed(200), location: typed(400), cost: typed(40), owner: typed(200) })
    .transform(({ assetName, ...rest }) => ({ ...rest, name: assetName })),
  step: z.object({
    workloadId: workloadIdSchema,
    assetId: documentIdSchema,
    to: z.enum(['monitored', 'outageTested', 'poweredOff', 'held', 'disposed', 'kept']),
    note: typed(2000),
    holdDays: numberText,
  }),
  /** The asset's edit inputs carry its id in their names (ids are unique on a card): read back by it. */
  edit: z
    .object({ workloadId: workloadIdSchema, assetId: documentIdSchema, rev: numberText })
    .catchall(z.unknown())
    .transform((data, ctx) => {
      const ids = assetInputs(data.assetId);
      const field = (key: keyof typeof ids, max: number): string => {
        const value = data[ids[key]] ?? '';
        if ((typeof value === 'string' || typeof value === 'number') && String(value).length <= max) return String(value);
        ctx.addIssue({ code: 'custom', path: [ids[key]], message: `at most ${max} characters of text` });
        return '';
      };
      return {
        workloadId: data.workloadId,
        assetId: data.assetId,
        seenRev: Number(data.rev),
        fields: { name: field('name', 400), kind: field('kind', 200), location: field('location', 400), cost: field('cost', 40), owner: field('owner', 200) },
      };
    }),
  remove: z.object({ workloadId: workloadIdSchema, assetId: documentIdSchema }),
  review: z.object({
    workloadId: workloadIdSchema,
    planned: typed(40),
    actual: typed(40),
    optimizations: typed(12_000),
    decision: typed(2000),
    pass: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  }),
} as const;

/** Decommission, asset by asset, and the cost review after migration: typed commands (the manifest's lists are full) and card verbs. */
export function decommissionRoutes(h: DecommissionHandlers): Routes {
  return {
    commands: {
      decommission: workloadCommand((turn, w) => h.card(turn, w)),
      'cost-review': workloadCommand((turn, w) => h.reviewCard(turn, w)),
    },
    verbs: {
      'decommission.show': workloadVerb(decommissionVerbData.show, async (turn, data, w) => ({ card: await h.card(turn, w, undefined, undefined, data.focus) }), { kind: 'view' }),
      'decommission.list': workloadVerb(decommissionVerbData.list, (turn, data, w) => h.list(turn, data, w)),
      'decommission.step': workloadVerb(decommissionVerbData.step, (turn, data, w) => h.step(turn, data, w)),
      'decommission.edit': workloadVerb(decommissionVerbData.edit, (turn, data, w) => h.edit(turn, data, w)),
      'decommission.remove': workloadVerb(decommissionVerbData.remove, (turn, data, w) => h.remove(turn, data, w)),
      'costreview.show': workloadVerb(decommissionVerbData.workloadRef, async (turn, _data, w) => ({ card: await h.reviewCard(turn, w) }), { kind: 'view' }),
      'costreview.save': workloadVerb(decommissionVerbData.review, (turn, data, w) => h.saveReview(turn, data, w)),
    },
  };
}
