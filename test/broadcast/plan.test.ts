import { strict as assert } from 'node:assert';
import {
  approveEntry,
  checkTiming,
  CommPlan,
  dueAtOf,
  dueEntries,
  emptyPlan,
  EntryInput,
  followWindow,
  markSent,
  plannedContent,
  plannedNoticeId,
  PlanResult,
  planSummary,
  planSummaryLine,
  resolveAudience,
  saveEntry,
  switchEntry,
  timingText,
  WindowMilestones,
  workloadAudience,
} from '../../bot/broadcast/plan';
import type { Workload } from '../../bot/release/model';
import { assignRoles, newWorkload } from '../../bot/release/rules';
import { NOW, person, scope } from '../support/builders';

const pm = person('Priya');
const cm = person('Chloe');
const cm2 = person('Carl');
const bea = person('Bea');
const outsider = person('Olga');
const HOUR = 3_600_000;

function workload(): Workload {
  const w = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
  const r = assignRoles(w, { roles: { changeManager: [cm, cm2], businessOwner: [bea] }, rolesRev: 1, actor: pm, now: NOW });
  assert.equal(r.kind, 'changed');
  return r.workload;
}

const later = (hours: number): string => new Date(Date.parse(NOW) + hours * HOUR).toISOString();

function window(overrides: Partial<WindowMilestones> = {}): WindowMilestones {
  return {
    windowId: 'window-1',
    number: 1,
    state: 'planned',
    held: false,
    // 2026-11-24 20:00 in Paris is 19:00 UTC.
    start: { at: '2026-11-24T19:00:00.000Z', timeZone: 'Europe/Paris', local: '2026-11-24 20:00' },
    end: { at: '2026-11-24T22:00:00.000Z', timeZone: 'Europe/Paris', local: '2026-11-24 23:00' },
    ...overrides,
  };
}

const input = (overrides: Partial<EntryInput> = {}): EntryInput => ({
  entryId: 'n-1',
  kind: 'ahead',
  title: 'Payroll moves next week',
  body: 'Payroll moves to Azure.',
  audience: workloadAudience(),
  timing: { kind: 'at', local: '2026-11-23T10:00', timeZone: 'Europe/Paris', at: '2026-11-23T09:00:00.000Z' },
  rev: 0,
  ...overrides,
});

const changed = (result: PlanResult): CommPlan => {
  assert.equal(result.kind, 'changed', result.kind === 'refused' ? result.message : '');
  return result.plan;
};

const save = (plan: CommPlan, overrides: Partial<EntryInput> = {}, approvalRequired = false, actor = cm) =>
  saveEntry(plan, { workload: workload(), actor, input: input(overrides), approvalRequired, now: NOW });

