import { Template } from 'adaptivecards-templating';
import checklistTemplate from './templates/checklist.json';
import helpTemplate from './templates/help.json';
import historyTemplate from './templates/history.json';
import listTemplate from './templates/list.json';
import messageTemplate from './templates/message.json';
import rolesTemplate from './templates/roles.json';
import welcomeTemplate from './templates/welcome.json';
import { formatDay, formatWhen } from '../bot/shared/dates';
import { AuditEvent, GATE_CATALOGUE, GateDefinition, GateStatus, Person, Role, ROLES, ROLE_TITLES, STAGES, Workload } from '../bot/release/model';
import { currentStage, decidableGates, stageTitle, waiverRule, GATE_FLOWS, isClosed, nextStep, stageClosed, stageNow } from '../bot/release/rules';
import type { WorkloadSummary } from '../bot/release/repository';
import { evidenceKindOf, evidenceSummary, type StaleEvidence } from '../bot/release/evidence';
import { personText } from './text';

/** An Adaptive Card as plain JSON, ready to attach. */
export type Card = Record<string, unknown>;

/** A sentence shown at the top of a card: what just happened, or why nothing did. */
export interface Notice {
  text: string;
  /** good: a change that happened; attention: a refusal or a setback; info: a plain pointer to the next step, nothing changed or refused. */
  tone: 'good' | 'attention' | 'info';
}

/** Expands a template with data; user text in the data stays as typed, never a template expression. */
/** Templates are parsed once, on first use; parsing costs more than expanding. */
const parsedTemplates = new WeakMap<object, Template>();

export function expand(template: object, data: object): Card {
  let parsed = parsedTemplates.get(template);
  if (!parsed) {
    parsed = new Template(template);
    parsedTemplates.set(template, parsed);
  }
  return parsed.expand({ $root: data }) as Card;
}

export const noticeFields = (notice?: Notice) => ({
  notice: notice?.text ?? '',
  noticeStyle: notice?.tone === 'good' ? 'good' : notice?.tone === 'info' ? 'emphasis' : 'attention',
});

/** Card date functions want RFC 3339 without fractions of a second. */
export const cardTime = (iso: string): string => iso.replace(/\.\d+Z$/, 'Z');

const names = (people: Person[]): string => people.map((p) => p.name).join(', ');

export const COMMANDS = [
  { usage: 'help', description: 'This card.' },
  { usage: 'new <name>', description: 'Create a workload; you become its project manager.' },
  { usage: 'list', description: 'The workloads of this team or chat.' },
  { usage: 'status <workload>', description: 'The release checklist: every stage and gate, and the next step.' },
  { usage: 'roles <workload>', description: 'Who holds each role; the project manager assigns them.' },
  { usage: 'history <workload>', description: 'The latest audit events.' },
  { usage: 'uat <workload>', description: 'Business testing: open a UAT sign-off cycle, or show the open one.' },
  { usage: 'remind <workload>', description: 'Nudge the testers who have not decided yet, one to one.' },
  { usage: 'retro <workload>', description: 'Start the retrospective (project manager), or show the running one.' },
  { usage: 'retro-remind <workload>', description: 'Remind, one to one, those who have not contributed yet.' },
  { usage: 'actions', description: 'Open action items from the retrospectives of this team.' },
  { usage: 'notify <workload>', description: 'Compose a change notice for channels and people; you see a preview first.' },
  { usage: 'remind-ack <notice>', description: 'Nudge the people who have not acknowledged a notice.' },
  { usage: 'plan <workload>', description: 'The communication plan: notices planned ahead, at a time or relative to the release window, sent when due.' },
  { usage: 'wave', description: "This team's current wave: stage, blocker, next owner, dates at risk, moves with a reason; wave plan plans one, wave review reviews the last." },
  { usage: 'cutover <workload>', description: 'The release window: plan it and edit its runbook, go/no-go, run the runbook step by step, finish (then the post-cutover verification) or roll back.' },
  { usage: 'decommission <workload>', description: 'Retired assets, one by one through the CAF steps to disposal (or kept with a reason), and the savings realised.' },
  { usage: 'cost-review <workload>', description: 'The cost review after migration: planned against actual, optimizations taken, the decision.' },
] as const;

