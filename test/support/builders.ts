import { createHash } from 'node:crypto';
import type { Person, WorkloadScope } from '../../bot/release/model';
import type { OpenCycleRequest } from '../../bot/signoff/rules';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/** A person with a deterministic AAD object id derived from a short name. */
export function person(name: string): Person {
  const hex = createHash('sha256').update(name.toLowerCase()).digest('hex').slice(0, 12);
  return { aadObjectId: `00000000-0000-4000-8000-${hex}`, name };
}

export function scope(overrides: Partial<WorkloadScope> = {}): WorkloadScope {
  return { tenantId: TENANT, scopeId: '19:team-general@thread.tacv2', conversationId: '19:team-general@thread.tacv2', ...overrides };
}

export const NOW = '2026-11-22T09:00:00.000Z';

/** The fields of a downtime notice as the compose card submits them. */
export const downtime = {
  kind: 'downtime',
  title: 'Payroll API offline Saturday night',
  body: 'The **Payroll API** moves to Azure. Payslips cannot be generated during the window.',
  startDate: '2026-11-28',
  startTime: '22:00',
  endDate: '2026-11-29',
  endTime: '02:00',
  timeZone: 'Europe/Paris',
  impact: 'Payslip generation unavailable',
  contact: 'payroll-release@contoso.example',
  changePlanUrl: 'https://contoso.example/change-plans/payroll',
};

/**
 * A request to open a UAT cycle as the form sends it: every tester must approve, a rejection fails the cycle,
 * due 25 November 2026 at 17:00 in Paris, with a test plan; who takes part comes from the spec.
 */
export function cycleRequest(people: Pick<OpenCycleRequest, 'workload' | 'testers' | 'finalApprovers' | 'actor'>, overrides: Partial<OpenCycleRequest> = {}): OpenCycleRequest {
  return {
    cycles: [],
    rule: 'all',
    rejection: 'failsCycle',
    dueDate: '2026-11-25',
    dueTime: '17:00',
    timeZone: 'Europe/Paris',
    testPlanUrl: 'https://contoso.example/plan',
    scopeNotes: '',
    now: NOW,
    ...people,
    ...overrides,
  };
}
