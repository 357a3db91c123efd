import { TIME_ZONES } from '../bot/shared/zonedTime';
import retroActionsTemplate from './templates/retroActions.json';
import retroCardTemplate from './templates/retroCard.json';
import retroReminderTemplate from './templates/retroReminder.json';
import retroStartTemplate from './templates/retroStart.json';
import retroSummaryTemplate from './templates/retroSummary.json';
import retroViewTemplate from './templates/retroView.json';
import { Card, CardAction, expand, Notice, noticeFields } from './render';
import { formatWallClock } from '../bot/shared/dates';
import { personText } from './text';
import { GATE_CATALOGUE, type Person, type Workload } from '../bot/release/model';
import { isClosed } from '../bot/release/rules';
import { EntryGroup, PHASE_TITLES, RETRO_TEMPLATE_IDS, RETRO_TEMPLATES, Retro, RetroAction, RetroBallot, RetroEntry } from '../bot/retro/model';
import { groupEntries, nextPhase } from '../bot/retro/rules';

/** Room left under Teams' card limit of about 28 KB for the largest views. */
const CARD_BUDGET = 26 * 1024;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Teams refreshes only for the listed users; with none listed it would refresh for everyone in a small chat. */
function withRefresh(card: Card, viewers: string[]): Card {
  if (viewers.length === 0) delete card.refresh;
  return card;
}

const answersText = (retro: Retro): string => (retro.anonymous ? 'Anonymous: no author is stored with an entry' : 'Named: entries show their author once revealed');

const deadlineText = (retro: Retro): string => formatWallClock(retro.deadline.local, retro.deadline.timeZone);

const privacyText = (retro: Retro): string =>
  retro.anonymous
    ? 'Anonymous retro: Liftoff keeps no author for an entry or a vote, only a pseudonym that lets its writer change it. Nobody, the facilitator included, can see who wrote what.'
    : 'Named retro: once revealed, entries show who wrote them. Votes are never shown per person.';

/** What an action item is for, as it reads: "for Wave 3", "for wave Autumn", "for Payroll API". */
const targetName = (target: RetroAction['target']): string => (target.kind === 'wave' && !/^wave\b/i.test(target.name.trim()) ? `wave ${target.name}` : target.name);

/** An entry as typed, its lines kept: a card's Markdown joins single line breaks, so each line becomes its own paragraph. */
export function entryText(text: string, max: number): string {
  return personText(text, max)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join('\n\n');
}

/** One line about an action item, as the checklist, the start card and the summary show it. */
export function actionLine(action: RetroAction): string {
  const target = targetName(action.target);
  const done = action.status === 'done' ? ` ✅ done${action.closedBy ? ` by ${action.closedBy.name}` : ''}` : '';
  return `${personText(action.text, 200)}: ${action.owner.name}, due ${action.due}, for ${target} (retro of ${action.workloadName})${done}`;
}

/** The start card: questions, anonymous or named, the deadline with its time zone, votes per person. */
export function renderRetroStart(workload: Workload, openActions: RetroAction[], options: { today: string; notice?: Notice }): Card {
  const due = new Date(`${options.today}T00:00:00Z`);
  due.setUTCDate(due.getUTCDate() + 3);
  return expand(retroStartTemplate, {
    ...noticeFields(options.notice),
    workloadId: workload.workloadId,
    name: workload.name,
    openActions: openActions.slice(0, 10).map(actionLine),
    templates: RETRO_TEMPLATE_IDS.map((id) => ({ id, title: `${RETRO_TEMPLATES[id].title}: ${RETRO_TEMPLATES[id].questions.map((q) => q.text).join(' ')}` })),
    timeZones: TIME_ZONES,
    defaultDate: due.toISOString().slice(0, 10),
    defaultTimeZone: 'UTC',
  });
}

/** How many people have contributed: distinct pseudonyms, so it is the same count in named and anonymous retros. */
const contributors = (entries: RetroEntry[]): number => new Set(entries.map((e) => e.authorKey)).size;

export interface RetroCardData {
  retro: Retro;
  entries: RetroEntry[];
  ballots: RetroBallot[];
  actions: RetroAction[];
  /** Open action items from earlier retros of the team, shown while collecting. */
  openActions: RetroAction[];
  /** The workload, when read with the retro: what its retrospective gate waits for. */
  workload?: Workload;
}

