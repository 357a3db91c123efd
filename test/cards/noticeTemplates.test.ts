import { strict as assert } from 'node:assert';
import { renderNotice, renderNoticeCompose, renderNoticeProgress } from '../../cards/noticeCards';
import type { Card } from '../../cards/render';
import type { Notice } from '../../bot/broadcast/model';
import { countProgress } from '../../bot/broadcast/rules';
import type { BroadcastHandlers } from '../../bot/teams/broadcastHandlers';
import { broadcastRoutes } from '../../bot/teams/broadcastRoutes';
import { NOW, person } from '../support/builders';
import { DISGUISED_LINK, expectRealTarget, expectWellFormedCard, verbsOf } from '../support/cards';
import { cardText } from '../support/liftoff';
import { releaseRoutes } from '../../bot/teams/routes';
import type { ReleaseHandlers } from '../../bot/teams/handlers';

/** Building the route table calls no handler, so none is needed to learn the verb names. */
const routedVerbs = new Set([...Object.keys(broadcastRoutes({} as BroadcastHandlers).verbs), ...Object.keys(releaseRoutes({} as ReleaseHandlers).verbs)]);
/** The shared checks, and notice cards use no action but Action.Execute (no links, no show-cards). */
function expectWellFormed(name: string, card: Card): void {
  expectWellFormedCard(name, card, routedVerbs);
  const actionTypes = [...JSON.stringify(card).matchAll(/"type":"(Action\.[A-Za-z]+)"/g)].map((m) => m[1]);
  for (const type of actionTypes) assert.equal(type, 'Action.Execute', `${name}: Action.Execute only`);
}

describe('notice card templates expanded with real data', () => {
  const chloe = person('Chloe');
  const notice: Notice = {
    id: 'payroll-api.k3x9qa',
    workloadId: 'tenant:payroll-api',
    type: 'notice',
    tenantId: 'tenant',
    workloadName: 'Payroll API',
    content: {
      kind: 'downtime',
      title: 'Payroll API offline Saturday night',
      body: 'The **Payroll API** moves to Azure.\n\n- payslips wait\n- "quotes" & <tags>',
      startsAt: '2026-11-28T22:00',
      endsAt: '2026-11-29T02:00',
      timeZone: 'Europe/Paris',
      impact: 'Payslips unavailable',
      contact: 'payroll@contoso.example',
      changePlanUrl: 'https://contoso.example/plan',
    },
    audience: { channelIds: [], teamIds: [], people: [], everyone: true },
    author: chloe,
    status: 'sending',
    rev: 3,
    contentRev: 1,
    recalled: false,
    remindRev: 0,
    fannedOut: true,
    total: 10_000,
    createdAt: NOW,
  };
  const progress = countProgress([...Array(9000).fill('sent'), ...Array(900).fill('pending'), 'blocked', 'failed', 'notFound'], 120);

  it('compose, edit and update forms', () => {
    expectWellFormed(
      'compose',
      renderNoticeCompose({
        workloadId: notice.workloadId,
        workloadName: 'Payroll API',
        noticeId: notice.id,
        channels: [{ title: 'Releases', value: '19:r@thread.tacv2' }],
        teams: [{ title: 'Team with General', value: '19:t@thread.tacv2' }],
        people: [chloe],
      }),
    );
    expectWellFormed(
      'compose with no choices',
      renderNoticeCompose({
        workloadId: notice.workloadId,
        workloadName: 'Payroll API',
        noticeId: notice.id,
        channels: [],
        teams: [],
        people: [],
        banner: { text: 'Give the notice a title.', tone: 'attention' },
      }),
    );
    const update = renderNoticeCompose({
      workloadId: notice.workloadId,
      workloadName: 'Payroll API',
      noticeId: notice.id,
      updating: { rev: 3 },
      content: notice.content,
      channels: [],
      teams: [],
      people: [],
    });
    expectWellFormed('update', update);
    assert.doesNotMatch(cardText(update), /Audience/);
  });

  it('the notice as recipients, the author and an approver see it', () => {
    expectWellFormed('recipient', renderNotice(notice, { mode: 'recipient' }));
    expectWellFormed('acknowledged', renderNotice({ ...notice, contentRev: 2 }, { mode: 'recipient', acknowledged: { at: NOW } }));
    expectWellFormed('reminder', renderNotice(notice, { mode: 'reminder' }));
    expectWellFormed('preview', renderNotice({ ...notice, status: 'draft' }, { mode: 'preview', audience: 'everyone who has Liftoff installed' }));
    expectWellFormed('approval', renderNotice({ ...notice, status: 'awaitingApproval' }, { mode: 'approval', audience: '3 people' }));
    expectWellFormed('recalled', renderNotice(notice, { mode: 'recalled' }));
    const text = JSON.stringify(renderNotice({ ...notice, content: { ...notice.content, title: 'Payroll API offline ${root.name}' } }, { mode: 'recipient' }));
    assert.ok(text.includes('Payroll API offline ${root.name}'), 'user text is shown verbatim, never expanded');
  });

  it('shows the real target of a link typed in the title, body, impact or contact, and keeps its own change plan link whole', () => {
    const content = {
      ...notice.content,
      title: `Read ${DISGUISED_LINK}`,
      body: `**Act now**: ${DISGUISED_LINK}\n\n[1]: https://evil.test`,
      impact: DISGUISED_LINK,
      contact: `<https://evil.test>`,
      changePlanUrl: 'https://contoso.example/plan)[Pay here](https://evil.test',
    };
    for (const view of [{ mode: 'recipient' as const }, { mode: 'reminder' as const }, { mode: 'preview' as const, audience: '3 people' }]) {
      const card = renderNotice({ ...notice, content }, view);
      expectWellFormed(`${view.mode} with typed links`, card);
      expectRealTarget(view.mode, card, cardText);
      const text = cardText(card);
      assert.match(text, /\*\*Act now\*\*/, 'bold stays');
      assert.equal(text.match(/\]\(/g)?.length, 1, 'the one link left is the change plan');
      assert.match(text, /\[Business change plan\]\(https:\/\/contoso\.example\/plan%29%5BPay%20here%5D%28https:\/\/evil\.test\)/);
    }
    expectRealTarget('progress', renderNoticeProgress({ ...notice, content }, progress), cardText);
  });

  it('the progress card while sending, when sent with failures, cancelled and recalled', () => {
    expectWellFormed('sending', renderNoticeProgress(notice, progress));
    const sent = renderNoticeProgress({ ...notice, status: 'sent' }, progress);
    expectWellFormed('sent', sent);
    assert.match(cardText(sent), /Re-send to 1 failed/);
    expectWellFormed('cancelled', renderNoticeProgress({ ...notice, status: 'cancelled' }, { ...progress, cancelled: 900, pending: 0 }, { text: 'Cancelled.', tone: 'good' }));
    expectWellFormed('recalled', renderNoticeProgress({ ...notice, status: 'sent', recalled: true }, { ...progress, recalled: 9000, sent: 0 }));
  });

  it('the progress card for one recipient: only the states someone is in, and Remind to acknowledge as a button', () => {
    const one = countProgress(['sent'], 0);
    const card = renderNoticeProgress({ ...notice, status: 'sent', total: 1 }, one);
    expectWellFormed('one recipient', card);
    const facts = JSON.stringify(card).match(/"title":"[A-Za-z ]+","value":"\d+"/g) ?? [];
    assert.deepEqual(facts, ['"title":"Recipients","value":"1"', '"title":"Sent","value":"1"', '"title":"Acknowledged","value":"0"']);
    assert.ok(verbsOf(card).includes('notice.remind'));
  });
});
