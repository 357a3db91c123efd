import { z } from 'zod';
import { documentIdListSchema, documentIdSchema, optionalDocumentIdSchema, workloadIdSchema } from './payloads';
import type { PlanHandlers } from './planHandlers';
import { Routes, workloadCommand, workloadVerb } from './router';

const typed = (max: number) => z.string().max(max).default('');
const toggle = z
  .union([z.string(), z.boolean()])
  .default('false')
  .transform((value) => value === true || value === 'true');

/** Card data of the communication plan verbs: untrusted, parsed into typed values. */
export const planVerbData = {
  workloadRef: z.object({ workloadId: workloadIdSchema }),
  entry: z.object({ workloadId: workloadIdSchema, entryId: documentIdSchema }),
  edit: z.object({ workloadId: workloadIdSchema, entryId: optionalDocumentIdSchema }),
  switch: z.object({ workloadId: workloadIdSchema, entryId: documentIdSchema, on: toggle }),
  save: z.object({
    workloadId: workloadIdSchema,
    entryId: documentIdSchema,
    rev: z.coerce.number().int().min(0).default(0),
    kind: typed(40),
    title: typed(500),
    body: typed(10_000),
    when: typed(40),
    amount: typed(20),
    unit: typed(20),
    date: typed(20),
    time: typed(20),
    timeZone: typed(100),
    conversation: toggle,
    team: toggle,
    everyone: toggle,
    roles: documentIdListSchema(2000),
    channels: documentIdListSchema(50_000),
    people: documentIdListSchema(50_000),
  }),
} as const;

export type PlanEntryData = z.infer<typeof planVerbData.edit>;
export type PlanSwitchData = z.infer<typeof planVerbData.switch>;
export type PlanSaveData = z.infer<typeof planVerbData.save>;

/** The communication plan command and verbs: show, plan or edit a notice, preview, approve, turn off or on. */
export function planRoutes(h: PlanHandlers): Routes {
  return {
    commands: {
      plan: workloadCommand((turn, w) => h.command(turn, w)),
    },
    verbs: {
      'plan.show': workloadVerb(planVerbData.workloadRef, async (turn, _data, w) => ({ card: await h.card(turn, w) }), { kind: 'view' }),
      'plan.edit': workloadVerb(planVerbData.edit, (turn, data, w) => h.edit(turn, data, w), { kind: 'view' }),
      'plan.preview': workloadVerb(planVerbData.entry, (turn, data, w) => h.preview(turn, data, w), { kind: 'view' }),
      'plan.save': workloadVerb(planVerbData.save, (turn, data, w) => h.save(turn, data, w)),
      'plan.approve': workloadVerb(planVerbData.entry, (turn, data, w) => h.approve(turn, data, w)),
      'plan.switch': workloadVerb(planVerbData.switch, (turn, data, w) => h.switch(turn, data, w)),
    },
  };
}