/** The gates still open before the retrospective gate, by title: what the gate waits for. */
export function gatesBeforeRetro(workload: Workload | undefined): string[] {
  if (!workload) return [];
  const upTo = GATE_CATALOGUE.findIndex((g) => g.id === 'retro-held');
  return GATE_CATALOGUE.slice(0, upTo)
    .filter((def) => !isClosed(workload.gates.find((g) => g.id === def.id)?.status ?? 'pending'))
    .map((def) => def.title);
}

/** The shared card in the channel: counts only, never an entry before the reveal. Each viewer's client refreshes it into their own view. */
export function renderRetroCard(data: RetroCardData): Card {
  const { retro, entries } = data;
  const phaseStatus: Record<Retro['phase'], string> = {
    collect: `${plural(entries.length, 'entry', 'entries')} so far from ${plural(contributors(entries), 'person', 'people')}. Each person sees only their own entries until the facilitator reveals them.`,
    group: `${plural(entries.length, 'entry', 'entries')} from ${plural(contributors(entries), 'person', 'people')}, revealed. The facilitator is merging similar entries.`,
    vote: `Voting: ${plural(retro.votesPerPerson, 'vote')} per person. ${plural(data.ballots.filter((b) => b.entryIds.length > 0).length, 'person has', 'people have')} voted; tallies stay hidden until voting closes.`,
    act: `Voting closed. ${plural(data.actions.length, 'action item')} recorded so far.`,
    closed: `Closed with ${data.actions.length ? plural(data.actions.length, 'action item') : 'no action items, by decision'}. The summary is posted below.`,
  };
  const counts =
    retro.phase === 'collect' || retro.phase === 'group'
      ? retro.questions.map((q) => ({ question: q.text, count: plural(entries.filter((e) => e.questionId === q.id).length, 'entry', 'entries') }))
      : [];
  return withRefresh(
    expand(retroCardTemplate, {
      workloadId: retro.workloadId,
      retroId: retro.retroId,
      workloadName: retro.workloadName,
      viewers: retro.viewers,
      phase: PHASE_TITLES[retro.phase],
      templateTitle: RETRO_TEMPLATES[retro.template].title,
      answers: answersText(retro),
      facilitator: retro.facilitator.name,
      deadline: deadlineText(retro),
      status: phaseStatus[retro.phase],
      counts,
      openActions: retro.phase === 'collect' ? data.openActions.slice(0, 5).map(actionLine) : [],
      privacy: privacyText(retro),
      openTitle: retro.phase === 'collect' ? 'Add my entries' : retro.phase === 'vote' ? 'Vote' : 'Open my view',
    }),
    retro.viewers,
  );
}

export interface RetroViewData extends RetroCardData {
  /** The viewer's pseudonym in this retro. */
  viewerKey: string;
  ballot: RetroBallot | undefined;
  facilitates: boolean;
  /** For the facilitator's action item form: the team's members and workloads. */
  roster: Person[];
  targets: Array<{ workloadId: string; name: string }>;
  today: string;
  notice?: Notice;
}

function groupLines(data: RetroViewData, groups: EntryGroup[], cap: number, length: number) {
  const { retro } = data;
  const mine = new Set(data.ballot?.entryIds ?? []);
  const items = groups.slice(0, cap).map((g) => {
    const details: string[] = [];
    if (!retro.anonymous && g.entry.author) details.push(g.entry.author.name);
    if (g.merged.length) {
      const texts = g.merged.slice(0, 3).map((m) => `“${personText(m.text, 80)}”${!retro.anonymous && m.author ? ` (${m.author.name})` : ''}`);
      details.push(`+ ${plural(g.merged.length, 'similar entry', 'similar entries')}: ${texts.join('; ')}${g.merged.length > 3 ? '; …' : ''}`);
    }
    if (g.votes !== undefined) details.push(plural(g.votes, 'vote'));
    else if (retro.phase === 'vote' && mine.has(g.entry.id)) details.push('✓ your vote');
    const voting = retro.phase === 'vote';
    return {
      entryId: g.entry.id,
      text: entryText(g.entry.text, length),
      detail: details.join(' · '),
      voteTitle: voting ? (mine.has(g.entry.id) ? 'Take back' : 'Vote') : '',
      vote: mine.has(g.entry.id) ? 'remove' : 'add',
      workloadId: retro.workloadId,
      retroId: retro.retroId,
    };
  });
  return { items, more: groups.length > cap ? `and ${plural(groups.length - cap, 'more entry', 'more entries')}, not shown to keep the card small` : '' };
}