describe('communication plan rules', () => {
  describe('timing', () => {
    it('reads a date and time in a time zone as the instant it names, and refuses a time that has passed or that the clocks skip', () => {
      const paris = checkTiming({ when: 'at', amount: '', unit: '', date: '2026-11-23', time: '10:00', timeZone: 'Europe/Paris' }, NOW);
      assert.deepEqual(paris, { ok: true, timing: { kind: 'at', local: '2026-11-23T10:00', timeZone: 'Europe/Paris', at: '2026-11-23T09:00:00.000Z' } });
      const tokyo = checkTiming({ when: 'at', amount: '', unit: '', date: '2026-11-23', time: '10:00', timeZone: 'Asia/Tokyo' }, NOW);
      assert.equal(tokyo.ok && tokyo.timing.kind === 'at' && tokyo.timing.at, '2026-11-23T01:00:00.000Z');
      const past = checkTiming({ when: 'at', amount: '', unit: '', date: '2026-11-22', time: '09:00', timeZone: 'UTC' }, NOW);
      assert.deepEqual(past, { ok: false, message: 'The time to send has passed; pick a time to come.' });
      const skipped = checkTiming({ when: 'at', amount: '', unit: '', date: '2027-03-28', time: '02:30', timeZone: 'Europe/Paris' }, NOW);
      assert.equal(skipped.ok, false);
      assert.match(skipped.ok ? '' : skipped.message, /clocks skip/);
    });

    it('reads N hours or days before or after a milestone as an offset, and refuses a count that is not a whole number', () => {
      assert.deepEqual(checkTiming({ when: 'beforeStart', amount: '2', unit: 'days', date: '', time: '', timeZone: '' }, NOW), {
        ok: true,
        timing: { kind: 'milestone', milestone: 'windowStart', offsetMinutes: -2880 },
      });
      assert.deepEqual(checkTiming({ when: 'afterEnd', amount: '3', unit: 'hours', date: '', time: '', timeZone: '' }, NOW), {
        ok: true,
        timing: { kind: 'milestone', milestone: 'windowEnd', offsetMinutes: 180 },
      });
      assert.deepEqual(checkTiming({ when: 'atStart', amount: '', unit: '', date: '', time: '', timeZone: '' }, NOW), {
        ok: true,
        timing: { kind: 'milestone', milestone: 'windowStart', offsetMinutes: 0 },
      });
      assert.equal(checkTiming({ when: 'beforeStart', amount: '1.5', unit: 'hours', date: '', time: '', timeZone: '' }, NOW).ok, false);
      assert.equal(checkTiming({ when: 'sometime', amount: '', unit: '', date: '', time: '', timeZone: '' }, NOW).ok, false);
    });

    it('puts a milestone-relative notice at the window time plus its offset, and none before there is a window', () => {
      const before = { kind: 'milestone', milestone: 'windowStart', offsetMinutes: -24 * 60 } as const;
      assert.equal(dueAtOf(before, undefined), undefined);
      assert.equal(dueAtOf(before, window()), '2026-11-23T19:00:00.000Z');
      assert.equal(dueAtOf({ kind: 'milestone', milestone: 'windowEnd', offsetMinutes: 60 }, window()), '2026-11-24T23:00:00.000Z');
      assert.equal(timingText(before), "1 day before the release window's start");
      assert.equal(timingText({ kind: 'milestone', milestone: 'windowEnd', offsetMinutes: 180 }), "3 hours after the release window's end");
    });

    it('holds notices about the start and end while a no-go holds the window, drops them when it is rolled back, and times go-live and rollback at the event', () => {
      const start = { kind: 'milestone', milestone: 'windowStart', offsetMinutes: 0 } as const;
      const end = { kind: 'milestone', milestone: 'windowEnd', offsetMinutes: 0 } as const;
      assert.equal(dueAtOf(start, window({ held: true })), undefined);
      assert.equal(dueAtOf(start, window({ state: 'rolledBack', rolledBackAt: later(50) })), undefined);
      assert.equal(dueAtOf(end, window({ state: 'finished', finishedAt: later(60) })), '2026-11-24T22:00:00.000Z');
      assert.equal(dueAtOf({ kind: 'milestone', milestone: 'finished', offsetMinutes: 0 }, window()), undefined);
      assert.equal(dueAtOf({ kind: 'milestone', milestone: 'finished', offsetMinutes: 0 }, window({ state: 'finished', finishedAt: later(60) })), later(60));
      assert.equal(dueAtOf({ kind: 'milestone', milestone: 'rolledBack', offsetMinutes: 0 }, window({ state: 'rolledBack', rolledBackAt: later(50) })), later(50));
      assert.equal(dueAtOf({ kind: 'milestone', milestone: 'rolledBack', offsetMinutes: 0 }, window({ state: 'finished', finishedAt: later(60) })), undefined);
    });
  });

  describe('planning', () => {
    it('plans a notice at a time: ready, due at its instant, with a natural notice id, and in the plan summary', () => {
      const plan = changed(save(emptyPlan(workload())));
      const [entry] = plan.entries;
      assert.equal(entry?.state, 'ready');
      assert.equal(entry?.dueAt, '2026-11-23T09:00:00.000Z');
      assert.equal(entry?.noticeId, plannedNoticeId(plan.workloadId, 'n-1'));
      assert.match(entry?.noticeId ?? '', /^payroll-api\.[a-z0-9]{6}$/);
      assert.equal(plan.nextDueAt, '2026-11-23T09:00:00.000Z');
      assert.deepEqual({ planned: planSummary(plan).planned, next: planSummary(plan).next?.id }, { planned: 1, next: 'n-1' });
      assert.deepEqual(planSummaryLine(plan), { planned: 1, sent: 0, next: { title: 'Payroll moves next week', when: 'Mon 23 Nov 2026, 10:00 Europe/Paris' } });
      assert.deepEqual(planSummaryLine(changed(markSent(plan, 'n-1', later(24)))), { planned: 0, sent: 1 });
      assert.deepEqual(dueEntries(plan, later(23)), []);
      assert.deepEqual(
        dueEntries(plan, later(24)).map((e) => e.id),
        ['n-1'],
      );
    });

    it('refuses someone who is neither a change manager nor the project manager, and a retried save changes nothing', () => {
      const refused = save(emptyPlan(workload()), {}, false, outsider);
      assert.equal(refused.kind, 'refused');
      assert.match(refused.kind === 'refused' ? refused.message : '', /Only a change manager or the project manager of Payroll API/);
      const plan = changed(save(emptyPlan(workload())));
      assert.equal(save(plan, { rev: 1 }).kind, 'unchanged');
    });

    it('edits a planned notice at its revision, refuses a stale card, and never edits one already sent', () => {
      const plan = changed(save(emptyPlan(workload())));
      const edited = changed(save(plan, { title: 'Payroll moves on Tuesday', rev: 1 }));
      assert.equal(edited.entries[0]?.title, 'Payroll moves on Tuesday');
      assert.equal(save(edited, { title: 'Stale', rev: 1 }).kind, 'refused');
      const sent = changed(markSent(edited, 'n-1', later(24)));
      const again = save(sent, { title: 'After the fact', rev: 3 });
      assert.equal(again.kind, 'refused');
    });

    it('needs a second change manager when approval is required: not the author, not someone without the role; an edit needs approving again', () => {
      const w = workload();
      const plan = changed(save(emptyPlan(w), {}, true));
      assert.equal(plan.entries[0]?.state, 'awaitingApproval');
      assert.equal(plan.nextDueAt, undefined, 'nothing goes before approval');
      assert.equal(approveEntry(plan, { workload: w, actor: cm, entryId: 'n-1' }).kind, 'refused');
      assert.equal(approveEntry(plan, { workload: w, actor: pm, entryId: 'n-1' }).kind, 'refused');
      const approved = changed(approveEntry(plan, { workload: w, actor: cm2, entryId: 'n-1' }));
      assert.equal(approved.entries[0]?.state, 'ready');
      assert.equal(approved.nextDueAt, '2026-11-23T09:00:00.000Z');
      const edited = changed(save(approved, { title: 'New words', rev: 2 }, true));
      assert.equal(edited.entries[0]?.state, 'awaitingApproval');
      assert.equal(edited.entries[0]?.approvedBy, undefined);
    });

    it('turns a planned notice off so it never becomes due, and on again', () => {
      const w = workload();
      const plan = changed(save(emptyPlan(w)));
      const off = changed(switchEntry(plan, { workload: w, actor: cm, entryId: 'n-1', on: false, approvalRequired: false }));
      assert.equal(off.entries[0]?.state, 'off');
      assert.equal(off.nextDueAt, undefined);
      assert.deepEqual(dueEntries(off, later(100)), []);
      assert.equal(switchEntry(off, { workload: w, actor: outsider, entryId: 'n-1', on: true, approvalRequired: false }).kind, 'refused');
      const on = changed(switchEntry(off, { workload: w, actor: cm, entryId: 'n-1', on: true, approvalRequired: false }));
      assert.equal(on.entries[0]?.state, 'ready');
    });
  });

  describe('the release window', () => {
    const lead = { reminderLeadHours: 24, approvalRequired: false, now: NOW };

    it("drafts the reminder, the start, the go-live and the rollback notice to the workload's notice audience when a window is planned", () => {
      const plan = changed(followWindow(emptyPlan(workload()), window(), pm, lead));
      assert.deepEqual(
        plan.entries.map((e) => [e.id, e.kind, e.dueAt ?? null]),
        [
          ['window-1-reminder', 'reminder', '2026-11-23T19:00:00.000Z'],
          ['window-1-start', 'start', '2026-11-24T19:00:00.000Z'],
          ['window-1-goLive', 'goLive', null],
          ['window-1-rollback', 'rollback', null],
        ],
      );
      assert.ok(plan.entries.every((e) => e.source === 'window' && e.state === 'ready' && e.audience.conversation));
      assert.match(plan.entries[0]!.title, /Reminder: Payroll API moves on Tue 24 Nov 2026, 20:00 Europe\/Paris/);
      assert.equal(followWindow(plan, window(), pm, lead).kind, 'unchanged', 'following the same window again drafts nothing');
    });

    it('takes the reminder lead from the setting', () => {
      const plan = changed(followWindow(emptyPlan(workload()), window(), pm, { ...lead, reminderLeadHours: 48 }));
      assert.equal(plan.entries[0]?.dueAt, '2026-11-22T19:00:00.000Z');
    });

    it('re-times every milestone-relative notice when the window moves, keeping edits, and leaves a notice at a fixed time alone', () => {
      const w = workload();
      let plan = changed(save(emptyPlan(w)));
      plan = changed(save(plan, { entryId: 'n-2', kind: 'after', title: 'How it went', timing: { kind: 'milestone', milestone: 'windowEnd', offsetMinutes: 120 } }));
      plan = changed(followWindow(plan, window(), pm, lead));
      plan = changed(save(plan, { entryId: 'window-1-reminder', kind: 'reminder', title: 'Edited reminder', timing: plan.entries.find((e) => e.id === 'window-1-reminder')!.timing, rev: 1 }));
      const moved = window({
        windowId: 'window-2',
        number: 2,
        start: { at: '2026-12-01T19:00:00.000Z', timeZone: 'Europe/Paris', local: '2026-12-01 20:00' },
        end: { at: '2026-12-01T22:00:00.000Z', timeZone: 'Europe/Paris', local: '2026-12-01 23:00' },
      });
      const after = changed(followWindow(plan, moved, pm, lead));
      const byId = new Map(after.entries.map((e) => [e.id, e]));
      assert.equal(byId.get('n-1')?.dueAt, '2026-11-23T09:00:00.000Z', 'the fixed time stays');
      assert.equal(byId.get('n-2')?.dueAt, '2026-12-02T00:00:00.000Z', 'two hours after the new end');
      assert.equal(byId.get('window-1-reminder')?.dueAt, '2026-11-30T19:00:00.000Z');
      assert.equal(byId.get('window-1-reminder')?.title, 'Edited reminder');
      assert.equal(byId.get('window-1-reminder')?.windowId, 'window-2');
      assert.equal(after.entries.length, plan.entries.length, 'drafts not yet sent follow the new window rather than being drafted twice');
    });

    it('makes go-live due when the window finishes and rollback when it is rolled back (and not the notices about a start that will not come), and keeps a turned-off draft from ever being due', () => {
      const w = workload();
      let plan = changed(followWindow(emptyPlan(w), window(), pm, lead));
      plan = changed(switchEntry(plan, { workload: w, actor: cm, entryId: 'window-1-start', on: false, approvalRequired: false }));
      const finished = changed(followWindow(plan, window({ state: 'finished', finishedAt: later(60) }), pm, lead));
      assert.deepEqual(
        dueEntries(finished, later(61)).map((e) => e.id),
        ['window-1-goLive'],
      );
      const rolledBack = changed(followWindow(plan, window({ state: 'rolledBack', rolledBackAt: later(59) }), pm, lead));
      assert.deepEqual(
        dueEntries(rolledBack, later(61)).map((e) => e.id),
        ['window-1-rollback'],
      );
      // While the window is planned, the reminder is due at its lead; the start notice, turned off, never is.
      assert.deepEqual(
        dueEntries(plan, '2026-11-24T19:30:00.000Z').map((e) => e.id),
        ['window-1-reminder'],
      );
    });

    it("puts the window's times on the reminder and the start notice, as an upcoming change and a downtime window", () => {
      const plan = changed(followWindow(emptyPlan(workload()), window(), pm, lead));
      assert.deepEqual(plannedContent(plan.entries[1]!, plan.window), {
        kind: 'downtime',
        title: plan.entries[1]!.title,
        body: plan.entries[1]!.body,
        startsAt: '2026-11-24T20:00',
        endsAt: '2026-11-24T23:00',
        timeZone: 'Europe/Paris',
      });
      assert.equal(plannedContent(plan.entries[0]!, plan.window).kind, 'upcomingChange');
      assert.equal(plannedContent(plan.entries[2]!, plan.window).kind, 'goLive');
    });
  });

  describe('audience', () => {
    it('resolves roles to their holders today, the whole team to its members, and names whom Liftoff cannot reach yet', () => {
      const w = workload();
      const inTeam: Workload = { ...w, scope: { ...w.scope, scopeId: '19:team@thread.tacv2', conversationId: '19:general@thread.tacv2' } };
      const addresses = { [bea.aadObjectId]: { aadObjectId: bea.aadObjectId, teamsUserId: '29:bea', name: bea.name, serviceUrl: 'https://smba' } };
      const resolved = resolveAudience({ roles: ['businessOwner', 'changeManager'], conversation: true, team: true, everyone: false, channelIds: [], people: [] }, inTeam, {
        serviceUrl: 'https://smba',
        addresses,
        personal: {},
      });
      assert.deepEqual(resolved.audience.here, { conversationId: '19:general@thread.tacv2', serviceUrl: 'https://smba' });
      assert.deepEqual(resolved.audience.teamIds, ['19:team@thread.tacv2']);
      assert.deepEqual(
        resolved.audience.people.map((p) => p.name),
        ['Bea'],
      );
      assert.deepEqual(resolved.unreached, ['Chloe', 'Carl']);
    });
  });
});
