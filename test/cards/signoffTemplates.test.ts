import { strict as assert } from 'node:assert';
import type { Card } from '../../cards/render';
import { cycleLine, renderSignoff, renderSignoffForm, SignoffFormValues, TIME_ZONES } from '../../cards/signoff';
import { newWorkload } from '../../bot/release/rules';
import type { Approver, SignoffCycle, Vote } from '../../bot/signoff/model';
import { checkVote, openCycle, tally } from '../../bot/signoff/rules';
import { actionsOf, DISGUISED_LINK, expectRealTarget, expectWellFormed, verbsOf } from '../support/cards';
import { NOW, person, scope } from '../support/builders';
import { cardText } from '../support/liftoff';

const pm = person('Priya');
const owner = person('Bea');
/** Real Teams user ids are long; long ones make the size checks honest. */
const tester = (i: number): Approver => ({ ...person(`Tester With A Fairly Long Name ${i}`), teamsUserId: `29:1${'Zx9_'.repeat(20)}${i}` });
const buttons = (card: Card): string[] => verbsOf({ ...card, refresh: undefined });

function cycleOf(testers: Approver[], scopeNotes = 'Month-end payroll, with "quotes" & <tags>'): SignoffCycle {
  const base = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
  const workload = { ...base, roles: { ...base.roles, businessOwner: [owner] } };
  const result = openCycle({
    workload,
    cycles: [],
    testers,
    finalApprovers: [{ ...owner, teamsUserId: '29:bea' }],
    rule: 'all',
    rejection: 'failsCycle',
    dueDate: '2026-11-25',
    dueTime: '17:00',
    timeZone: 'Europe/Paris',
    testPlanUrl: 'https://contoso.example/uat/plan?x=1&y=2',
    scopeNotes,
    actor: pm,
    now: NOW,
  });
  assert.equal(result.kind, 'opened');
  return result.cycle;
}

function decisions(cycle: SignoffCycle, testers: Approver[], comment: string): Vote[] {
  return testers.map((t, i) => {
    const check = checkVote(cycle, { actor: t, decision: i % 10 === 3 ? 'reject' : 'approve', comment, evidence: `https://contoso.example/evidence/${'e'.repeat(200)}/${i}`, now: NOW });
    assert.ok(check.ok);
    return check.vote;
  });
}