function facilitatorActions(retro: Retro): CardAction[] {
  const ref = { workloadId: retro.workloadId, retroId: retro.retroId };
  const next = nextPhase(retro.phase);
  const advance: Partial<Record<Retro['phase'], string>> = { collect: 'Reveal entries and group', group: 'Open the vote', vote: 'Close the vote' };
  const list: CardAction[] = [];
  if (next && advance[retro.phase]) list.push({ title: advance[retro.phase]!, verb: 'retro.phase', data: { ...ref, from: retro.phase } });
  if (retro.phase === 'collect' || retro.phase === 'vote') list.push({ title: 'Send reminders', verb: 'retro.remind', data: ref });
  if (retro.phase === 'act') {
    list.push({ title: 'Close the retro', verb: 'retro.close', data: { ...ref, noActions: false } });
    list.push({ title: 'Close: no actions needed', verb: 'retro.close', data: { ...ref, noActions: true } });
  }
  if (retro.phase === 'closed' && retro.gateNote) list.push({ title: 'Record the retrospective gate', verb: 'retro.gate', data: ref });
  return list;
}

/** One person's own view: their entries while collecting; everyone's once revealed; their votes; the facilitator's tools. */
export function renderRetroView(data: RetroViewData): Card {
  for (const [cap, length] of [
    [20, 300],
    [12, 200],
    [6, 140],
    [3, 100],
    [1, 80],
  ] as const) {
    const card = retroView(data, cap, length);
    if (JSON.stringify(card).length < CARD_BUDGET) return card;
  }
  return retroView(data, 0, 60);
}

/** The view with at most `cap` entries per question, each shown in at most `length` characters. */
function retroView(data: RetroViewData, cap: number, length: number): Card {
  const { retro, entries } = data;
  const collect = retro.phase === 'collect';
  const mine = entries.filter((e) => e.authorKey === data.viewerKey).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  const grouped = groupEntries(retro, entries);
  const votesLeft = retro.votesPerPerson - (data.ballot?.entryIds.length ?? 0);
  const status: Record<Retro['phase'], string> = {
    collect: `You see only your own entries; ${plural(entries.length, 'entry', 'entries')} from ${plural(contributors(entries), 'person', 'people')} so far.`,
    group: 'Entries are revealed. The facilitator merges entries that say the same thing; voting comes next.',
    vote: `You have ${votesLeft} of ${plural(retro.votesPerPerson, 'vote')} left. Tallies stay hidden until voting closes.`,
    act: 'Voting closed: entries with the most votes first. The facilitator records action items.',
    closed: 'This retrospective is closed.',
  };
  const act = retro.phase === 'act' && data.facilitates;
  return withRefresh(
    expand(retroViewTemplate, {
      ...noticeFields(data.notice),
      workloadId: retro.workloadId,
      retroId: retro.retroId,
      workloadName: retro.workloadName,
      viewers: retro.viewers,
      phase: PHASE_TITLES[retro.phase],
      answers: answersText(retro),
      facilitator: retro.facilitator.name,
      deadline: deadlineText(retro),
      status: status[retro.phase],
      collectQuestions: collect
        ? retro.questions.map((q) => {
            const own = mine.filter((e) => e.questionId === q.id);
            const all = entries.filter((e) => e.questionId === q.id).length;
            const hidden = own.length > cap ? [`and ${plural(own.length - cap, 'more entry', 'more entries')} of yours, not shown to keep the card small`] : [];
            return {
              text: q.text,
              inputId: `q_${q.id}`,
              total: `${plural(all, 'entry', 'entries')} in total; ${own.length ? `${own.length} of them yours` : 'none of them yours yet'}.`,
              mine: [...own.slice(0, cap).map((e) => `• ${entryText(e.text, length)}`), ...hidden],
            };
          })
        : [],
      myEntries: collect
        ? retro.questions.flatMap((q) =>
            mine
              .filter((e) => e.questionId === q.id)
              .slice(0, cap)
              .map((e) => ({ id: e.id, title: personText(`${q.text} ${e.text}`, Math.min(length, 120)) })),
          )
        : [],
      groups: collect ? [] : retro.questions.map((q) => ({ question: q.text, ...groupLines(data, grouped.get(q.id) ?? [], cap, length) })),
      mergeChoices:
        retro.phase === 'group' && data.facilitates
          ? retro.questions.flatMap((q) =>
              (grouped.get(q.id) ?? []).slice(0, Math.max(cap, 1) * 2).map((g) => ({ title: personText(`${q.text} ${g.entry.text}`, Math.min(length, 100)), value: g.entry.id })),
            )
          : [],
      actions: retro.phase === 'act' || retro.phase === 'closed' ? data.actions.map(actionLine) : [],
      owners: act ? data.roster.slice(0, 100) : [],
      targets: act ? data.targets.slice(0, 50) : [],
      defaultDue: data.today,
      // What the gate waits for, plainly; the rule's own sentence stays in the store.
      gateNote: retro.phase === 'closed' && retro.gateNote ? gateNext(false, gatesBeforeRetro(data.workload)) : '',
      facilitatorActions: data.facilitates ? facilitatorActions(retro) : [],
      privacy: privacyText(retro),
    }),
    retro.viewers,
  );
}

