import type { ConversationTarget } from '../conversations/messenger';
import type { Person } from '../release/model';

/** A retrospective of a workload's release, in the channel of its team. Lives in the workload's partition. */

export interface RetroQuestion {
  id: string;
  text: string;
}

export interface RetroTemplate {
  title: string;
  questions: readonly RetroQuestion[];
}

/** The prompt sets a facilitator can pick; ids are stable, cards and stored retros name them. */
export const RETRO_TEMPLATES = {
  caf: {
    title: 'Cloud Adoption Framework',
    questions: [
      { id: 'well', text: 'What went well?' },
      { id: 'better', text: 'What could have been better?' },
      { id: 'learned', text: 'What did we learn?' },
    ],
  },
  startStopContinue: {
    title: 'Start, Stop, Continue',
    questions: [
      { id: 'start', text: 'What should we start doing?' },
      { id: 'stop', text: 'What should we stop doing?' },
      { id: 'continue', text: 'What should we continue doing?' },
    ],
  },
  madSadGlad: {
    title: 'Mad, Sad, Glad',
    questions: [
      { id: 'mad', text: 'What made you mad?' },
      { id: 'sad', text: 'What made you sad?' },
      { id: 'glad', text: 'What made you glad?' },
    ],
  },
  fourLs: {
    title: '4Ls: Liked, Learned, Lacked, Longed for',
    questions: [
      { id: 'liked', text: 'What did you like?' },
      { id: 'learned', text: 'What did you learn?' },
      { id: 'lacked', text: 'What was lacking?' },
      { id: 'longed', text: 'What did you long for?' },
    ],
  },
} as const satisfies Record<string, RetroTemplate>;
export type RetroTemplateId = keyof typeof RETRO_TEMPLATES;
export const RETRO_TEMPLATE_IDS = Object.keys(RETRO_TEMPLATES) as RetroTemplateId[];

/** Moved forward by the facilitator, one step at a time. */
export const RETRO_PHASES = ['collect', 'group', 'vote', 'act', 'closed'] as const;
export type RetroPhase = (typeof RETRO_PHASES)[number];

export const PHASE_TITLES: Record<RetroPhase, string> = {
  collect: 'Collecting entries',
  group: 'Grouping similar entries',
  vote: 'Voting',
  act: 'Agreeing on action items',
  closed: 'Closed',
};

/** When the collection of entries ends: the instant, and how the facilitator said it. */
export interface RetroDeadline {
  /** The instant, ISO 8601 UTC. */
  at: string;
  /** IANA time zone name, e.g. Europe/Paris. */
  timeZone: string;
  /** The local date and time as typed, "2026-11-27 17:00". */
  local: string;
}

export interface Retro {
  /** Document id, equal to retroId. */
  id: string;
  retroId: string;
  workloadId: string;
  type: 'retro';
  /** The team (or chat) whose retro this is: action items are carried forward within it. */
  tenantId: string;
  scopeId: string;
  workloadName: string;
  /** 1 for the first retro of the workload, and so on. */
  number: number;
  template: RetroTemplateId;
  questions: RetroQuestion[];
  /** Anonymous entries keep no author id, only a per-retro pseudonym. */
  anonymous: boolean;
  deadline: RetroDeadline;
  votesPerPerson: number;
  facilitator: Person;
  phase: RetroPhase;
  /** Increases with every phase change. */
  rev: number;
  /** Where the retro card lives, and its message, once posted. */
  channel: ConversationTarget;
  messageId?: string;
  /** The message the retro was started from, showing the workload's checklist to the others there; drawn again when the retro moves on or closes. */
  checklist?: { target: ConversationTarget; activityId: string };
  /** Teams user ids (29:...) whose clients refresh the card into their own view; at most 60. */
  viewers: string[];
  /** Votes per entry, frozen when voting closes; absent before. */
  tallies?: Record<string, number>;
  lastReminderAt?: string;
  noActions?: boolean;
  /** Why the retrospective gate did not pass when the retro closed, if it did not. */
  gateNote?: string;
  /**
   * While collecting: every entry, also kept here (written in each entry's batch) so that an entry's answer and the channel
   * card need no query. Absent once the entries are revealed, and when it grew too large: then the entries are read.
   */
  collected?: RetroEntry[];
  /** False when the team had no open action items of earlier retros as this one started: nothing to carry, nothing read. */
  carriesActions?: boolean;
  createdAt: string;
  closedAt?: string;
  _etag?: string;
}

/** An entry under one question. Anonymous: no author, only `authorKey`; named: `author` too. */
export interface RetroEntry {
  id: string;
  workloadId: string;
  type: 'entry';
  retroId: string;
  questionId: string;
  text: string;
  /** HMAC-SHA256(server secret, retroId + ':' + aadObjectId): who may edit it, without saying who. */
  authorKey: string;
  /** Only in a named retro. */
  author?: Person;
  /** Set when the facilitator merged this entry into a similar one. */
  mergedInto?: string;
  createdAt: string;
  updatedAt?: string;
  _etag?: string;
}

/** One person's votes in one retro: a set of entry ids, at most `votesPerPerson`. */
export interface RetroBallot {
  id: string;
  workloadId: string;
  type: 'ballot';
  retroId: string;
  /** The voter's pseudonym, never their id. */
  voterKey: string;
  entryIds: string[];
  updatedAt: string;
  _etag?: string;
}

/**
 * What an action item targets: a wave of the team (by its id; items recorded before waves had ids carry
 * only the name, and are matched by it), or a workload.
 */
export type ActionTarget = { kind: 'wave'; name: string; waveId?: string } | { kind: 'workload'; workloadId: string; name: string };

export interface RetroAction {
  id: string;
  /** The workload whose retro recorded it (its partition). */
  workloadId: string;
  type: 'action';
  retroId: string;
  tenantId: string;
  scopeId: string;
  workloadName: string;
  text: string;
  owner: Person;
  /** YYYY-MM-DD. */
  due: string;
  target: ActionTarget;
  status: 'open' | 'done';
  facilitator: Person;
  createdAt: string;
  closedBy?: Person;
  closedAt?: string;
  _etag?: string;
}

/** An entry and the similar ones merged into it: what people vote on. */
export interface EntryGroup {
  entry: RetroEntry;
  merged: RetroEntry[];
  votes?: number;
}

/** The latest retro as the workload's checklist shows it (bot/release/model.ts WorkloadSummaries). */
export type RetroSummary = Pick<Retro, 'retroId' | 'number' | 'phase' | 'facilitator' | 'deadline' | 'gateNote'>;

export const retroSummaryOf = (retro: Retro): RetroSummary => ({
  retroId: retro.retroId,
  number: retro.number,
  phase: retro.phase,
  facilitator: retro.facilitator,
  deadline: retro.deadline,
  ...(retro.gateNote !== undefined ? { gateNote: retro.gateNote } : {}),
});

/** The open action items of every retro of one team (or chat), kept in step with the action items themselves. */
export interface TeamActions {
  /** `open-actions`; its partition is the team's, `teamActionsPartition(tenantId, scopeId)`. */
  id: string;
  workloadId: string;
  type: 'teamActions';
  tenantId: string;
  scopeId: string;
  actions: RetroAction[];
  _etag?: string;
}

/** The partition of a team's open action items: one per team or chat, beside the partitions of its workloads. */
export const teamActionsPartition = (tenantId: string, scopeId: string): string => `team:${tenantId}:${scopeId}`;
