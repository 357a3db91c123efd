import type { Person, Role } from '../release/model';

/** The release window of a workload's promotion: plan, go/no-go, the live runbook, finish or rollback. */

/** A moment as the planner gave it: the instant, the zone, and the wall-clock reading typed. */
export interface ZonedMoment {
  /** ISO 8601 UTC. */
  at: string;
  /** IANA time zone name. */
  timeZone: string;
  /** "2026-12-05 20:00" as typed, in that zone. */
  local: string;
}

/** How traffic moves: all at once, or by shares of users with a step per share. */
export type PromotionModel = { kind: 'single' } | { kind: 'staged'; shares: number[] };

/** The DNS or IP change the switch step makes: what it was, what it becomes, and the TTL to wait out. */
export interface RecordChange {
  oldRecord: string;
  newRecord: string;
  ttlSeconds: number;
}

export type StepStatus = 'pending' | 'done' | 'failed';

export interface RunbookStep {
  /** Stable within the window: cards name steps by it. */
  id: string;
  title: string;
  ownerRole: Role;
  /** Minutes the step is planned to take; the runbook runs in order from the window's start. */
  plannedMinutes: number;
  /** Forward steps release; rollback steps undo. */
  phase: 'forward' | 'rollback';
  status: StepStatus;
  by?: Person;
  at?: string;
  /** What happened, for a failed step (or a note on a done one). */
  note?: string;
}

/** A stakeholder on the frozen go/no-go list, with the roles that put them there. */
export interface Stakeholder extends Person {
  roles: Role[];
}

export interface CutoverWindow {
  /** Document id, equal to windowId. */
  id: string;
  windowId: string;
  workloadId: string;
  type: 'window';
  workloadName: string;
  /** 1 for the first window of the workload, and so on. */
  number: number;
  start: ZonedMoment;
  end: ZonedMoment;
  model: PromotionModel;
  records: RecordChange;
  steps: RunbookStep[];
  /** Frozen when the window is planned: exactly these people answer go or no-go. */
  stakeholders: Stakeholder[];
  /** planned: collecting answers or running; finished: traffic rerouted; rolledBack: undone, the gate open. */
  state: 'planned' | 'finished' | 'rolledBack';
  /** Increases with every change; cards carry it. */
  rev: number;
  plannedBy: Person;
  plannedAt: string;
  finishedAt?: string;
  rolledBackBy?: Person;
  rolledBackAt?: string;
  rollbackReason?: string;
  _etag?: string;
}

/** One stakeholder's go or no-go: its natural id `windowId:aadObjectId` makes a second answer a 409. */
export interface GoNoGoAnswer {
  id: string;
  workloadId: string;
  type: 'goNoGo';
  windowId: string;
  voter: Person;
  answer: 'go' | 'noGo';
  comment: string;
  at: string;
}

/** A period in which no window may run (quarter-end close, a freeze): the team's, in its partition. */
export interface Blackout {
  id: string;
  /** The team's partition key (teamPartitionOf). */
  workloadId: string;
  type: 'blackout';
  name: string;
  start: ZonedMoment;
  end: ZonedMoment;
  setBy: Person;
  setAt: string;
}
