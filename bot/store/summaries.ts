import type { JSONObject, OperationInput } from '@azure/cosmos';
import type { NoticeSummary } from '../broadcast/model';
import type { Workload, WorkloadSummaries } from '../release/model';
import type { RetroSummary } from '../retro/model';
import type { CycleSummary } from '../signoff/model';

/**
 * The guarded replace of the workload document that brings one of its summaries in step (see WorkloadSummaries),
 * for the same transactional batch as the change it summarises; undefined when the summary already says so.
 * It goes first in the batch: when the workload moved meanwhile (412), nothing else is applied and the change is read again.
 */
export function summaryReplace<K extends keyof WorkloadSummaries>(workload: Workload, key: K, value: WorkloadSummaries[K]): OperationInput | undefined {
  return JSON.stringify(workload.summaries?.[key]) === JSON.stringify(value) ? undefined : workloadReplace(workload, key, value);
}

/** The guarded replace of the workload document as given, with one of its summaries set. */
export function workloadReplace<K extends keyof WorkloadSummaries>(workload: Workload, key: K, value: WorkloadSummaries[K]): OperationInput {
  const { _etag, ...body } = workload;
  const resourceBody = { ...body, summaries: { ...body.summaries, [key]: value } } as unknown as JSONObject;
  return { operationType: 'Replace', id: workload.id, partitionKey: workload.workloadId, ifMatch: _etag ?? '', resourceBody };
}

/** The cycles' summary with this cycle as it is now. */
export function cyclesWith(workload: Workload, cycle: CycleSummary): CycleSummary[] {
  return [...(workload.summaries?.signoff ?? []).filter((c) => c.id !== cycle.id), cycle].sort((a, b) => a.number - b.number);
}

/** How many notices the checklist shows. */
export const NOTICES_SHOWN = 3;

/** The notices' summary with this notice as it is now: drafts are not shown. */
export function noticesWith(workload: Workload, notice: NoticeSummary & { draft: boolean }): NoticeSummary[] {
  const { draft, ...line } = notice;
  const others = (workload.summaries?.notices ?? []).filter((n) => n.id !== line.id);
  const all = draft ? others : [...others, line];
  return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)).slice(0, NOTICES_SHOWN);
}

/** The retro summary with this retro, when it is the latest. */
export function retroWith(workload: Workload, retro: RetroSummary): RetroSummary | undefined {
  const current = workload.summaries?.retro;
  return current && current.number > retro.number ? current : retro;
}
