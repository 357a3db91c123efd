import { strict as assert } from 'node:assert';
import { renderRetroActions, renderRetroCard, renderRetroReminder, renderRetroStart, renderRetroSummary, renderRetroView, RetroViewData } from '../../cards/retro';
import { renderChecklist } from '../../cards/render';
import type { Workload } from '../../bot/release/model';
import { newWorkload } from '../../bot/release/rules';
import type { Retro, RetroAction, RetroBallot, RetroEntry } from '../../bot/retro/model';
import { startRetro } from '../../bot/retro/rules';
import type { ReleaseHandlers } from '../../bot/teams/handlers';
import type { RetroHandlers } from '../../bot/teams/retroHandlers';
import { retroRoutes } from '../../bot/teams/retroRoutes';
import { releaseRoutes } from '../../bot/teams/routes';
import { mergeRoutes } from '../../bot/teams/router';
import { NOW, person, scope } from '../support/builders';
import { startRequest } from '../support/retro';
import { DISGUISED_LINK, expectRealTarget, expectWellFormedCard, verbsOf } from '../support/cards';
import { cardText } from '../support/liftoff';

/** Building the route tables calls no handler, so none is needed to learn the verb names. */
const routes = mergeRoutes(releaseRoutes({} as ReleaseHandlers), retroRoutes({} as RetroHandlers));
const routed = new Set(Object.keys(routes.verbs));
const expectWellFormed = (name: string, card: Record<string, unknown>) => expectWellFormedCard(name, card, routed);

