// Component specs of the tab's pages: the presentational parts (those that take the API's answer as props,
// without fetching or a Teams host) rendered in Node with react-dom/server inside Fluent's provider, from
// fixed answers typed by bot/tab/view.ts. They read what a person reads and can press: text, headings,
// buttons, and the names of regions, lists and pictures. The fetching shells (Board, MyWork,
// WorkloadPanel) and a press in a real page are the browser spec's (board.browser.test.ts). The .tsx files
// loaded here carry `/** @jsxRuntime automatic */`: tsx compiles files outside the root tsconfig's include
// with React's classic runtime otherwise ("React is not defined"). The tab's CSS is imported by main.tsx only.
import { strict as assert } from 'node:assert';
import { FluentProvider, teamsLightTheme } from '@fluentui/react-components';
import { createElement, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { BoardRow, BoardView, MyWork, WorkItem, WorkloadDetail } from '../../bot/tab/view';
import { BoardTables } from '../../tab/src/BoardTables';
import { AcknowledgedOverTime, BurnDown, UatProgress } from '../../tab/src/Charts';
import { StageProgress } from '../../tab/src/StageProgress';
import { WorkList } from '../../tab/src/WorkList';
import { WorkloadDetails } from '../../tab/src/WorkloadDetails';

const render = (element: ReactElement): string => renderToStaticMarkup(createElement(FluentProvider, { theme: teamsLightTheme }, element));

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#x27': "'", '#39': "'", nbsp: ' ' };
const decode = (html: string): string => html.replace(/&(#?\w+);/g, (all, name: string) => ENTITIES[name] ?? all).replace(/\u00AD/g, '');
/** What a person reads: the markup without its tags, the provider's theme <style> and the stage columns' soft hyphens. */
const text = (html: string): string =>
  decode(html.replace(/<style\b[\s\S]*?<\/style>/g, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
/** The words of every button, in order. */
const buttons = (html: string): string[] => [...html.matchAll(/<button\b[^>]*>([\s\S]*?)<\/button>/g)].map((m) => text(m[1]!));
/** The accessible names given by aria-label on elements of a role (or a tag). */
const named = (html: string, role: string): string[] =>
  [...html.matchAll(/<(\w+)\b([^>]*)>/g)].filter((m) => m[1] === role || new RegExp(`\\brole="${role}"`).test(m[2]!)).map((m) => decode(/\baria-label="([^"]*)"/.exec(m[2]!)?.[1] ?? ''));
/** The markup of each <section>'s own opening to its next sibling section: good enough for the board's flat groups. */
const sections = (html: string): Array<{ label: string; html: string }> =>
  html
    .split(/(?=<section\b)/)
    .slice(1)
    .map((part) => ({ label: decode(/^<section\b[^>]*aria-label="([^"]*)"/.exec(part)?.[1] ?? ''), html: part }));

const STAGES = [
  { id: 'readiness', title: 'Readiness' },
  { id: 'pilot', title: 'Pilot in production' },
];

function row(workloadId: string, name: string, more: Partial<BoardRow> = {}): BoardRow {
  return {
    workloadId,
    name,
    stage: 'pilot',
    stageTitle: 'Pilot in production',
    closedGates: 3,
    totalGates: 7,
    next: { gate: 'Smoke tests pass', owners: ['Tom Engineer'] },
    cells: [
      { stage: 'readiness', title: 'Readiness', state: 'done', closed: 3, gates: 3, blockers: [] },
      { stage: 'pilot', title: 'Pilot in production', state: 'current', closed: 0, gates: 4, blockers: ['Smoke tests pass', 'Rollback rehearsed'] },
    ],
    ...more,
  };
}

const WAVED: BoardView = {
  stages: STAGES,
  waves: [
    { id: 'w1', name: 'Wave 1', start: '2026-12-01', end: '2026-12-14', status: 'open' },
    { id: 'w0', name: 'Wave 0', start: '2026-11-01', end: '2026-11-14', status: 'closed' },
  ],
  workloads: [row('payroll', 'Payroll API', { waveId: 'w1' }), row('ledger', 'Ledger', { waveId: 'w0', next: { gate: 'Runbook signed', owners: [] } }), row('crm', 'CRM')],
};

const noop = (): void => undefined;
const board = (view: BoardView) => render(createElement(BoardTables, { board: view, selected: undefined, onSelect: noop }));

describe('tab components: the release board', () => {
  it('groups the workloads under their wave headings, closed waves marked, then "Not in a wave"', () => {
    const html = board(WAVED);
    const groups = sections(html);
    assert.deepEqual(
      groups.map((g) => g.label),
      ['Wave 1: 2026-12-01 to 2026-12-14', 'Wave 0: 2026-11-01 to 2026-11-14 (closed)', 'Not in a wave'],
    );
    assert.match(text(groups[0]!.html), /^Wave 1: 2026-12-01 to 2026-12-14 Workload Progress/, 'each group opens with its heading');
    const names = groups.map((g) => buttons(g.html));
    assert.deepEqual(names, [['Payroll API'], ['Ledger'], ['CRM']]);
    assert.deepEqual(named(html, 'region'), [
      'Wave 1: 2026-12-01 to 2026-12-14: workloads against the release stages',
      'Wave 0: 2026-11-01 to 2026-11-14 (closed): workloads against the release stages',
      'Not in a wave: workloads against the release stages',
    ]);
  });

  it('shows one table without headings when the team plans no waves, and says how to start when it has no workload', () => {
    const html = board({ stages: STAGES, waves: [], workloads: [row('crm', 'CRM')] });
    assert.deepEqual(named(html, 'region'), ['Workloads against the release stages']);
    assert.doesNotMatch(html, /<h2\b/);
    assert.equal(text(board({ stages: STAGES, waves: [], workloads: [] })), 'Release board No workloads here yet Type "new <name>" to Liftoff in this team or chat to start a release.');
  });

  it("draws a row's stage cells, its next gate and owner, its blockers and its progress bar's name", () => {
    const html = board({ stages: STAGES, waves: [], workloads: [row('payroll', 'Payroll API'), row('ledger', 'Ledger', { next: { gate: 'Runbook signed', owners: [] } })] });
    const words = text(html);
    assert.match(words, /Workload Progress Readiness Pilot in production/, 'a column per stage');
    assert.match(
      words,
      /Payroll API Next: Smoke tests pass \(Tom Engineer\) Pilot in production Pilot in production: 3 of 7 gates closed 3\/7 gates Done \(3\/3\) In progress \(0\/4\) Smoke tests pass Rollback rehearsed/,
    );
    assert.match(words, /Ledger Next: Runbook signed \(no owner yet\)/);
    assert.deepEqual(named(html, 'ul'), ['Blocking Pilot in production', 'Blocking Pilot in production']);
    assert.deepEqual(named(html, 'img'), ['Pilot in production: 3 of 7 gates closed', 'Pilot in production: 3 of 7 gates closed']);
    assert.deepEqual(named(html, 'button'), ['Payroll API: show its gates, tests, notices and history', 'Ledger: show its gates, tests, notices and history']);
  });

  it('marks the selected workload pressed, and only it', () => {
    const html = render(createElement(BoardTables, { board: WAVED, selected: 'ledger', onSelect: noop }));
    const pressed = [...html.matchAll(/<button\b[^>]*aria-pressed="true"[^>]*>([\s\S]*?)<\/button>/g)].map((m) => text(m[1]!));
    assert.deepEqual(pressed, ['Ledger']);
  });

  it('names the stage progress bar by the sentence beside it, an empty stage at 0 of 0', () => {
    assert.deepEqual(named(render(createElement(StageProgress, { closed: 0, total: 0, stageTitle: 'Released' })), 'img'), ['Released: 0 of 0 gates closed']);
  });
});

const item = (kind: WorkItem['kind'], title: string, act: WorkItem['act'], link?: string): WorkItem => ({
  kind,
  workloadId: 'payroll',
  workloadName: 'Payroll API',
  title,
  act,
  ...(link ? { link } : {}),
});
const work = (items: WorkItem[], result?: { changed: boolean; message: string }) => render(createElement(WorkList, { work: { items } satisfies MyWork, result, busy: false, act: noop, open: noop }));

describe('tab components: my release work', () => {
  it('offers Pass on a gate item, with Fail and Waive when the rule allows them', () => {
    assert.deepEqual(buttons(work([item('gate', 'Smoke tests pass', { kind: 'gate', gateId: 'g1', rev: 2, also: [] })])), ['Pass "Smoke tests pass"']);
    const html = work([item('gate', 'Smoke tests pass', { kind: 'gate', gateId: 'g1', rev: 2, also: ['fail', 'waive'] })]);
    assert.deepEqual(buttons(html), ['Pass "Smoke tests pass"', 'Fail', 'Waive']);
    assert.match(text(html), /Evidence or reason Optional to pass; needed to fail or waive/);
    assert.deepEqual(named(html, 'li'), ['Gate to decide: Smoke tests pass, Payroll API']);
  });

  it('points to the chat instead of Pass for a gate passed with its evidence form, keeping Fail and Waive', () => {
    const html = work([item('gate', 'Backup restore tested', { kind: 'gate', gateId: 'g2', rev: 1, evidenceForm: true, also: ['fail', 'waive'] })]);
    assert.match(text(html), /This gate passes with its evidence: open the chat, then Record a decision and Evidence form on the checklist\./);
    assert.deepEqual(buttons(html), ['Fail', 'Waive']);
    assert.match(text(html), /Reason Needed to fail or waive the gate/);
    const alone = work([item('gate', 'Backup restore tested', { kind: 'gate', gateId: 'g2', rev: 1, evidenceForm: true, also: [] })]);
    assert.deepEqual(buttons(alone), [], 'no button at all when the rule allows neither');
  });

  it('offers Approve and Reject for UAT, Approve and Refuse for the final sign-off', () => {
    assert.deepEqual(buttons(work([item('uat', 'UAT 1', { kind: 'uat', cycleId: 'c1' })])), ['Approve', 'Reject']);
    assert.deepEqual(buttons(work([item('finalSignoff', 'Final sign-off', { kind: 'finalSignoff', cycleId: 'c1' })])), ['Approve', 'Refuse the sign-off']);
  });

  it('offers Acknowledge for a notice and Mark done for an action item, with the way to the chat', () => {
    const html = work([
      item('notice', 'Cutover Saturday', { kind: 'notice', noticeId: 'n1' }, 'https://teams.microsoft.com/l/chat/x'),
      item('action', 'Write the runbook', { kind: 'action', actionId: 'a1' }),
    ]);
    assert.deepEqual(buttons(html), ['Acknowledge', 'Mark done']);
    assert.deepEqual(named(html, 'li'), ['Notice to acknowledge: Cutover Saturday, Payroll API', 'Retro action item: Write the runbook, Payroll API']);
    assert.match(html, /<a\b[^>]*href="https:\/\/teams\.microsoft\.com\/l\/chat\/x"[^>]*>Open the chat of Payroll API<\/a>/);
  });

  it('sends a review to its card in the channel, without a button here', () => {
    const html = work([item('review', 'Wave 2 priorities', { kind: 'review', waveId: 'w2' }, 'https://teams.microsoft.com/l/message/y')]);
    assert.deepEqual(buttons(html), []);
    assert.match(text(html), /are recorded on the review card in the channel\. Open the review of Payroll API in its channel$/);
  });

  it('says nothing waits when the list is empty, and shows the answer to the last press in the status area', () => {
    assert.equal(text(work([])), 'My release work Nothing waits on you No gate, test, sign-off, notice, action item or review of a release is yours right now.');
    const html = work([], { changed: false, message: 'This gate was decided by someone else: open the checklist again.' });
    assert.match(html, /<div role="status" aria-live="polite"[^>]*>[\s\S]*Not done[\s\S]*This gate was decided by someone else/);
  });
});

const DETAIL: WorkloadDetail = {
  workloadId: 'payroll',
  name: 'Payroll API',
  stageTitle: 'Pilot in production',
  gates: [
    {
      id: 'g1',
      title: 'Backup restore tested',
      stageTitle: 'Readiness',
      ownerRole: 'Engineer',
      owners: ['Tom Engineer'],
      status: 'passed',
      typedEvidence: 'Restore drill: 42 min, RTO met',
      evidence: 'https://wiki/restore',
    },
    { id: 'g2', title: 'Smoke tests pass', stageTitle: 'Pilot in production', ownerRole: 'Tester', owners: [], status: 'pending' },
  ],
  cycles: [{ id: 'c1', number: 1, state: 'open', approved: 1, rejected: 1, pending: 1, needed: 2, outcome: 'pending', due: '2026-12-03T12:00:00.000Z' }],
  notices: [
    {
      id: 'n1',
      kind: 'cutover',
      title: 'Cutover Saturday',
      status: 'sent',
      total: 4,
      sent: 4,
      acknowledged: 2,
      unreachable: 0,
      acknowledgedOver: [
        { at: '2026-12-01T09:00:00.000Z', acknowledged: 1 },
        { at: '2026-12-01T15:00:00.000Z', acknowledged: 2 },
      ],
    },
    { id: 'n2', kind: 'outage', title: 'Not yet sent', status: 'draft', total: 3, sent: 0, acknowledged: 0, unreachable: 0, acknowledgedOver: [] },
  ],
  actions: [{ text: 'Write the runbook', owner: 'Tom Engineer', due: '2026-12-10', status: 'open' }],
  burnDown: [
    { day: '2026-11-28', open: 3 },
    { day: '2026-11-29', open: 4 },
    { day: '2026-11-30', open: 1 },
  ],
  timeline: [],
};

describe('tab components: the workload panel and its pictures', () => {
  it("shows each gate's typed evidence line with its link, and who owns an unassigned gate", () => {
    const words = text(render(createElement(WorkloadDetails, { detail: DETAIL })));
    assert.match(words, /Backup restore tested Readiness Tom Engineer passed Restore drill: 42 min, RTO met · https:\/\/wiki\/restore/);
    assert.match(words, /Smoke tests pass Pilot in production Tester \(not assigned\) pending -/);
    assert.match(words, /History None yet\.$/);
  });

  it('names every picture by its sentence, and draws acknowledgements only for a notice that went out', () => {
    const html = render(createElement(WorkloadDetails, { detail: DETAIL }));
    const pictures = named(html, 'img');
    assert.equal(pictures.length, 3, `one UAT picture, one notice picture, one burn-down: ${pictures.join(' | ')}`);
    assert.equal(pictures[0], 'UAT cycle 1: 1 approved of 2 needed, 1 rejected, 1 still to decide');
    assert.match(pictures[1]!, /^"Cutover Saturday": 2 of 4 reached acknowledged \(50%\), the first .+, the latest .+$/);
    assert.equal(pictures[2], 'Open action items: 3 on 2026-11-28, 1 on 2026-11-30 (most 4)');
    const captions = [...html.matchAll(/<figcaption\b[^>]*>([\s\S]*?)<\/figcaption>/g)].map((m) => text(m[1]!));
    assert.deepEqual(captions, pictures, 'each picture says the same in words beside it');
  });

  it('says so when a notice has no acknowledgement yet, and draws no burn-down without action items', () => {
    const notice = DETAIL.notices[0]!;
    assert.deepEqual(named(render(createElement(AcknowledgedOverTime, { notice: { ...notice, acknowledged: 0, acknowledgedOver: [] } })), 'img'), [
      '"Cutover Saturday": no acknowledgement yet of 4 reached',
    ]);
    assert.doesNotMatch(render(createElement(BurnDown, { points: [] })), /<svg|<figure/);
    assert.deepEqual(named(render(createElement(UatProgress, { cycle: { ...DETAIL.cycles[0]!, approved: 0, rejected: 0, pending: 0 } })), 'img'), [
      'UAT cycle 1: 0 approved of 2 needed, 0 rejected, 0 still to decide',
    ]);
  });
});
