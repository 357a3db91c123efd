import { strict as assert } from 'node:assert';
import type { Person, Workload } from '../../bot/release/model';
import { newWorkload } from '../../bot/release/rules';
import { Approver, RejectionEffect, RuleKind, SignoffCycle, Vote } from '../../bot/signoff/model';
import {
  cancelCycle,
  cannotOpen,
  checkVote,
  closeTesters,
  decideFinal,
  dueLabel,
  expireAwaitingFinal,
  mayCancel,
  openCycle,
  OpenCycleRequest,
  refreshPlan,
  tally,
  testersShouldClose,
  viewerOf,
  zonedInstant,
} from '../../bot/signoff/rules';
import { dateIn } from '../../bot/shared/zonedTime';
import { cycleRequest, NOW, person, scope } from '../support/builders';

const pm = person('Priya');
const owner = person('Bea');
const outsider = person('Olga');
const tester = (name: string): Approver => ({ ...person(name), teamsUserId: `29:${name}` });
const [tom, tina, tess] = [tester('Tom'), tester('Tina'), tester('Tess')];

function workload(withOwner = true): Workload {
  const w = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
  return withOwner ? { ...w, roles: { ...w.roles, businessOwner: [owner] } } : w;
}

function request(overrides: Partial<OpenCycleRequest> = {}): OpenCycleRequest {
  return cycleRequest({ workload: workload(), testers: [tom, tina, tess], finalApprovers: [{ ...owner, teamsUserId: '29:Bea' }], actor: pm }, { scopeNotes: 'Month-end run', ...overrides });
}

function opened(overrides: Partial<OpenCycleRequest> = {}): SignoffCycle {
  const result = openCycle(request(overrides));
  assert.equal(result.kind, 'opened', result.kind === 'refused' ? result.message : '');
  return result.cycle;
}

function cycleWith(rule: RuleKind, rejection: RejectionEffect, atLeast?: number): SignoffCycle {
  return opened({ rule, rejection, ...(atLeast ? { atLeast } : {}) });
}

function vote(cycle: SignoffCycle, who: Person, decision: 'approve' | 'reject', at = NOW): Vote {
  const check = checkVote(cycle, { actor: who, decision, comment: decision === 'reject' ? 'Totals are wrong' : '', evidence: '', now: at });
  assert.ok(check.ok, check.ok ? '' : check.message);
  return check.vote;
}

