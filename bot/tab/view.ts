/**
 * What the tab API answers, as plain JSON types: the tab's React pages read these (type-only imports),
 * so the server and the page agree on one shape. People are names only: never ids, never anonymous authors.
 */

/** How a stage stands for one workload. */
export type CellState = 'done' | 'current' | 'failed' | 'waiting';

export interface BoardCell {
  stage: string;
  title: string;
  state: CellState;
  /** Gates of the stage that are passed or waived, of all of them. */
  closed: number;
  gates: number;
  /** Titles of the stage's gates that still hold the release (pending or failed), when the stage is current. */
  blockers: string[];
}

export interface BoardRow {
  workloadId: string;
  name: string;
  /** The stage id, or 'released' once every gate is closed. */
  stage: string;
  stageTitle: string;
  /** Gates closed of all gates: the stage progress picture. */
  closedGates: number;
  totalGates: number;
  /** The first open gate and who owns it. */
  next?: { gate: string; owners: string[] };
  cells: BoardCell[];
  /** The wave the workload is planned in (an open one first), when the team plans waves. */
  waveId?: string;
}

/** A wave of the team: the board groups its workloads under it. */
export interface BoardWave {
  id: string;
  name: string;
  /** YYYY-MM-DD, both days included. */
  start: string;
  end: string;
  status: 'open' | 'closed';
}

export interface BoardView {
  stages: Array<{ id: string; title: string }>;
  /** The team's waves that hold a workload on the board, open ones first; empty when it plans none. */
  waves: BoardWave[];
  workloads: BoardRow[];
}

export interface GateView {
  id: string;
  title: string;
  stageTitle: string;
  ownerRole: string;
  owners: string[];
  status: string;
  evidence?: string;
  /** The typed evidence in the one line the checklist shows (bot/release/evidence.ts evidenceSummary). */
  typedEvidence?: string;
  reason?: string;
  decidedBy?: string;
  decidedAt?: string;
}

export interface CycleView {
  id: string;
  number: number;
  state: string;
  approved: number;
  rejected: number;
  pending: number;
  needed: number;
  outcome: string;
  due: string;
}

export interface NoticeView {
  id: string;
  kind: string;
  title: string;
  status: string;
  total: number;
  sent: number;
  acknowledged: number;
  unreachable: number;
  /** Acknowledgements so far at each moment one came in (at most ACK_POINTS points): the rate over time. */
  acknowledgedOver: Array<{ at: string; acknowledged: number }>;
}

export interface ActionView {
  text: string;
  owner: string;
  due: string;
  status: string;
}

/** Open retro action items at the end of each day, from the first item's day to today: the burn-down. */
export interface BurnDownPoint {
  day: string;
  open: number;
}

export interface EventView {
  at: string;
  actor: string;
  summary: string;
}

export interface WorkloadDetail {
  workloadId: string;
  name: string;
  stageTitle: string;
  gates: GateView[];
  cycles: CycleView[];
  notices: NoticeView[];
  actions: ActionView[];
  burnDown: BurnDownPoint[];
  timeline: EventView[];
}

/** What the tab's button does, and what the API needs to do it (POST /api/tab/<kind>). */
export type WorkAction =
  /** `evidenceForm`: the gate passes with its typed evidence, filled on its form in chat, not with a Pass here. */
  /** `also`: the other decisions the release rule would take from this person now (each needs a reason). */
  | { kind: 'gate'; gateId: string; rev: number; evidenceForm?: true; also: Array<'fail' | 'waive'> }
  | { kind: 'uat'; cycleId: string }
  | { kind: 'finalSignoff'; cycleId: string }
  | { kind: 'notice'; noticeId: string }
  | { kind: 'action'; actionId: string }
  /** A wave's priorities review: its decisions are recorded on its card in the channel (the link), not here. */
  | { kind: 'review'; waveId: string };

/** Something waiting on the signed-in person, with a Teams deep link to the chat or channel where it lives. */
export interface WorkItem {
  kind: WorkAction['kind'];
  workloadId: string;
  workloadName: string;
  title: string;
  link?: string;
  act: WorkAction;
}

/** What an action from the tab answers: the sentence the card would show, and whether anything changed. */
export interface ActResult {
  changed: boolean;
  message: string;
}

export interface MyWork {
  items: WorkItem[];
}