describe('sign-off card templates expanded with real data', () => {
  it('the shared card of an open cycle: status for everyone, buttons through refresh.userIds', () => {
    const testers = [1, 2, 3].map(tester);
    const cycle = cycleOf(testers);
    const card = renderSignoff({ cycle, tally: tally(cycle, decisions(cycle, testers.slice(0, 1), 'Fine')), now: NOW, viewer: 'observer', refresh: 'shared' });
    expectWellFormed('shared open card', card);
    assert.deepEqual(buttons(card), []);
    const message = renderSignoff({ cycle, tally: tally(cycle, []), now: NOW, viewer: 'observer', refresh: 'shared', message: true });
    expectWellFormed('posted open card', message);
    assert.deepEqual(buttons(message), ['signoff.view'], 'the posted message offers "Show my buttons" to clients that do not refresh');
    assert.ok((message.refresh as { userIds?: string[] }).userIds?.length, 'and still lists the testers for automatic refresh');
    const refresh = card.refresh as { action: { verb: string; data: Record<string, unknown> }; userIds: string[] };
    assert.equal(refresh.action.verb, 'signoff.view');
    assert.deepEqual(refresh.action.data, { workloadId: cycle.workloadId, cycleId: cycle.id });
    assert.deepEqual(refresh.userIds, [testers[1]!.teamsUserId, testers[2]!.teamsUserId]);
  });

  it("a tester's own view, and the business owner's final sign-off view", () => {
    const testers = [1, 2].map(tester);
    const cycle = cycleOf(testers);
    const mine = renderSignoff({ cycle, tally: tally(cycle, []), now: NOW, viewer: 'tester', refresh: 'shared', notice: { text: 'Reminder from Priya.', tone: 'good' } });
    expectWellFormed("a tester's view", mine);
    assert.deepEqual(buttons(mine), ['signoff.decide', 'signoff.decide']);
    assert.match(JSON.stringify(mine), /"id":"comment"/);
    assert.match(JSON.stringify(mine), /"id":"evidence"/);
    const waiting = { ...cycle, state: 'awaitingFinal' as const };
    const owners = renderSignoff({ cycle: waiting, tally: tally(waiting, decisions(cycle, testers, '')), now: NOW, viewer: 'finalApprover', refresh: 'shared' });
    expectWellFormed("the business owner's view", owners);
    assert.deepEqual(buttons(owners), ['signoff.final', 'signoff.final']);
  });

  it('the view of someone who may cancel: "Cancel the cycle" with a required reason, only while the cycle is active, never on the shared card', () => {
    const testers = [1, 2].map(tester);
    const cycle = cycleOf(testers);
    const pmView = renderSignoff({ cycle, tally: tally(cycle, []), now: NOW, viewer: 'observer', refresh: 'shared', canCancel: true });
    expectWellFormed("the project manager's view", pmView);
    assert.deepEqual(buttons(pmView), ['signoff.cancel']);
    const json = JSON.stringify(pmView);
    assert.match(json, /"type":"Action.ShowCard","title":"Cancel the cycle"/);
    assert.match(json, /"type":"Input.Text","id":"reason"[^}]*"isRequired":true/);
    const execute = actionsOf(pmView).find((a) => a.verb === 'signoff.cancel')!;
    assert.deepEqual(execute.data, { workloadId: cycle.workloadId, cycleId: cycle.id }, 'the data carries only the cycle');
    const waiting = { ...cycle, state: 'awaitingFinal' as const };
    const owners = renderSignoff({ cycle: waiting, tally: tally(waiting, decisions(cycle, testers, '')), now: NOW, viewer: 'finalApprover', refresh: 'shared', canCancel: true });
    expectWellFormed("the business owner's view with the cancel", owners);
    assert.deepEqual(buttons(owners), ['signoff.final', 'signoff.final', 'signoff.cancel']);
    const shared = renderSignoff({ cycle, tally: tally(cycle, []), now: NOW, viewer: 'observer', refresh: 'shared', message: true });
    assert.ok(!verbsOf(shared).includes('signoff.cancel'), 'the shared card has no cancel');
    const pastDue = renderSignoff({ cycle, tally: tally(cycle, []), now: '2026-11-26T00:00:00.000Z', viewer: 'observer', refresh: 'shared', canCancel: true });
    assert.deepEqual(verbsOf(pastDue), ['workload.status'], 'past due, nothing to cancel: only the way back to the checklist');
  });

  it('a cancelled cycle: who cancelled it and why, no buttons, no refresh, even for someone who may cancel', () => {
    const testers = [1, 2].map(tester);
    const cycle = cycleOf(testers);
    const cancelled: SignoffCycle = { ...cycle, state: 'cancelled', cancelled: { by: owner, at: NOW, reason: 'Opened with the wrong testers' }, closedAt: NOW };
    const card = renderSignoff({
      cycle: cancelled,
      tally: tally(cancelled, decisions(cycle, testers.slice(0, 1), 'ok')),
      now: NOW,
      viewer: 'tester',
      refresh: 'shared',
      canCancel: true,
      message: true,
    });
    expectWellFormed('a cancelled cycle', card);
    assert.deepEqual(verbsOf(card), ['workload.status'], 'only the way back to the checklist');
    assert.equal(card.refresh, undefined);
    assert.match(cardText(card), /Cancelled by Bea: Opened with the wrong testers/);
  });

  it('a closed cycle: the outcome, no buttons, no refresh, whoever looks', () => {
    const testers = [1, 2, 3].map(tester);
    const cycle = cycleOf(testers);
    for (const state of ['passed', 'failed', 'expired'] as const) {
      const closed: SignoffCycle = { ...cycle, state, closedAt: NOW, ...(state === 'passed' ? { final: { by: owner, at: NOW, decision: 'approve' as const } } : {}) };
      const card = renderSignoff({ cycle: closed, tally: tally(closed, decisions(cycle, testers.slice(0, 2), 'ok')), now: NOW, viewer: 'tester', refresh: 'shared' });
      expectWellFormed(`a ${state} cycle`, card);
      assert.deepEqual(verbsOf(card), ['workload.status'], `${state}: only the way back to the checklist`);
      assert.equal(card.refresh, undefined);
    }
  });

  it('200 testers with long comments and evidence stay under the Teams card limit, and past 60 pending everyone refreshes by hand', () => {
    const testers = Array.from({ length: 200 }, (_, i) => tester(i));
    const cycle = cycleOf(testers);
    const votes = decisions(cycle, testers.slice(0, 150), 'c'.repeat(500));
    const shared = renderSignoff({ cycle, tally: tally(cycle, votes), now: NOW, viewer: 'observer', refresh: 'shared' });
    expectWellFormed('200 testers, 150 decided', shared);
    const refresh = shared.refresh as { userIds?: string[] };
    assert.deepEqual(
      refresh.userIds,
      testers.slice(150).map((t) => t.teamsUserId),
      '50 pending: within the 60 Teams takes',
    );
    const fresh = renderSignoff({ cycle, tally: tally(cycle, []), now: NOW, viewer: 'observer', refresh: 'shared' });
    expectWellFormed('200 testers, none decided', fresh);
    assert.equal((fresh.refresh as { userIds?: string[] }).userIds, undefined, '200 pending: no user ids');
    assert.deepEqual(buttons(fresh), ['signoff.view'], 'a "Show my buttons" button instead');
    const text = cardText(shared);
    assert.match(text, /Rejected 15/);
    assert.match(text, /…and \d+ earlier approvals; "history" lists every decision\./);
    assert.equal((text.match(/❌/g) ?? []).length, 15, 'every rejection stays on the card');
  });

  it('a copy shown elsewhere asks everyone to refresh; a reminder asks exactly its tester', () => {
    const testers = [1, 2].map(tester);
    const cycle = cycleOf(testers);
    const copy = renderSignoff({ cycle, tally: tally(cycle, []), now: NOW, viewer: 'observer', refresh: 'everyone' });
    expectWellFormed('a copy', copy);
    assert.equal((copy.refresh as { userIds?: string[] }).userIds, undefined);
    const reminder = renderSignoff({ cycle, tally: tally(cycle, []), now: NOW, viewer: 'tester', refresh: [testers[0]!.teamsUserId] });
    assert.deepEqual((reminder.refresh as { userIds: string[] }).userIds, [testers[0]!.teamsUserId]);
  });

  it('keeps what people typed as typed, never as a template expression', () => {
    const testers = [1].map(tester);
    const cycle = cycleOf(testers, 'Month-end payroll, with "quotes" & <tags> and ${root.name}');
    const [vote] = decisions(cycle, testers, 'Looks ${root.name} "fine" & <ok>');
    const json = JSON.stringify(renderSignoff({ cycle, tally: tally(cycle, [vote!]), now: NOW, viewer: 'observer', refresh: 'shared' }));
    assert.ok(json.includes('Looks ${root.name} \\"fine\\" & <ok>'));
    assert.ok(json.includes('Scope: Month-end payroll, with \\"quotes\\" & <tags> and ${root.name}'));
  });

  it('shows the real target of a link typed as a comment, evidence, scope notes or a reason', () => {
    const testers = [1, 2].map(tester);
    const cycle = cycleOf(testers, `Scope in ${DISGUISED_LINK}`);
    const votes = testers.map((t) => {
      const check = checkVote(cycle, { actor: t, decision: 'approve', comment: `Fine, see ${DISGUISED_LINK}`, evidence: `https://contoso.example/${DISGUISED_LINK}`, now: NOW });
      assert.ok(check.ok);
      return check.vote;
    });
    const card = renderSignoff({ cycle, tally: tally(cycle, votes), now: NOW, viewer: 'observer', refresh: 'shared' });
    expectWellFormed('typed links', card);
    expectRealTarget('shared card', card, cardText);
    const cancelled: SignoffCycle = { ...cycle, state: 'cancelled', cancelled: { by: pm, at: NOW, reason: DISGUISED_LINK } };
    expectRealTarget('cancelled card', renderSignoff({ cycle: cancelled, tally: tally(cancelled, []), now: NOW, viewer: 'observer', refresh: 'shared' }), cardText);
    const line = cycleLine(cancelled);
    assert.ok(line.includes('https://evil.test') && !line.includes('](https://evil.test'), line);
  });

  it('the open form, fresh and with what was typed, with a roster of 250', () => {
    const base = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
    const workload = { ...base, roles: { ...base.roles, businessOwner: [owner] } };
    const values: SignoffFormValues = { testers: '', rule: 'all', atLeast: 1, rejection: 'failsCycle', dueDate: '2026-11-25', dueTime: '17:00', timeZone: 'UTC', testPlanUrl: '', scopeNotes: '' };
    const roster = Array.from({ length: 250 }, (_, i) => person(`Member ${i}`));
    const form = renderSignoffForm({ workload, roster, values, timeZones: TIME_ZONES });
    expectWellFormed('open form', form);
    assert.match(cardText(form), /This conversation has 250 members; the first 200 by name are offered/);
    const again = renderSignoffForm({
      workload,
      roster: roster.slice(0, 5),
      values: { ...values, testers: roster[0]!.aadObjectId, rule: 'atLeast', atLeast: 2, timeZone: 'Antarctica/Troll', testPlanUrl: 'not a link' },
      timeZones: TIME_ZONES,
      notice: { text: 'The test plan link must be a web address.', tone: 'attention' },
    });
    expectWellFormed('open form with a refusal', again);
    assert.match(JSON.stringify(again), /"value":"Antarctica\/Troll"/, "a zone outside the list is offered when it is the person's own");
  });

  it('one checklist line per cycle state', () => {
    const cycle = cycleOf([tester(1)]);
    const lines = (['open', 'awaitingFinal', 'passed', 'failed', 'expired', 'cancelled'] as const).map((state) =>
      cycleLine({ ...cycle, state, closedAt: NOW, ...(state === 'cancelled' ? { cancelled: { by: pm, at: NOW, reason: 'Wrong testers' } } : {}) }),
    );
    assert.match(lines[0]!, /Cycle 1: open for testers until Wed 25 Nov 2026, 17:00 Europe\/Paris/);
    assert.match(lines[1]!, /waiting for the final sign-off by Bea/);
    assert.match(lines[2]!, /passed/);
    assert.match(lines[3]!, /failed/);
    assert.match(lines[4]!, /expired, it was due/);
    assert.match(lines[5]!, /🚫 Cycle 1: cancelled .* by Priya: Wrong testers\./);
  });
});