export function renderHelp(notice?: string): Card {
  return expand(helpTemplate, { notice: notice ?? '', commands: COMMANDS });
}

/** Where Liftoff was just added, for the welcome card's sentence about that place. */
export type WelcomePlace = 'personal' | 'groupChat' | 'team';

const WELCOME_HERE: Record<WelcomePlace, string> = {
  personal: 'In this chat Liftoff sends you what needs your decision: sign-off requests, reminders and change notices. Workloads you create here are yours alone.',
  groupChat: "Workloads created in this chat belong to it: everyone here sees their checklists, and each workload's project manager assigns its roles.",
  team: "Workloads created in this team belong to it: every member sees their checklists in any channel, and each workload's project manager assigns its roles.",
};

/** The card Liftoff posts once when it is added to a personal chat, a group chat or a team. */
export function renderWelcome(place: WelcomePlace): Card {
  return expand(welcomeTemplate, { here: WELCOME_HERE[place] });
}

export function renderMessage(text: string, tone: Notice['tone'] = 'attention'): Card {
  return expand(messageTemplate, { text, color: tone === 'good' ? 'good' : tone === 'info' ? 'default' : 'attention' });
}

export function stageLabel(workload: Workload): string {
  const now = stageNow(workload, formatDay);
  return now.stage === 'released' ? 'Released: every gate is closed' : `${now.title}, under way`;
}

export function renderList(place: 'team' | 'chat', workloads: Array<WorkloadSummary & { stage: string; savings?: string }>): Card {
  return expand(listTemplate, { place, workloads: workloads.map((w) => ({ savings: '', ...w })) });
}

/** How much of a gate's typed evidence the checklist shows; the rest is in History and the export. */
const EVIDENCE_LINE_MAX = 200;

const STATUS_ICON: Record<GateStatus, string> = { pending: '⬜', passed: '✅', failed: '❌', waived: '➖' };

function gateDetail(workload: Workload, gateId: string, timeZone?: string): { icon: string; detail: string; status: GateStatus; rev: number } {
  const def = GATE_CATALOGUE.find((g) => g.id === gateId)!;
  const gate = workload.gates.find((g) => g.id === gateId) ?? { id: gateId, status: 'pending' as const, rev: 1 };
  const owners = names(workload.roles[def.ownerRole]);
  const ownerText = `${ROLE_TITLES[def.ownerRole]}${owners ? ` (${owners})` : ': nobody assigned'}`;
  const decided = gate.decidedBy && gate.decidedAt ? ` by ${gate.decidedBy.name}, ${formatWhen(gate.decidedAt, timeZone)}` : '';
  const typed = gate.typedEvidence ? ` Evidence: ${personText(evidenceSummary(gate.typedEvidence, timeZone), EVIDENCE_LINE_MAX)}.` : '';
  const note = gate.evidence ? ` ${typed ? 'Note' : 'Evidence'}: ${personText(gate.evidence)}` : gate.reason ? ` Reason: ${personText(gate.reason)}` : '';
  const asked = gate.pendingWaiver ? ` Waiver asked by ${gate.pendingWaiver.by.name}: ${personText(gate.pendingWaiver.reason)}; waits for a second approver.` : '';
  const seconded = gate.waiverRequestedBy ? ` Asked by ${gate.waiverRequestedBy.name}.` : '';
  const flow = GATE_FLOWS[gateId];
  const how = flow && !isClosed(gate.status) ? ` Passed by ${flow} below.` : '';
  const rule = isClosed(gate.status) ? '' : waiverRule(def, workload.waiverPolicy);
  return { icon: STATUS_ICON[gate.status], detail: `${ownerText} · ${gate.status}${decided}.${typed}${note}${seconded}${asked}${how}${rule ? ` ${rule}` : ''}`, status: gate.status, rev: gate.rev };
}

/** A button that runs a card verb. */
export interface CardAction {
  title: string;
  verb: string;
  data: Record<string, unknown>;
}

/** A part of the checklist that another capability adds: sign-off cycles, notices, retro actions. */
export interface ChecklistSection {
  title: string;
  lines: string[];
  actions: CardAction[];
}

