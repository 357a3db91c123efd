import { z } from 'zod';
import { revisionSchema, workloadIdSchema } from './payloads';

/** Card data of the change communication verbs: untrusted input, turned into typed values or refused. */

const noticeIdSchema = z.string().trim().min(3).max(200);
const text = (max: number) => z.string().max(max).default('');
/** A multi-select choice set answers with comma-separated values. */
const list = z
  .string()
  .max(50_000)
  .default('')
  .transform((value) => [...new Set(value.split(',').map((v) => v.trim()).filter(Boolean))]);
const toggle = z
  .union([z.string(), z.boolean()])
  .default('false')
  .transform((value) => value === true || value === 'true');

const contentFields = {
  kind: text(40),
  title: text(500),
  body: text(10_000),
  startDate: text(20),
  startTime: text(20),
  endDate: text(20),
  endTime: text(20),
  timeZone: text(100),
  impact: text(1000),
  contact: text(1000),
  changePlanUrl: text(1000),
};

export const broadcastVerbData = {
  workloadRef: z.object({ workloadId: workloadIdSchema }),
  noticeRef: z.object({ workloadId: workloadIdSchema, noticeId: noticeIdSchema }),
  send: z.object({ workloadId: workloadIdSchema, noticeId: noticeIdSchema, rev: revisionSchema }),
  preview: z.object({
    workloadId: workloadIdSchema,
    noticeId: noticeIdSchema,
    ...contentFields,
    here: toggle,
    everyone: toggle,
    channels: list,
    teams: list,
    people: list,
  }),
  update: z.object({ workloadId: workloadIdSchema, noticeId: noticeIdSchema, rev: revisionSchema, ...contentFields }),
} as const;

export type NoticeRefData = z.infer<typeof broadcastVerbData.noticeRef>;
export type PreviewData = z.infer<typeof broadcastVerbData.preview>;
export type UpdateData = z.infer<typeof broadcastVerbData.update>;
