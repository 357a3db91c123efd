import type { WorkloadDetail } from '../../bot/tab/view';
import { pending, useApi } from './useApi';
import { WorkloadDetails } from './WorkloadDetails';

/** The panel is polled like the board: a vote or an acknowledgement in chat shows within seconds. */
const REFRESH_MS = 5_000;

/** The selected workload, read and polled: gates with owners and evidence, UAT cycles, notices, retro action items, and the audit trail. */
export function WorkloadPanel({ workloadId }: { workloadId: string }) {
  const state = useApi<WorkloadDetail>(`/api/tab/workloads/${encodeURIComponent(workloadId)}`, REFRESH_MS);
  const detail = state.data;
  if (!detail) return pending(state, { failed: 'This workload could not be shown', reading: 'Reading the workload' });
  return <WorkloadDetails detail={detail} />;
}
