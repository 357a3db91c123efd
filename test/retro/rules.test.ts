import { strict as assert } from 'node:assert';
import type { Workload } from '../../bot/release/model';
import { assignRoles, newWorkload } from '../../bot/release/rules';
import type { Retro, RetroAction, RetroBallot, RetroEntry } from '../../bot/retro/model';
import { pseudonymOf } from '../../bot/retro/pseudonym';
import {
  advancePhase,
  castVote,
  checkDeadline,
  closeRetro,
  collecting,
  completeAction,
  editEntry,
  facilitates,
  groupEntries,
  localToInstant,
  mayRemind,
  mergeEntries,
  recordAction,
  startRetro,
  StartRequest,
  tally,
} from '../../bot/retro/rules';
import { NOW, person, scope } from '../support/builders';
import { startRequest } from '../support/retro';

describe('retrospective rules', () => {
  const pm = person('Priya');
  const ana = person('Ana');
  let workload: Workload;

  const request = (overrides: Partial<StartRequest> = {}): StartRequest => startRequest(workload, pm, overrides);
  const started = (overrides: Partial<StartRequest> = {}): Retro => {
    const result = startRetro(request(overrides));
    assert.equal(result.kind, 'changed');
    return (result as { value: Retro }).value;
  };
  const entry = (id: string, questionId: string, extra: Partial<RetroEntry> = {}): RetroEntry => ({
    id,
    workloadId: workload.workloadId,
    type: 'entry',
    retroId: 'r',
    questionId,
    text: id,
    authorKey: 'k',
    createdAt: NOW,
    ...extra,
  });

  before(() => {
    const created = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
    const result = assignRoles(created, { roles: { uatTester: [ana] }, rolesRev: 1, actor: pm, now: NOW });
    workload = result.workload;
  });

  describe('deadlines in a time zone', () => {
    it('reads a local time in Paris in winter and in summer', () => {
      assert.equal(localToInstant('2026-11-27', '17:00', 'Europe/Paris')?.toISOString(), '2026-11-27T16:00:00.000Z');
      assert.equal(localToInstant('2026-07-01', '17:00', 'Europe/Paris')?.toISOString(), '2026-07-01T15:00:00.000Z');
    });

    it('reads a time zone behind UTC, across a date line, and a half-hour offset', () => {
      assert.equal(localToInstant('2026-03-01', '09:30', 'America/New_York')?.toISOString(), '2026-03-01T14:30:00.000Z');
      assert.equal(localToInstant('2026-11-27', '08:00', 'Pacific/Auckland')?.toISOString(), '2026-11-26T19:00:00.000Z');
      assert.equal(localToInstant('2026-11-27', '17:00', 'Asia/Kolkata')?.toISOString(), '2026-11-27T11:30:00.000Z');
    });

    it('reads a time skipped by the spring change as the hour after', () => {
      // Paris skips 02:00-03:00 on 2026-03-29; 02:30 does not exist and reads as 03:30 summer time.
      assert.equal(localToInstant('2026-03-29', '02:30', 'Europe/Paris')?.toISOString(), '2026-03-29T01:30:00.000Z');
    });

    it('refuses impossible dates, times and zones', () => {
      assert.equal(localToInstant('2026-02-30', '10:00', 'UTC'), undefined);
      assert.equal(localToInstant('2026-02-10', '25:00', 'UTC'), undefined);
      assert.equal(localToInstant('2026-02-10', '10:00', 'Mars/Olympus'), undefined);
      assert.equal(localToInstant('tomorrow', '10:00', 'UTC'), undefined);
    });

    it('wants a deadline ahead, within a year', () => {
      assert.deepEqual(checkDeadline({ date: '2026-11-27', time: '17:00', timeZone: 'Europe/Paris', now: NOW }), {
        ok: true,
        deadline: { at: '2026-11-27T16:00:00.000Z', timeZone: 'Europe/Paris', local: '2026-11-27 17:00' },
      });
      assert.match((checkDeadline({ date: '2026-11-21', time: '17:00', timeZone: 'UTC', now: NOW }) as { message: string }).message, /future/);
      assert.match((checkDeadline({ date: '2028-11-21', time: '17:00', timeZone: 'UTC', now: NOW }) as { message: string }).message, /within the next year/);
    });
  });

  describe('start', () => {
    it('lets a project manager start a retro with the chosen questions, anonymous or named', () => {
      const retro = started({ template: 'fourLs', anonymous: false });
      assert.deepEqual(
        retro.questions.map((q) => q.id),
        ['liked', 'learned', 'lacked', 'longed'],
      );
      assert.equal(retro.anonymous, false);
      assert.equal(retro.phase, 'collect');
      assert.deepEqual(retro.facilitator, pm);
      assert.equal(retro.scopeId, workload.scope.scopeId);
    });

    it('refuses someone who is not a project manager, a second open retro, and bad vote counts', () => {
      assert.match((startRetro(request({ actor: ana })) as { message: string }).message, /Only a project manager/);
      assert.match((startRetro(request({ existing: [started()] })) as { message: string }).message, /already running/);
      assert.match((startRetro(request({ votesPerPerson: 0 })) as { message: string }).message, /from 1 to 10 votes/);
    });

    it('keeps at most 60 viewers for the card refresh', () => {
      const viewers = Array.from({ length: 80 }, (_, i) => `29:${i}`);
      assert.equal(started({ viewers }).viewers.length, 60);
    });
  });

  describe('phases', () => {
    it('moves one phase at a time, only for the facilitator, and treats a repeated move as done', () => {
      const retro = started();
      assert.match((advancePhase(retro, { from: 'collect', facilitates: false }) as { message: string }).message, /Only the facilitator/);
      const group = advancePhase(retro, { from: 'collect', facilitates: true });
      assert.equal(group.kind, 'changed');
      const grouped = (group as { value: Retro }).value;
      assert.equal(grouped.phase, 'group');
      assert.equal(advancePhase(grouped, { from: 'collect', facilitates: true }).kind, 'unchanged');
      assert.match((advancePhase(retro, { from: 'vote', facilitates: true }) as { message: string }).message, /out of date/);
    });

    it('freezes the tallies when voting closes, and closes only from act', () => {
      const voting = { ...started(), phase: 'vote' as const };
      const act = advancePhase(voting, { from: 'vote', facilitates: true, tallies: { e1: 2 } });
      assert.deepEqual((act as { value: Retro }).value.tallies, { e1: 2 });
      assert.match((advancePhase({ ...voting, phase: 'act' }, { from: 'act', facilitates: true }) as { message: string }).message, /Close the retrospective/);
      assert.match((closeRetro(voting, { actions: 1, noActions: false, facilitates: true, now: NOW }) as { message: string }).message, /Move the retrospective on/);
    });

    it('closes with an action item or an explicit no-actions decision, and not otherwise', () => {
      const acting = { ...started(), phase: 'act' as const };
      assert.match((closeRetro(acting, { actions: 0, noActions: false, facilitates: true, now: NOW }) as { message: string }).message, /at least one action item/);
      assert.equal((closeRetro(acting, { actions: 2, noActions: false, facilitates: true, now: NOW }) as { value: Retro }).value.phase, 'closed');
      const none = (closeRetro(acting, { actions: 0, noActions: true, facilitates: true, now: NOW }) as { value: Retro }).value;
      assert.equal(none.noActions, true);
      assert.equal(closeRetro(none, { actions: 0, noActions: true, facilitates: true, now: NOW }).kind, 'unchanged');
      assert.match((closeRetro(acting, { actions: 2, noActions: false, facilitates: false, now: NOW }) as { message: string }).message, /Only the facilitator/);
    });

    it('lets the facilitator or a project manager facilitate', () => {
      const retro = started();
      assert.equal(facilitates(retro, workload, pm.aadObjectId), true);
      assert.equal(facilitates(retro, workload, ana.aadObjectId), false);
    });
  });

  describe('entries', () => {
    it('accepts entries while collecting and before the deadline only', () => {
      const retro = started();
      assert.deepEqual(collecting(retro, NOW), { ok: true });
      assert.match((collecting(retro, '2026-11-27T16:00:01.000Z') as { message: string }).message, /deadline for entries .* has passed/);
      assert.match((collecting({ ...retro, phase: 'group' }, NOW) as { message: string }).message, /closed the collection/);
    });

    it('lets only the author, known by pseudonym, change an entry', () => {
      const retro = started();
      const mine = entry('e1', 'well', { authorKey: pseudonymOf('s'.repeat(32), retro.retroId, ana.aadObjectId) });
      const key = pseudonymOf('s'.repeat(32), retro.retroId, ana.aadObjectId);
      assert.equal((editEntry(retro, mine, { authorKey: key, text: ' New  words ', now: NOW }) as { value: RetroEntry }).value.text, 'New words');
      assert.match((editEntry(retro, mine, { authorKey: 'someone-else', text: 'x', now: NOW }) as { message: string }).message, /only your own/);
      assert.equal(editEntry(retro, mine, { authorKey: key, text: mine.text, now: NOW }).kind, 'unchanged');
    });

    it('gives a person a different pseudonym in every retro, and needs the secret to make one', () => {
      const secret = 's'.repeat(32);
      assert.notEqual(pseudonymOf(secret, 'retro-1', ana.aadObjectId), pseudonymOf(secret, 'retro-2', ana.aadObjectId));
      assert.notEqual(pseudonymOf(secret, 'retro-1', ana.aadObjectId), pseudonymOf('t'.repeat(32), 'retro-1', ana.aadObjectId));
      assert.ok(!pseudonymOf(secret, 'retro-1', ana.aadObjectId).includes(ana.aadObjectId));
    });

    it('merges entries of one question into another, carrying along those merged into them', () => {
      const retro = { ...started(), phase: 'group' as const };
      const entries = [entry('a', 'well'), entry('b', 'well'), entry('c', 'well', { mergedInto: 'b' }), entry('d', 'better')];
      const merged = mergeEntries(retro, entries, { into: 'a', from: ['b'], facilitates: true });
      assert.deepEqual((merged as { value: RetroEntry[] }).value.map((e) => [e.id, e.mergedInto]).sort(), [
        ['b', 'a'],
        ['c', 'a'],
      ]);
      assert.match((mergeEntries(retro, entries, { into: 'a', from: ['d'], facilitates: true }) as { message: string }).message, /same question/);
      assert.match((mergeEntries(retro, entries, { into: 'c', from: ['a'], facilitates: true }) as { message: string }).message, /already merged/);
      assert.match((mergeEntries(retro, entries, { into: 'a', from: ['b'], facilitates: false }) as { message: string }).message, /Only the facilitator/);
      const groups = groupEntries(retro, entries);
      assert.deepEqual(
        groups.get('well')?.map((g) => [g.entry.id, g.merged.map((m) => m.id)]),
        [
          ['a', []],
          ['b', ['c']],
        ],
      );
    });
  });

  describe('votes', () => {
    const votable = new Set(['a', 'b', 'c', 'd']);
    const vote = (retro: Retro, ballot: RetroBallot | undefined, entryId: string, v: 'add' | 'remove' = 'add') => castVote(retro, ballot, { entryId, vote: v, voterKey: 'k', votable, now: NOW });

    it('counts up to the votes per person, refuses one more, and lets a vote be taken back', () => {
      const retro = { ...started(), phase: 'vote' as const };
      let ballot: RetroBallot | undefined;
      for (const id of ['a', 'b', 'c']) ballot = (vote(retro, ballot, id) as { value: RetroBallot }).value;
      assert.deepEqual(ballot?.entryIds, ['a', 'b', 'c']);
      assert.match((vote(retro, ballot, 'd') as { message: string }).message, /used all 3 of your votes/);
      assert.equal(vote(retro, ballot, 'a').kind, 'unchanged', 'a second vote for the same entry is the same vote');
      ballot = (vote(retro, ballot, 'a', 'remove') as { value: RetroBallot }).value;
      assert.deepEqual((vote(retro, ballot, 'd') as { value: RetroBallot }).value.entryIds, ['b', 'c', 'd']);
    });

    it('refuses votes outside the vote and for entries not on the ballot', () => {
      const retro = started();
      assert.match((vote(retro, undefined, 'a') as { message: string }).message, /not started/);
      assert.match((vote({ ...retro, phase: 'act' }, undefined, 'a') as { message: string }).message, /Voting has closed/);
      assert.match((vote({ ...retro, phase: 'vote' }, undefined, 'z') as { message: string }).message, /not on the ballot/);
    });

    it('tallies ballots, ignoring entries no longer on the ballot', () => {
      const b = (entryIds: string[]): RetroBallot => ({ id: 'x', workloadId: 'w', type: 'ballot', retroId: 'r', voterKey: 'k', entryIds, updatedAt: NOW });
      assert.deepEqual(tally([b(['a', 'b']), b(['a', 'z'])], votable), { a: 2, b: 1 });
    });
  });

  describe('action items', () => {
    const base = { text: 'Automate DNS', owner: ana, due: '2026-12-01', target: { kind: 'wave' as const, name: 'Wave 3' }, facilitates: true, actionId: 'a1', now: NOW };

    it('records an action item with an owner, a due date and a target while acting', () => {
      const retro = { ...started(), phase: 'act' as const };
      const recorded = (recordAction(retro, base) as { value: RetroAction }).value;
      assert.equal(recorded.status, 'open');
      assert.equal(recorded.scopeId, workload.scope.scopeId);
      for (const [change, message] of [
        [{ owner: undefined }, /Pick an owner/],
        [{ due: '2026-11-01' }, /today or later/],
        [{ due: 'soon' }, /Pick a due date/],
        [{ target: undefined }, /which wave or workload/],
        [{ text: '  ' }, /Say what should be done/],
        [{ facilitates: false }, /Only the facilitator/],
      ] as const) {
        assert.match((recordAction(retro, { ...base, ...change }) as { message: string }).message, message);
      }
      assert.match((recordAction({ ...retro, phase: 'vote' }, base) as { message: string }).message, /once voting has closed/);
    });

    it('lets the owner, the facilitator or a project manager close an action item, once', () => {
      const retro = { ...started(), phase: 'act' as const };
      const open = (recordAction(retro, base) as { value: RetroAction }).value;
      const bob = person('Bob');
      assert.match((completeAction(open, { actor: bob, isProjectManager: false, now: NOW }) as { message: string }).message, /Only Ana, who owns it/);
      const done = (completeAction(open, { actor: ana, isProjectManager: false, now: NOW }) as { value: RetroAction }).value;
      assert.equal(done.status, 'done');
      assert.equal(completeAction(done, { actor: ana, isProjectManager: false, now: NOW }).kind, 'unchanged');
      assert.equal(completeAction(open, { actor: bob, isProjectManager: true, now: NOW }).kind, 'changed');
    });
  });

  it('lets reminders go out while collecting or voting, not again within 10 minutes', () => {
    const retro = started();
    assert.deepEqual(mayRemind(retro, { facilitates: true, now: NOW }), { ok: true });
    assert.match((mayRemind({ ...retro, lastReminderAt: NOW }, { facilitates: true, now: '2026-11-22T09:05:00.000Z' }) as { message: string }).message, /less than 10 minutes ago/);
    assert.deepEqual(mayRemind({ ...retro, lastReminderAt: NOW }, { facilitates: true, now: '2026-11-22T09:11:00.000Z' }), { ok: true });
    assert.match((mayRemind({ ...retro, phase: 'act' }, { facilitates: true, now: NOW }) as { message: string }).message, /while collecting entries or voting/);
    assert.match((mayRemind(retro, { facilitates: false, now: NOW }) as { message: string }).message, /Only the facilitator/);
  });
});
