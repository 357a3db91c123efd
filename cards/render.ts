import { Template } from 'adaptivecards-templating';
import checklistTemplate from './templates/checklist.json';
import helpTemplate from './templates/help.json';
import historyTemplate from './templates/history.json';
import listTemplate from './templates/list.json';
import messageTemplate from './templates/message.json';
import rolesTemplate from './templates/roles.json';
import { AuditEvent, GATE_CATALOGUE, GateStatus, Person, ROLES, ROLE_TITLES, STAGES, STAGE_TITLES, Workload } from '../bot/release/model';
import { currentStage, isClosed, nextStep } from '../bot/release/rules';
import type { WorkloadSummary } from '../bot/release/repository';
import { personText } from './text';

/** An Adaptive Card as plain JSON, ready to attach. */
export type Card = Record<string, unknown>;

/** A sentence shown at the top of a card: what just happened, or why nothing did. */
export interface Notice {
  text: string;
  tone: 'good' | 'attention';
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
  noticeStyle: notice?.tone === 'good' ? 'good' : 'attention',
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
  { usage: 'wave', description: "This team's current wave: each workload's stage, blocker, next owner, dates at risk; wave plan to plan one." },
  { usage: 'cutover <workload>', description: 'The release window: plan it, go/no-go, run the runbook step by step, finish or roll back.' },
] as const;

export function renderHelp(notice?: string): Card {
  return expand(helpTemplate, { notice: notice ?? '', commands: COMMANDS });
}

export function renderMessage(text: string, tone: Notice['tone'] = 'attention'): Card {
  return expand(messageTemplate, { text, color: tone === 'good' ? 'good' : 'attention' });
}

export function stageLabel(workload: Workload): string {
  const stage = currentStage(workload);
  return stage === 'released' ? 'Released: every gate is closed' : STAGE_TITLES[stage];
}

export function renderList(place: 'team' | 'chat', workloads: Array<WorkloadSummary & { stage: string }>): Card {
  return expand(listTemplate, { place, workloads });
}

const STATUS_ICON: Record<GateStatus, string> = { pending: '⬜', passed: '✅', failed: '❌', waived: '➖' };

function gateDetail(workload: Workload, gateId: string): { icon: string; detail: string; note: string; status: GateStatus; rev: number } {
  const def = GATE_CATALOGUE.find((g) => g.id === gateId)!;
  const gate = workload.gates.find((g) => g.id === gateId) ?? { id: gateId, status: 'pending' as const, rev: 1 };
  const owners = names(workload.roles[def.ownerRole]);
  const ownerText = `${ROLE_TITLES[def.ownerRole]}${owners ? ` (${owners})` : ': nobody assigned'}`;
  const decided = gate.decidedBy && gate.decidedAt ? ` by ${gate.decidedBy.name}, {{DATE(${cardTime(gate.decidedAt)}, SHORT)}} {{TIME(${cardTime(gate.decidedAt)})}}` : '';
  const note = gate.evidence ? `Evidence: ${personText(gate.evidence)}` : gate.reason ? `Reason: ${personText(gate.reason)}` : '';
  return { icon: STATUS_ICON[gate.status], detail: `${ownerText} · ${gate.status}${decided}`, note, status: gate.status, rev: gate.rev };
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

/** The release checklist: every stage and gate, owner, status, who decided when, evidence, and the next step. */
export function renderChecklist(workload: Workload, notice?: Notice, sections: ChecklistSection[] = []): Card {
  const current = currentStage(workload);
  const next = nextStep(workload);
  const stages = STAGES.map((stage) => {
    const gates = GATE_CATALOGUE.filter((g) => g.stage === stage).map((def) => ({ id: def.id, title: def.title, ...gateDetail(workload, def.id) }));
    const done = gates.every((g) => isClosed(g.status));
    return { title: STAGE_TITLES[stage], icon: done ? '✅' : stage === current ? '▶️' : '⬜', gates };
  });
  const allGates = stages.flatMap((s) => s.gates);
  const openGates = allGates.filter((g) => !isClosed(g.status)).map((g) => ({ id: g.id, title: `${STAGE_TITLES[GATE_CATALOGUE.find((d) => d.id === g.id)!.stage]}: ${g.title}` }));
  const nextText = next
    ? `${next.gate.title} (${ROLE_TITLES[next.gate.ownerRole]}${next.owners.length ? `: ${names(next.owners)}` : `: nobody assigned yet, use Roles`})`
    : 'Nothing left: the release is complete.';
  return expand(checklistTemplate, {
    ...noticeFields(notice),
    workloadId: workload.workloadId,
    name: workload.name,
    stage: stageLabel(workload),
    nextStep: nextText,
    projectManagers: names(workload.roles.projectManager),
    stages,
    openGates,
    // Section lines carry what people typed: notice titles, cycle reasons, action items.
    sections: sections.map((section) => ({ ...section, lines: section.lines.map((line) => personText(line)) })),
    revs: Object.fromEntries(allGates.filter((g) => !isClosed(g.status)).map((g) => [g.id, g.rev])),
  });
}

/** Most members a roles card offers; a larger roster is cut here to keep the card within Teams' size limit. */
export const ROSTER_LIMIT = 100;

export function renderRoles(workload: Workload, roster: Person[], notice?: Notice): Card {
  const known = new Map<string, Person>();
  for (const p of [...roster.slice(0, ROSTER_LIMIT), ...ROLES.flatMap((r) => workload.roles[r])]) known.set(p.aadObjectId, p);
  const rosterNote = roster.length > ROSTER_LIMIT ? `This conversation has ${roster.length} members; the first ${ROSTER_LIMIT} and the current role holders are offered.` : '';
  return expand(rolesTemplate, {
    ...noticeFields(notice),
    workloadId: workload.workloadId,
    name: workload.name,
    rolesRev: workload.rolesRev,
    roles: ROLES.map((role) => ({ role, title: ROLE_TITLES[role], holders: names(workload.roles[role]) || 'nobody yet' })),
    roster: [...known.values()].sort((a, b) => a.name.localeCompare(b.name)),
    rosterNote,
  });
}

export function renderHistory(workload: Workload, events: AuditEvent[]): Card {
  return expand(historyTemplate, {
    workloadId: workload.workloadId,
    name: workload.name,
    // A summary quotes what people typed: evidence, comments, reasons.
    events: events.map((e) => ({ at: cardTime(e.at), summary: personText(e.summary) })),
  });
}
