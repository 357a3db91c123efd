import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import { Notice, noticeSummaryOf, NoticeSummary } from '../broadcast/model';
import type { Workload, WorkloadSummaries } from '../release/model';
import { Retro, retroSummaryOf, RetroSummary } from '../retro/model';
import { cycleSummaryOf, CycleSummary, SignoffCycle } from '../signoff/model';
import { answer, changeWithRetry, orStale, STALE, WriteBudget } from './conditionalWrite';
import { queryPartition, toDomain } from './documents';

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

/** The summaries of a workload built from its documents: every cycle, the latest notices sent, the latest retro. */
export function summariesOf(documents: ReadonlyArray<SignoffCycle | Notice | Retro>): WorkloadSummaries {
  const cycles = documents.filter((d): d is SignoffCycle => d.type === 'cycle').map((c) => cycleSummaryOf(toDomain(c)));
  const notices = documents
    .filter((d): d is Notice => d.type === 'notice' && d.status !== 'draft')
    .map((n) => noticeSummaryOf(n))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
    .slice(0, NOTICES_SHOWN);
  const retro = documents.filter((d): d is Retro => d.type === 'retro').sort((a, b) => b.number - a.number)[0];
  return {
    ...(cycles.length ? { signoff: cycles.sort((a, b) => a.number - b.number) } : {}),
    ...(notices.length ? { notices } : {}),
    ...(retro ? { retro: retroSummaryOf(retro) } : {}),
    complete: true,
  };
}

/**
 * The workload as read, with summaries that tell the truth. A workload stored before summaries existed (or whose
 * summaries a change began while it was not yet migrated) has them built once from its documents, one
 * single-partition query, and written on its ETag; a workload moved meanwhile is read again. Every later read is as it was.
 * Undefined when the workload was deleted meanwhile.
 */
export async function withSummaries(container: Container, workload: Workload, budget: WriteBudget = {}): Promise<Workload | undefined> {
  if (workload.summaries?.complete) return workload;
  const { workloadId } = workload;
  let first: Workload | undefined = workload;
  const migrated = await changeWithRetry({
    ...budget,
    what: `building the summaries of ${workloadId}`,
    read: async () => {
      const given = first;
      first = undefined;
      if (given) return given;
      const { resource } = await container.item(workloadId, workloadId).read<Workload>();
      return resource ? toDomain(resource) : undefined;
    },
    apply: (current) => (!current || current.summaries?.complete ? answer(current) : current),
    write: async (current) => {
      const documents = await queryPartition<SignoffCycle | Notice | Retro>(
        container,
        workloadId,
        'SELECT * FROM c WHERE c.workloadId = @workloadId AND (c.type = "cycle" OR c.type = "notice" OR c.type = "retro")',
      );
      const { _etag, ...body } = current;
      const written = await orStale(
        container
          .item(workloadId, workloadId)
          .replace<Workload>({ ...body, summaries: { ...body.summaries, ...summariesOf(documents) } }, { accessCondition: { type: 'IfMatch', condition: _etag ?? '' } }),
      );
      if (written === STALE) return STALE;
      return written.resource ? toDomain(written.resource) : current;
    },
  });
  return migrated;
}