/** Who the card is drawn for: their time zone, when Teams gave it. */
export interface Reader {
  timeZone?: string;
  /** Readiness evidence too old to promote on (bot/release/evidence.ts staleEvidence), flagged while promotion is next. */
  stale?: StaleEvidence[];
}

/** How a gate is named where stages are not shown: "Communication: Change notice sent…". */
const gateName = (def: GateDefinition): string => `${stageTitle(def.stage)}: ${def.title}`;

/** How many checklist cards this process keeps, the least recently drawn going first (each about 10 KB). */
export const CHECKLIST_CARDS_KEPT = 256;

/** Checklist cards drawn lately, by the JSON of everything each was drawn from. */
const drawnChecklists = new Map<string, Card>();

/** Makes a drawn card read-only, all the way down: a kept card is handed to every turn that draws the same one. */
function frozen<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) frozen(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * The release checklist: what stage is under way and the next step first; the current stage in full,
 * every other stage one line (its gates shown on a tap); the decision form offers only the gates that can
 * be decided now, the next one preselected.
 *
 * The card is a pure function of what it is drawn from (the workload as read, the banner, the sections
 * the capabilities added and the reader's time zone and stale evidence; no clock, no I/O), so the same
 * inputs give the same card: a card drawn from inputs whose JSON matches one kept is that card, and
 * anything that changes what it shows (a write to the workload, a new ETag, a section, a banner, another
 * zone) is another key. The kept card is frozen: nothing may change a card once drawn.
 */
export function renderChecklist(workload: Workload, notice?: Notice, sections: ChecklistSection[] = [], reader: Reader = {}): Card {
  const key = JSON.stringify([workload, notice ?? null, sections, reader.timeZone ?? null, reader.stale ?? null]);
  const kept = drawnChecklists.get(key);
  if (kept) {
    // Drawn again: now the most recent.
    drawnChecklists.delete(key);
    drawnChecklists.set(key, kept);
    return kept;
  }
  const card = frozen(drawChecklist(workload, notice, sections, reader));
  drawnChecklists.set(key, card);
  if (drawnChecklists.size > CHECKLIST_CARDS_KEPT) drawnChecklists.delete(drawnChecklists.keys().next().value as string);
  return card;
}

function drawChecklist(workload: Workload, notice: Notice | undefined, sections: ChecklistSection[], reader: Reader): Card {
  const current = currentStage(workload);
  const next = nextStep(workload);
  const now = stageNow(workload, (iso) => formatDay(iso, reader.timeZone));
  const stages = STAGES.map((stage) => {
    const gates = GATE_CATALOGUE.filter((g) => g.stage === stage).map((def) => ({ id: def.id, title: def.title, ...gateDetail(workload, def.id, reader.timeZone) }));
    const closed = gates.filter((g) => isClosed(g.status)).length;
    const done = stageClosed(workload, stage);
    return {
      key: stage,
      title: stageTitle(stage),
      current: stage === current,
      icon: done ? '✅' : stage === current ? '▶️' : '⬜',
      summary: `${closed} of ${gates.length} closed`,
      gates,
      // A folded stage shows its gates as one block of lines: each gate one line, not three elements.
      gateLines: gates.map((g) => `${g.icon} ${g.title}: ${g.detail}`).join('\n\n'),
    };
  });
  const decidable = decidableGates(workload);
  const flow = next ? GATE_FLOWS[next.gate.id] : undefined;
  const how = next
    ? flow
      ? `; press ${flow} below, or waive it with Record a decision`
      : evidenceKindOf(next.gate.id)
        ? '; pick it in Record a decision and press Evidence form'
        : '; press Record a decision'
    : '';
  const nextText = next
    ? `${next.gate.title} (${ROLE_TITLES[next.gate.ownerRole]}${next.owners.length ? `: ${names(next.owners)}` : `: nobody assigned yet, use Roles`})${how}`
    : 'Nothing left: the release is complete.';
  return expand(checklistTemplate, {
    ...noticeFields(notice),
    workloadId: workload.workloadId,
    name: workload.name,
    now: now.since ? `${now.title} · ${now.since}` : now.title,
    nextStep: nextText,
    projectManagers: names(workload.roles.projectManager),
    stages,
    decidable: decidable.map((def) => ({ id: def.id, title: GATE_FLOWS[def.id] ? `${gateName(def)} (passed by ${GATE_FLOWS[def.id]})` : gateName(def) })),
    firstDecidable: decidable[0]?.id ?? '',
    // Section lines carry what people typed: notice titles, cycle reasons, action items.
    sections: sections.map((section) => ({ ...section, lines: section.lines.map((line) => personText(line)) })),
    revs: Object.fromEntries(decidable.map((def) => [def.id, workload.gates.find((g) => g.id === def.id)?.rev ?? 1])),
    ...evidenceFlags(workload, current === 'promoted' ? (reader.stale ?? []) : []),
  });
}

/** The checklist's evidence to confirm again before promotion, and the waivers waiting for a second approver. */
function evidenceFlags(workload: Workload, stale: StaleEvidence[]) {
  const revOf = (id: string): number => workload.gates.find((g) => g.id === id)?.rev ?? 1;
  const asked = GATE_CATALOGUE.filter((def) => workload.gates.find((g) => g.id === def.id)?.pendingWaiver);
  return {
    stale: stale.map((s) => ({ id: s.gate.id, title: `${s.gate.title} (${s.days} days old)` })),
    staleText: stale.length
      ? `⚠️ Evidence older than allowed for promotion: ${stale.map((s) => `${s.gate.title} (${s.days} days)`).join(', ')}. Its owner confirms it again with Confirm evidence.`
      : '',
    staleRevs: Object.fromEntries(stale.map((s) => [s.gate.id, revOf(s.gate.id)])),
    askedWaivers: asked.map((def) => ({ id: def.id, title: def.title })),
    askedRevs: Object.fromEntries(asked.map((def) => [def.id, revOf(def.id)])),
  };
}

/** Most members a roles card offers in each role's picker (eight of them must fit in one card, within Teams' size limit). */
export const ROSTER_LIMIT = 30;

/** The id of a role's people picker on the roles card: the card sends every role's picks in one submit. */
export const roleInputId = (role: Role): string => `people_${role}`;

export function renderRoles(workload: Workload, roster: Person[], notice?: Notice): Card {
  const known = new Map<string, Person>();
  for (const p of [...roster.slice(0, ROSTER_LIMIT), ...ROLES.flatMap((r) => workload.roles[r])]) known.set(p.aadObjectId, p);
  const rosterNote = roster.length > ROSTER_LIMIT ? `This conversation has ${roster.length} members; the first ${ROSTER_LIMIT} and the current role holders are offered.` : '';
  return expand(rolesTemplate, {
    ...noticeFields(notice),
    workloadId: workload.workloadId,
    name: workload.name,
    rolesRev: workload.rolesRev,
    roles: ROLES.map((role) => ({
      role,
      title: ROLE_TITLES[role],
      holders: names(workload.roles[role]) || 'nobody yet',
      inputId: roleInputId(role),
      value: workload.roles[role].map((p) => p.aadObjectId).join(','),
    })),
    roster: [...known.values()].sort((a, b) => a.name.localeCompare(b.name)),
    rosterNote,
  });
}

/** A page of a workload's audit trail, newest first, with how many events there are in all. */
export interface HistoryPage {
  events: AuditEvent[];
  total: number;
  page: number;
  pageSize: number;
  /** The last page a card offers. */
  lastPage?: number;
}

export function renderHistory(workload: Workload, history: HistoryPage, reader: Reader = {}): Card {
  const first = history.page * history.pageSize;
  const shown = history.events.length;
  const range = shown ? `${first + 1}–${first + shown}` : 'none';
  return expand(historyTemplate, {
    workloadId: workload.workloadId,
    name: workload.name,
    count: history.total === 1 ? '1 event' : `${history.total} events`,
    range: `newest first, showing ${range}`,
    // A summary quotes what people typed: evidence, comments, reasons.
    events: history.events.map((e) => ({ at: formatWhen(e.at, reader.timeZone), summary: personText(e.summary) })),
    older: first + shown < history.total && history.page < (history.lastPage ?? Infinity) ? history.page + 1 : -1,
    newer: history.page > 0 ? history.page - 1 : -1,
  });
}