/** The summary posted in the channel when the retro closes: counts, the top entries of each question, the action items, the gate. */
export function renderRetroSummary(data: RetroCardData & { gate: { passed: boolean; message: string; waitingFor?: string[] } }): Card {
  const { retro, entries } = data;
  const grouped = groupEntries(retro, entries);
  return expand(retroSummaryTemplate, {
    workloadId: retro.workloadId,
    workloadName: retro.workloadName,
    facilitator: retro.facilitator.name,
    answers: retro.anonymous ? 'Anonymous' : 'Named',
    entryCount: String(entries.length),
    contributorCount: String(contributors(entries)),
    actionCount: data.actions.length ? String(data.actions.length) : 'None: the team decided no action was needed',
    questions: retro.questions.map((q) => {
      const groups = grouped.get(q.id) ?? [];
      // Top items are what people voted for; entries nobody voted for are counted, not listed as if they mattered most.
      const voted = groups.filter((g) => (g.votes ?? 0) > 0);
      const top = voted.slice(0, 3).map((g) => `${entryText(g.entry.text, 200)} (${plural(g.votes ?? 0, 'vote')})`);
      const unvoted = groups.length - voted.length;
      const rest = unvoted > 0 ? [`${plural(unvoted, 'other entry', 'other entries')} with no votes.`] : [];
      return { text: q.text, top: groups.length === 0 ? ['No entries.'] : [...top, ...rest] };
    }),
    actions: data.actions.length ? data.actions.map(actionLine) : ['None, by decision of the team.'],
    gate: gateNext(data.gate.passed, data.gate.waitingFor),
    gateColor: data.gate.passed ? 'good' : 'default',
  });
}

/** What the summary says about the retrospective gate: passed, or plainly what comes next. */
export function gateNext(passed: boolean, waitingFor: string[] = []): string {
  if (passed) return 'The retrospective gate of the release checklist passed.';
  const which = waitingFor.length ? `these gates are closed: ${waitingFor.join(', ')}` : 'the earlier gates of the checklist are closed';
  return `Next: the retrospective gate passes once ${which}. Then press Record the retrospective gate on the checklist.`;
}

/** A 1:1 reminder: the retro, its deadline, and a button; never what anyone else wrote. */
export function renderRetroReminder(retro: Retro): Card {
  const text =
    retro.phase === 'vote'
      ? `${retro.facilitator.name} reminds you to vote: you have ${plural(retro.votesPerPerson, 'vote')} for the entries that matter most.`
      : `${retro.facilitator.name} reminds you to add your entries: ${retro.questions.map((q) => q.text).join(' ')} Entries are due ${deadlineText(retro)}.`;
  return expand(retroReminderTemplate, {
    workloadId: retro.workloadId,
    retroId: retro.retroId,
    workloadName: retro.workloadName,
    text,
    privacy: privacyText(retro),
    openTitle: retro.phase === 'vote' ? 'Vote' : 'Add my entries',
  });
}

/** Open action items of the team, each with a button for its owner. */
export function renderRetroActions(actions: RetroAction[], notice?: Notice): Card {
  const shown = actions.slice(0, 25);
  return expand(retroActionsTemplate, {
    ...noticeFields(notice),
    items: shown.map((a) => ({
      workloadId: a.workloadId,
      actionId: a.id,
      text: personText(a.text, 300),
      detail: `${a.owner.name}, due ${a.due}, for ${targetName(a.target)} (retro of ${a.workloadName})`,
    })),
    more: actions.length > shown.length ? `and ${actions.length - shown.length} more, due later` : '',
  });
}