describe('retro card templates expanded with real data', () => {
  const pm = person('Priya');
  const ana = person('Ana');
  let workload: Workload;
  let retro: Retro;

  const entry = (n: number, questionId: string, text: string, extra: Partial<RetroEntry> = {}): RetroEntry => ({
    id: `${retro.retroId}:entry:${n}`,
    workloadId: retro.workloadId,
    type: 'entry',
    retroId: retro.retroId,
    questionId,
    text,
    authorKey: n % 2 ? 'key-ana' : 'key-ben',
    createdAt: NOW,
    ...extra,
  });
  const action = (n: number): RetroAction => ({
    id: `${retro.retroId}:action:${n}`,
    workloadId: retro.workloadId,
    type: 'action',
    retroId: retro.retroId,
    tenantId: retro.tenantId,
    scopeId: retro.scopeId,
    workloadName: retro.workloadName,
    text: `Automate step ${n} of the cutover`,
    owner: ana,
    due: '2026-12-01',
    target: n % 2 ? { kind: 'wave', name: 'Wave 3' } : { kind: 'workload', workloadId: 'w2', name: 'Billing' },
    status: 'open',
    facilitator: pm,
    createdAt: NOW,
  });
  const view = (r: Retro, extra: Partial<RetroViewData> = {}): RetroViewData => ({
    retro: r,
    entries: [],
    ballots: [],
    actions: [],
    openActions: [],
    viewerKey: 'key-ana',
    ballot: undefined,
    facilitates: false,
    roster: [pm, ana],
    targets: [{ workloadId: 'w2', name: 'Billing' }],
    today: '2026-11-22',
    ...extra,
  });

  before(() => {
    workload = newWorkload({ name: 'Payroll API', slug: 'payroll-api', scope: scope(), creator: pm, now: NOW }).workload;
    const started = startRetro(startRequest(workload, pm, { viewers: ['29:a', '29:b'] }));
    assert.equal(started.kind, 'changed');
    if (started.kind === 'changed') retro = started.value;
  });

  it('start card, with and without open action items from earlier retros', () => {
    expectWellFormed('start', renderRetroStart(workload, [], { today: '2026-11-22' }));
    const card = renderRetroStart(workload, [action(1), action(2)], { today: '2026-11-22', notice: { text: 'Pick a date.', tone: 'attention' } });
    expectWellFormed('start with actions', card);
    assert.match(cardText(card), /Automate step 1 of the cutover: Ana, due 2026-12-01, for Wave 3/);
    assert.match(JSON.stringify(card), /"value":"2026-11-25"/, 'the deadline defaults to three days ahead');
  });

  it('channel card in every phase shows counts, never an entry, and refreshes into personal views for the listed users', () => {
    const entries = [entry(1, 'well', 'A secret thought'), entry(2, 'better', 'Another one')];
    for (const phase of ['collect', 'group', 'vote', 'act', 'closed'] as const) {
      const card = renderRetroCard({ retro: { ...retro, phase }, entries, ballots: [], actions: [action(1)], openActions: [action(2)] });
      expectWellFormed(`channel card, ${phase}`, card);
      if (phase === 'collect') {
        assert.doesNotMatch(JSON.stringify(card), /secret thought|Another one/);
        assert.match(cardText(card), /2 entries so far from 2 people/);
      }
    }
    const card = renderRetroCard({ retro, entries, ballots: [], actions: [], openActions: [] });
    assert.deepEqual((card.refresh as { userIds: string[] }).userIds, ['29:a', '29:b']);
    assert.equal((card.refresh as { action: { verb: string } }).action.verb, 'retro.view');
    const nobody = renderRetroCard({ retro: { ...retro, viewers: [] }, entries, ballots: [], actions: [], openActions: [] });
    assert.equal(nobody.refresh, undefined, 'no refresh without a list: Teams would otherwise refresh for everyone');
    expectWellFormed('channel card without viewers', nobody);
  });

  it("personal view while collecting shows only the viewer's entries, with inputs per question", () => {
    const entries = [entry(1, 'well', 'Mine, as typed'), entry(2, 'well', 'Not mine')];
    const card = renderRetroView(view(retro, { entries, openActions: [action(1)] }));
    expectWellFormed('collect view', card);
    const json = JSON.stringify(card);
    assert.match(json, /Mine, as typed/);
    const verbatim = JSON.stringify(renderRetroView(view(retro, { entries: [entry(1, 'well', 'Costs ${root.name} & <b>')] })));
    assert.ok(verbatim.includes('Costs ${root.name} & <b>'), 'user text stays verbatim, never a template expression');
    assert.doesNotMatch(json, /Not mine/);
    for (const q of ['well', 'better', 'learned']) assert.match(json, new RegExp(`"id":"q_${q}"`));
    assert.ok(verbsOf(card).includes('retro.entry.edit'));
  });

  it('personal views once revealed: group with merges for the facilitator, vote with the ballot, act with tallies and the action form, closed', () => {
    const entries = [entry(1, 'well', 'Fast cutover', { author: ana }), entry(2, 'well', 'Quick cutover', { mergedInto: `${retro.retroId}:entry:1` }), entry(3, 'learned', 'Rehearse')];
    const group = renderRetroView(view({ ...retro, phase: 'group' }, { entries, facilitates: true }));
    expectWellFormed('group view', group);
    assert.match(cardText(group), /\+ 1 similar entry/);
    assert.ok(!cardText(group).includes('Ana'), 'no author in an anonymous retro, even where the entry carries one');
    const ballot: RetroBallot = { id: 'b', workloadId: retro.workloadId, type: 'ballot', retroId: retro.retroId, voterKey: 'key-ana', entryIds: [`${retro.retroId}:entry:1`], updatedAt: NOW };
    const vote = renderRetroView(view({ ...retro, phase: 'vote' }, { entries, ballot }));
    expectWellFormed('vote view', vote);
    assert.match(cardText(vote), /You have 2 of 3 votes left/);
    assert.match(cardText(vote), /Take back/);
    const tallied = { ...retro, phase: 'act' as const, tallies: { [`${retro.retroId}:entry:1`]: 4 } };
    const act = renderRetroView(view(tallied, { entries, actions: [action(1)], facilitates: true }));
    expectWellFormed('act view', act);
    assert.match(cardText(act), /4 votes/);
    assert.ok(verbsOf(act).includes('retro.action.add'));
    assert.ok(verbsOf(act).includes('retro.close'));
    const closed = renderRetroView(view({ ...tallied, phase: 'closed', gateNote: 'The retrospective gate could not pass yet.' }, { entries, actions: [action(1)], facilitates: true }));
    expectWellFormed('closed view', closed);
    assert.ok(verbsOf(closed).includes('retro.gate'));
    const named = renderRetroView(view({ ...retro, anonymous: false, phase: 'group' }, { entries }));
    assert.match(cardText(named), /Fast cutover\nAna/);
  });

  it("keeps the largest views under Teams' card size", () => {
    const long = 'x'.repeat(500);
    const entries = Array.from({ length: 80 }, (_, i) => entry(i, ['well', 'better', 'learned'][i % 3]!, `${i} ${long}`));
    const roster = Array.from({ length: 150 }, (_, i) => person(`Member ${i}`));
    for (const phase of ['collect', 'group', 'vote', 'act', 'closed'] as const) {
      const mine = phase === 'collect' ? entries.map((e) => ({ ...e, authorKey: 'key-ana' })).slice(0, 60) : entries;
      const card = renderRetroView(
        view(
          { ...retro, phase, tallies: phase === 'act' || phase === 'closed' ? {} : undefined },
          { entries: mine, facilitates: true, roster, actions: Array.from({ length: 10 }, (_, i) => action(i)) },
        ),
      );
      expectWellFormed(`crowded ${phase} view`, card);
    }
  });

  it('summary, reminder and the open action items card', () => {
    const entries = [entry(1, 'well', 'Fast cutover'), entry(2, 'better', 'Slow sign-off')];
    const closed = { ...retro, phase: 'closed' as const, tallies: { [`${retro.retroId}:entry:1`]: 3 } };
    const summary = renderRetroSummary({
      retro: closed,
      entries,
      ballots: [],
      actions: [action(1), action(2)],
      openActions: [],
      gate: { passed: true, message: 'The retrospective gate of the release checklist passed.' },
    });
    expectWellFormed('summary', summary);
    assert.match(cardText(summary), /Fast cutover \(3 votes\)/);
    assert.doesNotMatch(cardText(summary), /Slow sign-off/, 'an entry without votes is not a top item');
    assert.match(cardText(summary), /1 other entry with no votes\./);
    const waiting = renderRetroSummary({ retro: closed, entries, ballots: [], actions: [], openActions: [], gate: { passed: false, message: 'raw rule sentence', waitingFor: ['Assets retired'] } });
    assert.match(cardText(waiting), /Next: the retrospective gate passes once these gates are closed: Assets retired\. Then press Record the retrospective gate/);
    assert.doesNotMatch(cardText(waiting), /raw rule sentence/);
    assert.ok(!JSON.stringify(waiting).includes('"color":"attention"'), 'nothing in red');
    const twoLines = renderRetroSummary({ retro: closed, entries: [entry(1, 'well', 'First line\nSecond line')], ballots: [], actions: [], openActions: [], gate: { passed: true, message: '' } });
    assert.match(cardText(twoLines), /First line\n\nSecond line \(3 votes\)/);
    expectWellFormed(
      'summary, no actions',
      renderRetroSummary({
        retro: { ...closed, noActions: true },
        entries: [],
        ballots: [],
        actions: [],
        openActions: [],
        gate: { passed: false, message: 'The retrospective gate could not pass yet.' },
      }),
    );
    const reminder = renderRetroReminder(retro);
    expectWellFormed('reminder', reminder);
    assert.match(cardText(reminder), /Priya reminds you to add your entries/);
    expectWellFormed('vote reminder', renderRetroReminder({ ...retro, phase: 'vote' }));
    expectWellFormed('no actions', renderRetroActions([]));
    const many = renderRetroActions(
      Array.from({ length: 40 }, (_, i) => action(i)),
      { text: 'Done.', tone: 'good' },
    );
    expectWellFormed('many actions', many);
    assert.match(cardText(many), /and 15 more, due later/);
  });

  it("leads from every action item back to its workload's checklist, and to the workloads here", () => {
    const card = renderRetroActions([action(1), action(2)]);
    const verbs = verbsOf(card);
    assert.equal(verbs.filter((v) => v === 'workload.status').length, 2, 'one Checklist button per item');
    assert.ok(verbs.includes('workload.list'));
  });

  it('shows the real target of a link typed in an entry, anonymous or not, or an action item', () => {
    const entries = [entry(1, 'well', `Great ${DISGUISED_LINK}`), entry(2, 'well', DISGUISED_LINK, { mergedInto: `${retro.retroId}:entry:1` }), entry(3, 'learned', DISGUISED_LINK)];
    const typed = { ...action(1), text: `Fix ${DISGUISED_LINK}` };
    const tallied = { ...retro, tallies: { [`${retro.retroId}:entry:1`]: 2 } };
    const cards: Array<[string, Record<string, unknown>]> = [
      ['collect view', renderRetroView(view(retro, { entries: entries.map((e) => ({ ...e, mergedInto: undefined })), openActions: [typed] }))],
      ['anonymous group view', renderRetroView(view({ ...retro, phase: 'group' }, { entries, facilitates: true }))],
      ['named act view', renderRetroView(view({ ...tallied, anonymous: false, phase: 'act' }, { entries, actions: [typed], facilitates: true }))],
      ['summary', renderRetroSummary({ retro: { ...tallied, phase: 'closed' }, entries, ballots: [], actions: [typed], openActions: [], gate: { passed: true, message: 'Passed.' } })],
      ['action items', renderRetroActions([typed])],
      ['start', renderRetroStart(workload, [typed], { today: '2026-11-22' })],
    ];
    for (const [name, card] of cards) {
      expectWellFormed(name, card);
      expectRealTarget(name, card, cardText);
    }
  });

  it('checklist with the retro sections', () => {
    const card = renderChecklist(workload, undefined, [
      { title: 'Retrospective', lines: ['Payroll API is promoted.'], actions: [{ title: 'Start the retrospective', verb: 'retro.new', data: { workloadId: workload.workloadId } }] },
      {
        title: 'Open action items from earlier retros',
        lines: ['• x'],
        actions: [
          { title: 'Done: x', verb: 'retro.action.done', data: { workloadId: 'w', actionId: 'a' } },
          { title: 'All action items', verb: 'retro.actions', data: {} },
        ],
      },
    ]);
    expectWellFormed('checklist with retro sections', card);
  });
});