describe('sign-off rules', () => {
  describe('the due time in its time zone', () => {
    it('turns a wall-clock time in a zone into the right instant, summer and winter', () => {
      assert.deepEqual(zonedInstant('2026-11-25', '17:00', 'Europe/Paris'), { ok: true, at: '2026-11-25T16:00:00.000Z', timeZone: 'Europe/Paris' });
      assert.deepEqual(zonedInstant('2026-07-01', '17:00', 'Europe/Paris'), { ok: true, at: '2026-07-01T15:00:00.000Z', timeZone: 'Europe/Paris' });
      assert.equal((zonedInstant('2026-11-25', '09:30', 'America/New_York') as { at: string }).at, '2026-11-25T14:30:00.000Z');
      assert.equal((zonedInstant('2026-11-25', '09:30', 'Asia/Kolkata') as { at: string }).at, '2026-11-25T04:00:00.000Z');
      assert.equal((zonedInstant('2026-11-25', '00:15', 'Pacific/Auckland') as { at: string }).at, '2026-11-24T11:15:00.000Z');
      assert.equal((zonedInstant('2026-11-25', '23:59', 'UTC') as { at: string }).at, '2026-11-25T23:59:00.000Z');
    });

    it('refuses a time the clocks skip, and takes the first of a time that happens twice', () => {
      const skipped = zonedInstant('2027-03-28', '02:30', 'Europe/Paris');
      assert.equal(skipped.ok, false);
      assert.match((skipped as { message: string }).message, /02:30 does not exist on 2027-03-28 in Europe\/Paris: the clocks skip it/);
      assert.equal((zonedInstant('2026-10-25', '02:30', 'Europe/Paris') as { at: string }).at, '2026-10-25T00:30:00.000Z', 'the first 02:30, still summer time');
      assert.equal((zonedInstant('2026-11-01', '01:30', 'America/New_York') as { at: string }).at, '2026-11-01T05:30:00.000Z');
      assert.equal(zonedInstant('2026-03-08', '02:30', 'America/New_York').ok, false);
    });

    it('refuses a date or time that is not real, and a zone Intl does not know, with a sentence', () => {
      assert.match((zonedInstant('2026-02-30', '10:00', 'UTC') as { message: string }).message, /is not a real date and time/);
      assert.match((zonedInstant('2026-11-25', '24:00', 'UTC') as { message: string }).message, /is not a real date and time/);
      assert.match((zonedInstant('', '10:00', 'UTC') as { message: string }).message, /Pick the due date/);
      assert.match((zonedInstant('2026-11-25', 'noon', 'UTC') as { message: string }).message, /Pick the due time/);
      assert.match((zonedInstant('2026-11-25', '10:00', 'Mars/Olympus') as { message: string }).message, /Pick the time zone/);
    });

    it('labels the due time as chosen, and gives the date a number of days later in a zone', () => {
      assert.equal(dueLabel({ date: '2026-11-25', time: '17:00', timeZone: 'Europe/Paris' }), 'Wed 25 Nov 2026, 17:00 Europe/Paris');
      assert.equal(dateIn('Asia/Tokyo', '2026-11-22T20:00:00.000Z', 0), '2026-11-23', 'already tomorrow in Tokyo');
      assert.equal(dateIn('UTC', NOW, 3), '2026-11-25');
    });
  });

  describe('opening a cycle', () => {
    it('freezes the testers, the final approvers, the rule and the due instant, with an audit event', () => {
      const result = openCycle(request({ rule: 'atLeast', atLeast: 2, rejection: 'countsAgainst' }));
      assert.equal(result.kind, 'opened');
      const { cycle, event } = result;
      assert.equal(cycle.id, 'uat-1');
      assert.equal(cycle.state, 'open');
      assert.deepEqual(cycle.testers, [tom, tina, tess]);
      assert.deepEqual(cycle.rule, { kind: 'atLeast', needed: 2 });
      assert.equal(cycle.due.at, '2026-11-25T16:00:00.000Z');
      assert.equal(event.action, 'cycle.opened');
      assert.match(
        event.summary,
        /Priya opened UAT cycle 1: testers Tom, Tina, Tess; at least 2 of 3 testers approve; a rejection counts against the rule; due Wed 25 Nov 2026, 17:00 Europe\/Paris; final sign-off by Bea\./,
      );
    });

    it('numbers cycles after every earlier one', () => {
      const first = { ...opened(), state: 'failed' as const };
      assert.equal(opened({ cycles: [first] }).id, 'uat-2');
    });

    it('needs every tester for "all", N for "at least N", and one for "any"', () => {
      assert.equal(opened({ rule: 'all' }).rule.needed, 3);
      assert.equal(opened({ rule: 'any' }).rule.needed, 1);
      assert.equal(opened({ rule: 'atLeast', atLeast: 2 }).rule.needed, 2);
      for (const atLeast of [0, 4, 1.5, undefined]) {
        const refused = openCycle(request({ rule: 'atLeast', ...(atLeast !== undefined ? { atLeast } : {}) }));
        assert.equal(refused.kind, 'refused');
        assert.match((refused as { message: string }).message, /N must be a whole number from 1 to 3/);
      }
    });

    it('refuses with a sentence: not the project manager or business owner, no business owner, an open cycle, business testing already passed', () => {
      const say = (r: ReturnType<typeof openCycle>) => (r.kind === 'refused' ? r.message : 'opened');
      assert.match(say(openCycle(request({ actor: outsider }))), /Only the project manager or the business owner of Payroll API can open a UAT cycle/);
      assert.match(say(openCycle(request({ workload: workload(false) }))), /Payroll API has no business owner yet/);
      assert.match(say(openCycle(request({ cycles: [opened()] }))), /UAT cycle 1 of Payroll API is still open for testers until Wed 25 Nov 2026, 17:00 Europe\/Paris/);
      const passed = workload();
      passed.gates = passed.gates.map((g) => (g.id === 'uat-approved' ? { ...g, status: 'passed' } : g));
      assert.match(say(openCycle(request({ workload: passed }))), /Business testing of Payroll API is already passed/);
    });

    it('lets a new cycle open once the active one is past its due time', () => {
      const stale = opened({ dueDate: '2026-11-22', dueTime: '10:00', timeZone: 'UTC' });
      assert.equal(cannotOpen(workload(), [stale], pm, '2026-11-22T10:00:00.000Z'), undefined);
    });

    it('refuses no testers, too many, a due time past or too far, a test plan that is not a web link, long scope notes', () => {
      const say = (o: Partial<OpenCycleRequest>) => {
        const r = openCycle(request(o));
        return r.kind === 'refused' ? r.message : 'opened';
      };
      assert.match(say({ testers: [] }), /Pick at least one tester/);
      assert.match(say({ testers: Array.from({ length: 201 }, (_, i) => tester(`T${i}`)) }), /at most 200 testers/);
      assert.match(say({ dueDate: '2026-11-22', dueTime: '08:00', timeZone: 'UTC' }), /The due time has already passed/);
      assert.match(say({ dueDate: '2028-11-22' }), /within the next 366 days/);
      for (const link of ['', 'contoso.example/plan', 'ftp://contoso.example/plan', 'javascript:alert(1)', 'https://', 'https://contoso.example/a plan']) {
        assert.match(say({ testPlanUrl: link }), /The test plan link must be a web address/, link);
      }
      assert.match(say({ scopeNotes: 'x'.repeat(1001) }), /under 1000 characters/);
    });

    it('keeps each tester once', () => {
      assert.deepEqual(opened({ testers: [tom, tom, tina] }).testers, [tom, tina]);
    });
  });

  describe('the tally', () => {
    it('counts approvals and rejections against the rule, ignoring anyone who is not a tester', () => {
      const cycle = cycleWith('all', 'failsCycle');
      const stray = { ...vote(cycle, tom, 'approve'), id: 'uat-1:stray', voter: outsider };
      const t = tally(cycle, [vote(cycle, tom, 'approve'), stray]);
      assert.deepEqual([t.approved.length, t.rejected.length, t.pending.length, t.needed, t.outcome], [1, 0, 2, 3, 'open']);
    });

    it('"a rejection fails the cycle": one rejection decides it, whatever the approvals', () => {
      const cycle = cycleWith('any', 'failsCycle');
      assert.equal(tally(cycle, [vote(cycle, tom, 'approve'), vote(cycle, tina, 'reject')]).outcome, 'rejected');
    });

    it('"counts against the rule": fails only once the rule is out of reach', () => {
      const cycle = cycleWith('atLeast', 'countsAgainst', 2);
      assert.equal(tally(cycle, [vote(cycle, tom, 'reject')]).outcome, 'open');
      assert.equal(tally(cycle, [vote(cycle, tom, 'reject'), vote(cycle, tina, 'reject')]).outcome, 'unreachable');
      assert.equal(tally(cycle, [vote(cycle, tom, 'reject'), vote(cycle, tina, 'approve'), vote(cycle, tess, 'approve')]).outcome, 'met');
    });

    it('lists decisions in the order they were recorded', () => {
      const cycle = cycleWith('all', 'countsAgainst');
      const t = tally(cycle, [vote(cycle, tess, 'approve', '2026-11-22T09:03:00.000Z'), vote(cycle, tom, 'approve', '2026-11-22T09:01:00.000Z')]);
      assert.deepEqual(
        t.approved.map((v) => v.voter.name),
        ['Tom', 'Tess'],
      );
    });
  });

  describe("a tester's decision", () => {
    it('has the natural id cycleId:voter and an audit event', () => {
      const cycle = cycleWith('all', 'failsCycle');
      const check = checkVote(cycle, { actor: tom, decision: 'approve', comment: ' Looks right ', evidence: 'https://contoso.example/run/7', now: NOW });
      assert.ok(check.ok);
      assert.equal(check.vote.id, `uat-1:${tom.aadObjectId}`);
      assert.equal(check.vote.comment, 'Looks right');
      assert.equal(check.event.action, 'vote.approved');
      assert.match(check.event.summary, /Tom approved UAT cycle 1: Looks right \(evidence: https:\/\/contoso\.example\/run\/7\)/);
    });

    it('refuses someone who is not a tester, a closed or expired cycle, a rejection without a comment, a bad evidence link', () => {
      const cycle = cycleWith('all', 'failsCycle');
      const say = (c: SignoffCycle, o: Partial<Parameters<typeof checkVote>[1]> = {}) => {
        const r = checkVote(c, { actor: tom, decision: 'approve', comment: '', evidence: '', now: NOW, ...o });
        return r.ok ? 'ok' : r.message;
      };
      assert.match(say(cycle, { actor: outsider }), /Only the testers named when UAT cycle 1 opened/);
      assert.match(say({ ...cycle, state: 'awaitingFinal' }), /The testers' part of UAT cycle 1 is complete/);
      assert.match(say({ ...cycle, state: 'passed' }), /UAT cycle 1 has already passed\. Nothing was recorded\./);
      assert.match(say(cycle, { now: '2026-11-25T16:00:00.000Z' }), /was due Wed 25 Nov 2026, 17:00 Europe\/Paris and has expired/);
      assert.equal((checkVote(cycle, { actor: tom, decision: 'approve', comment: '', evidence: '', now: '2026-11-26T00:00:00.000Z' }) as { pastDue: boolean }).pastDue, true);
      assert.match(say(cycle, { decision: 'reject', comment: '   ' }), /a rejection needs a comment/);
      assert.match(say(cycle, { comment: 'x'.repeat(501) }), /under 500 characters/);
      assert.match(say(cycle, { evidence: 'not a link' }), /The evidence link must be a web address/);
    });
  });

  describe("closing the testers' part", () => {
    it('says when decisions or the clock settle an open cycle', () => {
      const cycle = cycleWith('all', 'failsCycle');
      assert.equal(testersShouldClose(cycle, tally(cycle, [vote(cycle, tom, 'approve')]), NOW), undefined);
      assert.equal(testersShouldClose(cycle, tally(cycle, [vote(cycle, tom, 'reject')]), NOW), 'rejected');
      assert.equal(testersShouldClose(cycle, tally(cycle, []), '2026-11-25T16:00:00.000Z'), 'expired');
      assert.equal(testersShouldClose({ ...cycle, state: 'failed' }, tally(cycle, []), NOW), undefined);
    });

    it('waits for the final sign-off when the rule is met, counting what was decided', () => {
      const cycle = cycleWith('atLeast', 'countsAgainst', 2);
      const change = closeTesters(cycle, [vote(cycle, tom, 'approve'), vote(cycle, tina, 'approve'), vote(cycle, tess, 'reject')], NOW);
      assert.equal(change.kind, 'changed');
      const closed = change.cycle;
      assert.equal(closed.state, 'awaitingFinal');
      assert.deepEqual(closed.testersClosed, { at: NOW, reason: 'ruleMet', approved: 2, rejected: 1 });
      assert.equal((change as { event?: { action: string } }).event?.action, 'cycle.testersApproved');
    });

    it('lets a rejection that arrived before the close win when a rejection fails the cycle', () => {
      const cycle = cycleWith('any', 'failsCycle');
      const change = closeTesters(cycle, [vote(cycle, tom, 'approve'), vote(cycle, tina, 'reject')], NOW);
      assert.equal((change as Extract<typeof change, { kind: 'changed' }>).cycle.state, 'failed');
      assert.equal((change as Extract<typeof change, { kind: 'changed' }>).cycle.testersClosed?.reason, 'rejected');
    });

    it('counts a missing decision as not approved once every place is sealed', () => {
      const cycle = cycleWith('atLeast', 'countsAgainst', 2);
      const change = closeTesters(cycle, [vote(cycle, tom, 'approve')], NOW);
      assert.equal((change as Extract<typeof change, { kind: 'changed' }>).cycle.state, 'failed');
      assert.equal((change as Extract<typeof change, { kind: 'changed' }>).cycle.testersClosed?.reason, 'ruleUnreachable');
    });

    it('expires past the due time, and leaves a cycle that is no longer open as it is', () => {
      const cycle = cycleWith('all', 'failsCycle');
      const change = closeTesters(cycle, [vote(cycle, tom, 'approve'), vote(cycle, tina, 'approve'), vote(cycle, tess, 'approve')], '2026-11-25T16:00:00.000Z');
      assert.equal((change as Extract<typeof change, { kind: 'changed' }>).cycle.state, 'expired', 'past due, even a met rule expires');
      assert.equal(closeTesters({ ...cycle, state: 'failed' }, [], NOW).kind, 'unchanged');
    });

    it('expires a cycle waiting for its final sign-off only past its due time', () => {
      const waiting = { ...cycleWith('all', 'failsCycle'), state: 'awaitingFinal' as const };
      assert.equal(expireAwaitingFinal(waiting, NOW).kind, 'unchanged');
      const change = expireAwaitingFinal(waiting, '2026-11-25T16:00:00.000Z');
      assert.equal((change as Extract<typeof change, { kind: 'changed' }>).cycle.state, 'expired');
    });
  });

  describe('the final sign-off', () => {
    const waiting = (): SignoffCycle => ({ ...cycleWith('all', 'failsCycle'), state: 'awaitingFinal', testersClosed: { at: NOW, reason: 'ruleMet', approved: 3, rejected: 0 } });

    it('passes the cycle when the business owner approves, and fails it when they refuse with a comment', () => {
      const approve = decideFinal(waiting(), { actor: owner, decision: 'approve', comment: '', now: NOW });
      assert.equal((approve as Extract<typeof approve, { kind: 'changed' }>).cycle.state, 'passed');
      assert.equal((approve as { event?: { action: string } }).event?.action, 'cycle.passed');
      const refuse = decideFinal(waiting(), { actor: owner, decision: 'reject', comment: 'Not before quarter end', now: NOW });
      assert.equal((refuse as Extract<typeof refuse, { kind: 'changed' }>).cycle.state, 'failed');
      const bare = decideFinal(waiting(), { actor: owner, decision: 'reject', comment: '', now: NOW });
      assert.match((bare as { message: string }).message, /refusing the final sign-off needs a comment/);
    });

    it('refuses anyone but the frozen final approvers, an open cycle, a closed one, and one past due', () => {
      const say = (c: SignoffCycle, who: Person = owner, now = NOW) => {
        const r = decideFinal(c, { actor: who, decision: 'approve', comment: '', now });
        return r.kind === 'refused' ? r.message : r.kind;
      };
      assert.match(say(waiting(), pm), /Only the business owner named when UAT cycle 1 opened \(Bea\)/);
      assert.match(say({ ...waiting(), state: 'open' }), /comes after the testers meet the rule/);
      assert.match(say({ ...waiting(), state: 'expired' }), /has already expired/);
      assert.match(say(waiting(), owner, '2026-11-26T00:00:00.000Z'), /has expired; nothing was changed/);
    });

    it('answers the same sign-off again with no change', () => {
      const first = decideFinal(waiting(), { actor: owner, decision: 'approve', comment: '', now: NOW });
      const passed = (first as Extract<typeof first, { kind: 'changed' }>).cycle;
      assert.equal(decideFinal(passed, { actor: owner, decision: 'approve', comment: '', now: NOW }).kind, 'unchanged');
    });
  });

  describe('cancelling a cycle', () => {
    const cancel = (c: SignoffCycle, who: Person, reason = 'Opened with the wrong testers', now = NOW) => cancelCycle(c, workload(), { actor: who, reason, now });
    const say = (c: SignoffCycle, who: Person, reason?: string, now?: string): string => {
      const r = cancel(c, who, reason, now);
      return r.kind === 'refused' ? r.message : r.kind;
    };

    it('lets the business owner or the project manager cancel an open cycle or one waiting for the final sign-off, with an audit event', () => {
      for (const state of ['open', 'awaitingFinal'] as const) {
        for (const who of [owner, pm]) {
          const r = cancel({ ...opened(), state }, who, '  Opened with the wrong testers  ');
          assert.equal(r.kind, 'changed', `${who.name} on ${state}`);
          const changed = r;
          assert.equal(changed.cycle.state, 'cancelled');
          assert.deepEqual(changed.cycle.cancelled, { by: who, at: NOW, reason: 'Opened with the wrong testers' });
          assert.equal(changed.cycle.closedAt, NOW);
          assert.equal(changed.event?.action, 'cycle.cancelled');
          assert.equal(changed.event?.summary, `${who.name} cancelled UAT cycle 1: Opened with the wrong testers`);
        }
      }
      assert.ok(mayCancel(workload(), pm) && mayCancel(workload(), owner));
      assert.ok(!mayCancel(workload(), tom) && !mayCancel(workload(), outsider));
    });

    it('refuses anyone else, testers included, with a sentence', () => {
      assert.match(say(opened(), tom), /Only the business owner or the project manager of Payroll API can cancel a UAT cycle\. Nothing was changed\./);
      assert.match(say(opened(), outsider), /Only the business owner or the project manager/);
    });

    it('needs a reason, of a sensible length', () => {
      assert.match(say(opened(), owner, '   '), /Say why: cancelling a UAT cycle needs a reason/);
      assert.match(say(opened(), owner, 'x'.repeat(501)), /Keep the reason under 500 characters/);
    });

    it('refuses a closed cycle, and one past its due time', () => {
      for (const state of ['passed', 'failed', 'expired'] as const) {
        assert.match(say({ ...opened(), state }, owner), new RegExp(`UAT cycle 1 has already ${state}; nothing was changed`));
      }
      assert.match(say(opened(), owner, 'Wrong testers', '2026-11-26T00:00:00.000Z'), /has expired; nothing was changed/);
    });

    it('answers the same cancel again with no change; a cancel by someone else of a cancelled cycle is refused', () => {
      const first = cancel(opened(), owner);
      const cancelled = (first as Extract<typeof first, { kind: 'changed' }>).cycle;
      assert.equal(cancel(cancelled, owner).kind, 'unchanged');
      assert.equal(cancel(cancelled, owner, 'Opened with the wrong testers', '2026-11-26T00:00:00.000Z').kind, 'unchanged', 'also once past due');
      assert.match(say(cancelled, pm), /UAT cycle 1 has already been cancelled by Bea; nothing was changed/);
    });

    it("closes the cycle to decisions, the final sign-off and the testers' close, and lets a new cycle open", () => {
      const first = cancel(opened(), owner);
      const cancelled = (first as Extract<typeof first, { kind: 'changed' }>).cycle;
      const check = checkVote(cancelled, { actor: tom, decision: 'approve', comment: '', evidence: '', now: NOW });
      assert.ok(!check.ok && /has already been cancelled\. Nothing was recorded\./.test(check.message));
      const final = decideFinal(cancelled, { actor: owner, decision: 'approve', comment: '', now: NOW });
      assert.match((final as { message: string }).message, /has already been cancelled; nothing was changed/);
      assert.equal(closeTesters(cancelled, [], NOW).kind, 'unchanged');
      assert.equal(testersShouldClose(cancelled, tally(cancelled, []), NOW), undefined);
      assert.equal(refreshPlan(cancelled, tally(cancelled, []), NOW), undefined);
      assert.equal(viewerOf(cancelled, tally(cancelled, []), tom.aadObjectId, NOW), 'observer');
      assert.equal(cannotOpen(workload(), [cancelled], pm, NOW), undefined);
    });
  });

  describe('who sees what', () => {
    it('gives pending testers their buttons while open, the final approvers theirs while waiting, and everyone else the status', () => {
      const cycle = cycleWith('all', 'failsCycle');
      const t = tally(cycle, [vote(cycle, tom, 'approve')]);
      assert.equal(viewerOf(cycle, t, tina.aadObjectId, NOW), 'tester');
      assert.equal(viewerOf(cycle, t, tom.aadObjectId, NOW), 'observer', 'a tester who decided');
      assert.equal(viewerOf(cycle, t, owner.aadObjectId, NOW), 'observer');
      assert.equal(viewerOf({ ...cycle, state: 'awaitingFinal' }, t, owner.aadObjectId, NOW), 'finalApprover');
      assert.equal(viewerOf(cycle, t, tina.aadObjectId, '2026-11-26T00:00:00.000Z'), 'observer', 'past due, nobody decides');
    });

    it('asks Teams to refresh the card for up to 60 pending testers by id, and for everyone by hand past that', () => {
      const cycle = cycleWith('all', 'failsCycle');
      assert.deepEqual(refreshPlan(cycle, tally(cycle, [vote(cycle, tom, 'approve')]), NOW), { userIds: ['29:Tina', '29:Tess'] });
      const crowd = opened({ testers: Array.from({ length: 61 }, (_, i) => tester(`T${i}`)) });
      assert.deepEqual(refreshPlan(crowd, tally(crowd, []), NOW), {});
      const sixty = opened({ testers: Array.from({ length: 60 }, (_, i) => tester(`T${i}`)) });
      assert.equal(refreshPlan(sixty, tally(sixty, []), NOW)?.userIds?.length, 60);
      const unknown = opened({ testers: [{ ...tom, teamsUserId: '' }] });
      assert.deepEqual(refreshPlan(unknown, tally(unknown, []), NOW), {}, 'a tester whose Teams id is unknown refreshes by hand');
      assert.deepEqual(refreshPlan({ ...cycle, state: 'awaitingFinal' }, tally(cycle, []), NOW), { userIds: ['29:Bea'] });
      assert.equal(refreshPlan({ ...cycle, state: 'passed' }, tally(cycle, []), NOW), undefined, 'a closed card asks nobody');
      assert.equal(refreshPlan(cycle, tally(cycle, []), '2026-11-26T00:00:00.000Z'), undefined, 'nor does a card past due');
    });
  });
});
