import type { Person, Workload } from '../../bot/release/model';
import type { StartRequest } from '../../bot/retro/rules';
import { NOW } from './builders';

/** A request to start the first, anonymous CAF retro of a workload, with a deadline in Paris; override what a spec is about. */
export function startRequest(workload: Workload, actor: Person, overrides: Partial<StartRequest> = {}): StartRequest {
  return {
    workload,
    retroId: `${workload.workloadId}:retro-1`,
    number: 1,
    template: 'caf',
    anonymous: true,
    deadline: { date: '2026-11-27', time: '17:00', timeZone: 'Europe/Paris' },
    votesPerPerson: 3,
    actor,
    channel: { conversationId: 'c', serviceUrl: 'https://example.test/', tenantId: workload.scope.tenantId, reference: {} },
    viewers: [],
    existing: [],
    now: NOW,
    ...overrides,
  };
}
