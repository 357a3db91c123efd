import { z } from 'zod';
import { documentIdListSchema, documentIdSchema, revisionSchema, workloadIdSchema } from './payloads';

/** Card data of the change communication verbs: untrusted input, turned into typed values or refused. */

const noticeIdSchema = documentIdSchema;
const text = (max: number) => z.string().max(max).default('');
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
    sendDate: text(20),
    sendTime: text(20),
    here: toggle,
    everyone: toggle,
    channels: documentIdListSchema(50_000),
    teams: documentIdListSchema(50_000),
    people: documentIdListSchema(50_000),
  }),
  uncertain: z.object({ workloadId: workloadIdSchema, noticeId: noticeIdSchema, choice: z.enum(['resend', 'leave']) }),
  update: z.object({ workloadId: workloadIdSchema, noticeId: noticeIdSchema, rev: revisionSchema, ...contentFields }),
} as const;

export type NoticeRefData = z.infer<typeof broadcastVerbData.noticeRef>;
export type PreviewData = z.infer<typeof broadcastVerbData.preview>;
export type UncertainData = z.infer<typeof broadcastVerbData.uncertain>;
export type UpdateData = z.infer<typeof broadcastVerbData.update>;
