import { strict as assert } from 'node:assert';
import type { Delivery, Notice } from '../../bot/broadcast/model';
import {
  ackRecipientKeys,
  approve,
  cancel,
  checkContent,
  checkSchedule,
  countProgress,
  decideAcknowledgement,
  decideUncertain,
  draftNotice,
  nextAction,
  noticeIdOf,
  recipientKeyOf,
  requestSend,
  startIfDue,
  uniqueRecipients,
  workloadIdOfNotice,
} from '../../bot/broadcast/rules';
import { assignRoles, newWorkload, workloadIdOf } from '../../bot/release/rules';
import { NOW, person, scope, TENANT } from '../support/builders';

const pm = person('Priya');
const cm = person('Chloe');
const cm2 = person('Carl');
const outsider = person('Olga');

function workload() {
  const w = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
  const r = assignRoles(w, { roles: { changeManager: [cm, cm2] }, rolesRev: 1, actor: pm, now: NOW });
  assert.equal(r.kind, 'changed');
  return r.workload;
}

const draft = (overrides: Partial<Notice> = {}): Notice => ({
  ...draftNotice({
    workload: newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload,
    noticeId: 'payroll-api.abc123',
    content: { kind: 'general', title: 'T', body: 'B' },
    audience: { channelIds: [], teamIds: [], people: [], everyone: true },
    actor: cm,
    now: NOW,
  }),
  ...overrides,
});

