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
}

export interface BoardView {
  stages: Array<{ id: string; title: string }>;
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
}

export interface ActionView {
  text: string;
  owner: string;
  due: string;
  status: string;
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
  timeline: EventView[];
}

/** Something waiting on the signed-in person, with a Teams deep link to the chat or channel where it lives. */
export interface WorkItem {
  kind: 'gate' | 'uat' | 'finalSignoff';
  workloadId: string;
  workloadName: string;
  title: string;
  link: string;
}

export interface MyWork {
  items: WorkItem[];
}