describe('broadcast rules', () => {
  describe('checkContent', () => {
    const base = { kind: 'downtime', title: ' Payroll  offline ', body: 'Down.', startDate: '2026-11-28', startTime: '22:00', endDate: '2026-11-29', endTime: '02:00', timeZone: 'Europe/Paris' };
    it('accepts a downtime window with its start, end and time zone', () => {
      const checked = checkContent(base);
      assert.ok(checked.ok);
      assert.deepEqual(checked.content, { kind: 'downtime', title: 'Payroll offline', body: 'Down.', startsAt: '2026-11-28T22:00', endsAt: '2026-11-29T02:00', timeZone: 'Europe/Paris' });
    });
    it('refuses a downtime without a window, an end before its start, an unknown zone and a link that is not https', () => {
      const message = (input: Record<string, string>) => {
        const checked = checkContent({ ...base, ...input });
        return checked.ok ? '' : checked.message;
      };
      assert.match(message({ startDate: '', startTime: '', endDate: '', endTime: '' }), /A downtime window needs a start and an end/);
      assert.match(message({ endDate: '2026-11-28', endTime: '21:00' }), /The end must come after the start/);
      assert.match(message({ timeZone: 'Mars/Olympus' }), /"Mars\/Olympus" is not a time zone/);
      assert.match(message({ changePlanUrl: 'javascript:alert(1)' }), /must be an https:\/\/ address/);
      assert.match(message({ kind: 'party' }), /Pick what kind of notice/);
      assert.match(message({ title: '' }), /Give the notice a title/);
    });
  });

  it('names a notice after its workload so a person can type it, and finds the workload back', () => {
    const here = { tenantId: TENANT, scopeId: '19:team-general@thread.tacv2' };
    assert.equal(noticeIdOf(workloadIdOf(here, 'payroll-api'), 'k3x9qa'), 'payroll-api.k3x9qa');
    assert.equal(workloadIdOfNotice(here, ' Payroll-API.K3X9QA '), workloadIdOf(here, 'payroll-api'));
    assert.equal(workloadIdOfNotice(here, 'nonsense'), undefined);
  });

  it('keys recipients naturally: one person is one recipient, whatever the audience that named them', () => {
    const alice = { kind: 'person' as const, aadObjectId: 'a', teamsUserId: '29:a', name: 'A', serviceUrl: 'u' };
    const unique = uniqueRecipients([alice, { ...alice, conversationId: 'x' }, { kind: 'conversation', conversationId: '19:c/d@thread', serviceUrl: 'u' }]);
    assert.deepEqual(
      unique.map((u) => u.key),
      ['user:a', 'conv:19:c_d@thread'],
    );
    assert.equal(recipientKeyOf({ kind: 'conversation', conversationId: 'a?b#c\\d', serviceUrl: 'u' }), 'conv:a_b_c_d');
  });

  describe('who may acknowledge', () => {
    const sent = draft({ status: 'sent', sentAt: NOW });
    const delivered = { status: 'sent' as const };
    it("looks for the person's own copy and the copy posted in the conversation they acknowledge from", () => {
      assert.deepEqual(ackRecipientKeys('a', ['19:releases@thread.tacv2', '19:releases@thread.tacv2;messageid=7']), [
        'user:a',
        'conv:19:releases@thread.tacv2',
        'conv:19:releases@thread.tacv2;messageid=7',
      ]);
      assert.deepEqual(ackRecipientKeys('a', ['a:personal', 'a:personal']), ['user:a', 'conv:a:personal']);
      const channel = recipientKeyOf({ kind: 'conversation', conversationId: '19:c/d@thread', serviceUrl: 'u' });
      assert.ok(ackRecipientKeys('a', ['19:c/d@thread']).includes(channel), 'the same key the fan-out wrote');
    });
    it('accepts a recipient of a sent notice, also while it is still sending or after a cancel cut it short', () => {
      assert.equal(decideAcknowledgement(sent, [delivered]).kind, 'accept');
      assert.equal(decideAcknowledgement({ ...sent, status: 'sending' }, [{ status: 'pending' }]).kind, 'accept');
      assert.equal(decideAcknowledgement({ ...sent, status: 'cancelled' }, [delivered]).kind, 'accept');
    });
    it('refuses anyone with no copy, and everyone on a notice never sent', () => {
      for (const [notice, deliveries] of [
        [sent, []],
        [sent, [{ status: 'cancelled' }]],
        [draft(), [delivered]],
        [draft({ status: 'awaitingApproval' }), [delivered]],
        [draft({ status: 'cancelled' }), [delivered]],
      ] as const) {
        const decision = decideAcknowledgement(notice, deliveries);
        assert.equal(decision.kind, 'refused', `${notice.status} with ${deliveries.length} deliveries`);
        assert.match(decision.kind === 'refused' ? decision.message : '', /This notice was not sent to you/);
      }
    });
    it('tells a recipient of a recalled notice that it was recalled, and an outsider only that it was not sent to them', () => {
      assert.equal(decideAcknowledgement({ ...sent, recalled: true }, [{ status: 'recalled' }]).kind, 'recalled');
      assert.equal(decideAcknowledgement({ ...sent, recalled: true }, []).kind, 'refused');
    });
  });

  describe('sending and approval', () => {
    it('sends at once without approval, and waits for a second change manager with it', () => {
      const w = workload();
      const direct = requestSend(draft(), { workload: w, actor: cm, approvalRequired: false, rev: 1, now: NOW });
      assert.equal(direct.kind === 'changed' && direct.notice.status, 'sending');
      const waiting = requestSend(draft(), { workload: w, actor: cm, approvalRequired: true, rev: 1, now: NOW });
      assert.equal(waiting.kind === 'changed' && waiting.notice.status, 'awaitingApproval');
      const own = approve(waiting.notice, { workload: w, actor: cm, now: NOW });
      assert.match(own.kind === 'refused' ? own.message : '', /the author cannot approve their own/);
      const byOutsider = approve(waiting.notice, { workload: w, actor: outsider, now: NOW });
      assert.equal(byOutsider.kind, 'refused');
      const ok = approve(waiting.notice, { workload: w, actor: cm2, now: NOW });
      assert.equal(ok.kind === 'changed' && ok.notice.status, 'sending');
      assert.equal(approve(ok.notice, { workload: w, actor: cm2, now: NOW }).kind, 'unchanged', 'a retried approval is one approval');
    });
    it('refuses a send from a stale preview, from someone else, or with nobody to send to', () => {
      const w = workload();
      assert.equal(requestSend(draft({ rev: 2 }), { workload: w, actor: cm, approvalRequired: false, rev: 1, now: NOW }).kind, 'refused');
      assert.equal(requestSend(draft(), { workload: w, actor: cm2, approvalRequired: false, rev: 1, now: NOW }).kind, 'refused');
      assert.equal(
        requestSend(draft({ audience: { channelIds: [], teamIds: [], people: [], everyone: false } }), { workload: w, actor: cm, approvalRequired: false, rev: 1, now: NOW }).kind,
        'refused',
      );
      assert.equal(requestSend(draft({ status: 'sending' }), { workload: w, actor: cm, approvalRequired: false, rev: 1, now: NOW }).kind, 'unchanged');
    });
    it('lets the author or a change manager cancel a send in flight, nobody else', () => {
      const w = workload();
      assert.equal(cancel(draft({ status: 'sending' }), { workload: w, actor: outsider, now: NOW }).kind, 'refused');
      assert.equal(cancel(draft({ status: 'sending' }), { workload: w, actor: cm2, now: NOW }).kind, 'changed');
    });
  });

  describe('what the sender does next', () => {
    const d = (overrides: Partial<Delivery>): Delivery => ({
      id: 'n:user:a',
      workloadId: 'w',
      type: 'delivery',
      tenantId: TENANT,
      noticeId: 'n',
      recipientKey: 'user:a',
      recipient: { kind: 'person', aadObjectId: 'a', teamsUserId: '29:a', name: 'A', serviceUrl: 'u', conversationId: 'c' },
      status: 'pending',
      attempts: 0,
      appliedRev: 1,
      remindedRev: 0,
      ...overrides,
    });
    it('sends pending deliveries while sending, and cancels them once cancelled or recalled', () => {
      assert.equal(nextAction(draft({ status: 'sending' }), d({})), 'send');
      assert.equal(nextAction(draft({ status: 'cancelled' }), d({})), 'cancel');
      assert.equal(nextAction(draft({ status: 'sending', recalled: true }), d({})), 'cancel');
    });
    it('updates copies behind the content, deletes them on recall, and reminds people behind the round', () => {
      const sent = d({ status: 'sent', activityId: '1' });
      assert.equal(nextAction(draft({ status: 'sent', contentRev: 2 }), sent), 'update');
      assert.equal(nextAction(draft({ status: 'sent', contentRev: 2, recalled: true }), sent), 'delete');
      assert.equal(nextAction(draft({ status: 'sent', remindRev: 1 }), sent), 'remind');
      assert.equal(nextAction(draft({ status: 'sent', remindRev: 1 }), { ...sent, recipient: { kind: 'conversation', conversationId: 'c', serviceUrl: 'u' } }), 'none', 'a channel is not reminded');
      assert.equal(nextAction(draft({ status: 'sent' }), d({ status: 'blocked' })), 'none');
    });
    it('records a delivery claimed by a sender that is gone as uncertain, whatever the notice, and never sends it again blindly', () => {
      for (const status of ['sending', 'sent', 'cancelled'] as const) assert.equal(nextAction(draft({ status }), d({ status: 'claimed' })), 'uncertain');
      assert.equal(nextAction(draft({ status: 'sending' }), d({ status: 'uncertain' })), 'none');
    });
    it('counts uncertain deliveries on their own, and claimed ones as still pending', () => {
      const progress = countProgress(['sent', 'claimed', 'uncertain', 'uncertain', 'pending'], 0);
      assert.deepEqual([progress.total, progress.sent, progress.pending, progress.uncertain], [5, 1, 2, 2]);
    });
  });

  describe('the author decides about uncertain deliveries', () => {
    const sent = () => draft({ status: 'sent', rev: 4 });
    it('sends them again when the author asks, and leaves them when told to, once', () => {
      const resend = decideUncertain(sent(), { workload: workload(), actor: cm, choice: 'resend', uncertain: 2, now: NOW });
      assert.equal(resend.kind, 'changed');
      assert.equal(resend.notice.status, 'sending');
      const leave = decideUncertain(sent(), { workload: workload(), actor: cm2, choice: 'leave', uncertain: 2, now: NOW });
      assert.equal(leave.kind, 'changed');
      assert.deepEqual(leave.notice.uncertainLeft, { by: cm2, at: NOW });
      assert.equal(leave.notice.status, 'sent');
      assert.equal(decideUncertain(leave.notice, { workload: workload(), actor: cm, choice: 'leave', uncertain: 2, now: NOW }).kind, 'unchanged');
    });
    it('refuses someone who does not manage the notice, a recalled notice, and a notice with nothing uncertain', () => {
      const refused = (notice: Notice, actor = cm, uncertain = 1) => {
        const r = decideUncertain(notice, { workload: workload(), actor, choice: 'resend', uncertain, now: NOW });
        return r.kind === 'refused' ? r.message : r.kind;
      };
      assert.match(refused(sent(), outsider), /Only the author or a change manager/);
      assert.match(refused(draft({ status: 'sent', recalled: true })), /recalled/);
      assert.match(refused(sent(), cm, 0), /No delivery is uncertain/);
    });
  });

  describe('a notice sent when due', () => {
    const now = '2026-12-01T08:00:00.000Z';
    it('reads "send at" in the time zone of the card, and leaves it empty to send on Send', () => {
      assert.deepEqual(checkSchedule({}, now), { ok: true });
      assert.deepEqual(checkSchedule({ sendDate: '2026-12-05', sendTime: '09:30', timeZone: 'Europe/Paris' }, now), {
        ok: true,
        schedule: { local: '2026-12-05T09:30', timeZone: 'Europe/Paris', at: '2026-12-05T08:30:00.000Z' },
      });
    });
    it('refuses a time that has passed, a date that does not exist, a time the clocks skip and an unknown zone, in a sentence', () => {
      const message = (input: Record<string, string>) => {
        const r = checkSchedule(input, now);
        return r.ok ? 'ok' : r.message;
      };
      assert.match(message({ sendDate: '2026-11-30', sendTime: '09:00', timeZone: 'UTC' }), /has passed/);
      assert.match(message({ sendDate: '2026-02-30', sendTime: '09:00', timeZone: 'UTC' }), /does not exist/);
      assert.match(message({ sendDate: '2027-03-28', sendTime: '02:30', timeZone: 'Europe/Paris' }), /clocks skip/);
      assert.match(message({ sendDate: '2026-12-05', sendTime: '09:00', timeZone: 'Mars/Olympus' }), /time zone/);
    });
    it('Send schedules a notice whose time is to come, and sends one whose time has come', () => {
      const schedule = { local: '2026-12-05T09:30', timeZone: 'Europe/Paris', at: '2026-12-05T08:30:00.000Z' };
      const scheduled = requestSend(draft({ schedule }), { workload: workload(), actor: cm, approvalRequired: false, rev: 1, now });
      assert.equal(scheduled.notice.status, 'scheduled');
      assert.equal(scheduled.notice.sentAt, undefined);
      assert.equal(requestSend(scheduled.notice, { workload: workload(), actor: cm, approvalRequired: false, rev: 2, now }).kind, 'unchanged', 'a second Send changes nothing');
      assert.equal(startIfDue(scheduled.notice, '2026-12-05T08:29:59.000Z').kind, 'unchanged', 'not before its time');
      const due = startIfDue(scheduled.notice, '2026-12-05T08:30:00.000Z');
      assert.equal(due.notice.status, 'sending');
      assert.equal(due.notice.sentAt, '2026-12-05T08:30:00.000Z');
    });
    it('a scheduled notice can be cancelled before it goes', () => {
      const schedule = { local: '2026-12-05T09:30', timeZone: 'UTC', at: '2026-12-05T09:30:00.000Z' };
      const cancelled = cancel(draft({ schedule, status: 'scheduled' }), { workload: workload(), actor: cm, now });
      assert.equal(cancelled.notice.status, 'cancelled');
      assert.equal(startIfDue(cancelled.notice, '2026-12-06T00:00:00.000Z').kind, 'unchanged');
    });
  });
});
