import { EVIDENCE_KINDS, evidenceSummary } from '../release/evidence';
import { personText } from '../../cards/text';
import { createHash } from 'node:crypto';
import type { BroadcastService } from '../broadcast/service';
import { GATE_CATALOGUE, ROLE_TITLES, STAGE_TITLES, STAGES, type GateEvidence, type Workload, type WorkloadScope } from '../release/model';
import { currentStage, decideGate, holdsRole, isClosed, nextStep } from '../release/rules';
import type { ReleaseService, Viewer } from '../release/service';
import type { RetroService } from '../retro/service';
import { FreshReads } from '../shared/coalesce';
import type { SignoffService } from '../signoff/service';
import type { Wave } from '../waves/model';
import type { TabPerson } from './identity';
import type { BoardCell, BoardRow, BoardView, BoardWave, BurnDownPoint, MyWork, WorkItem, WorkloadDetail } from './view';

/** Asks Teams whether a person is in a team's or chat's roster (bot/teams/tabRoster.ts). */
export interface Membership {
  isMember(scope: WorkloadScope, aadObjectId: string): Promise<boolean>;
}

/** Where the personal tab looks for work across a person's teams and chats (cross-partition, so not a hot path). */
export interface ReleaseWorkQueries {
  /** Ids of the tenant's workloads where this person holds any role. */
  workloadsWithRoleHolder(tenantId: string, aadObjectId: string): Promise<string[]>;
  /** The tenant's active UAT cycles that name this person as a tester or a final approver. */
  activeCyclesNaming(tenantId: string, aadObjectId: string): Promise<Array<{ workloadId: string; cycleId: string }>>;
  /** Every workload of a team or chat, whole, in one query: the board's cost does not grow with their documents. */
  workloadsIn(tenantId: string, scopeId: string): Promise<Workload[]>;
  /** Notices delivered to this person 1:1 (their own copy, the one they acknowledge), with that chat's id. */
  noticesDeliveredTo(tenantId: string, aadObjectId: string): Promise<Array<{ workloadId: string; noticeId: string; conversationId?: string }>>;
  /** Open retro action items this person owns. */
  openActionsOwnedBy(tenantId: string, aadObjectId: string): Promise<Array<{ workloadId: string; actionId: string; workloadName: string; text: string; due: string }>>;
  /** When each acknowledgement of the workload's notices came in (one single-partition query). */
  acknowledgements(workloadId: string): Promise<Array<{ noticeId: string; at: string }>>;
}

/** The team's waves, read from the team's partition (WaveService.all), and the priorities review waiting on a person there. */
export interface WaveSource {
  all(viewer: Viewer): Promise<Wave[]>;
  reviewWaitingOn(viewer: Viewer, mine: Workload[]): Promise<{ review: { waveId: string }; wave: Wave; next: Wave } | undefined>;
}

/** An answer and the entity tag a poll sends back in If-None-Match: the same tag means nothing changed. */
export interface Tagged<T> {
  etag: string;
  view: T;
  /** The view as JSON, when it was drawn once for everyone who asks (the board of a place). */
  json?: string;
}

/** Most places whose last drawn board is kept (oldest dropped first). */
const MAX_DRAWN_BOARDS = 1_000;

/** A strong entity tag from the strings that make an answer what it is. */
export function entityTag(parts: readonly string[]): string {
  return `"${createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 27)}"`;
}

/**
 * How long Teams' "yes, a member" is kept: a tab polls every few seconds, and Teams' roster API is not asked
 * each time. A person removed from a team keeps seeing its board for this long at most; a "no" is never kept.
 */
export const MEMBERSHIP_TTL_MS = 30_000;
/** Most membership answers kept (oldest dropped first). */
const MAX_MEMBERSHIPS = 20_000;

/** As much of a gate's typed evidence as the checklist card shows (cards/render.ts): the rest is in History and the export. */
const EVIDENCE_LINE_MAX = 200;
const evidenceLine = (evidence: GateEvidence): string => personText(evidenceSummary(evidence), EVIDENCE_LINE_MAX);

/** How many of each are shown for the selected workload: the board is a glance, chat keeps the rest. */
const LIMITS = { cycles: 5, notices: 5, events: 30, ackPoints: 24, burnDownDays: 60 } as const;

const DAY_MS = 86_400_000;

/** Cumulative acknowledgements at each time one came in, thinned to at most `points` evenly spaced points (the last one kept). */
export function acknowledgedOver(times: readonly string[], points: number = LIMITS.ackPoints): Array<{ at: string; acknowledged: number }> {
  const sorted = [...times].sort();
  const all = sorted.map((at, i) => ({ at, acknowledged: i + 1 }));
  if (all.length <= points) return all;
  const step = all.length / points;
  return Array.from({ length: points }, (_, i) => all[Math.min(all.length - 1, Math.round((i + 1) * step) - 1)]!);
}

/** Open action items at the end of each day from the first item's day to today (the last `days` days at most). */
export function burnDown(actions: ReadonlyArray<{ createdAt: string; closedAt?: string }>, today: string, days: number = LIMITS.burnDownDays): BurnDownPoint[] {
  if (actions.length === 0) return [];
  const first = actions.map((a) => a.createdAt.slice(0, 10)).sort()[0]!;
  const start = Math.max(Date.parse(first), Date.parse(today) - (days - 1) * DAY_MS);
  const points: BurnDownPoint[] = [];
  for (let t = start; t <= Date.parse(today); t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    const open = actions.filter((a) => a.createdAt.slice(0, 10) <= day && !(a.closedAt && a.closedAt.slice(0, 10) <= day)).length;
    points.push({ day, open });
  }
  return points;
}

/** The wave each workload is shown under: an open wave holding it first, else the latest closed one. */
function wavesOfBoard(waves: readonly Wave[], workloads: readonly Workload[]): { waves: BoardWave[]; waveOf: Map<string, string> } {
  const ordered = [...waves].sort((a, b) => (a.status !== b.status ? (a.status === 'open' ? -1 : 1) : a.status === 'open' ? a.start.localeCompare(b.start) : b.start.localeCompare(a.start)));
  const here = new Set(workloads.map((w) => w.workloadId));
  const waveOf = new Map<string, string>();
  for (const wave of ordered) for (const id of wave.workloadIds) if (here.has(id) && !waveOf.has(id)) waveOf.set(id, wave.waveId);
  const used = new Set(waveOf.values());
  return {
    waves: ordered.filter((w) => used.has(w.waveId)).map((w) => ({ id: w.waveId, name: w.name, start: w.start, end: w.end, status: w.status })),
    waveOf,
  };
}

/** A Teams deep link to the chat or channel a workload lives in (learn.microsoft.com, "Deep link to Teams chat"). */
export function chatLinkOf(workload: Pick<Workload, 'name' | 'scope'>): string {
  const { scope } = workload;
  const tenant = `tenantId=${encodeURIComponent(scope.tenantId)}`;
  const id = encodeURIComponent(scope.conversationId);
  // A team's workload lives in the channel it was created in; a chat's in the chat itself.
  return scope.scopeId !== scope.conversationId
    ? `https://teams.microsoft.com/l/channel/${id}/${encodeURIComponent(workload.name)}?${tenant}`
    : `https://teams.microsoft.com/l/chat/${id}/conversations?${tenant}`;
}

function row(workload: Workload): BoardRow {
  const stage = currentStage(workload);
  const statusOf = (gateId: string) => workload.gates.find((g) => g.id === gateId)?.status ?? 'pending';
  const cells = STAGES.map((s): BoardCell => {
    const defs = GATE_CATALOGUE.filter((g) => g.stage === s);
    const closed = defs.filter((d) => isClosed(statusOf(d.id))).length;
    const open = defs.filter((d) => !isClosed(statusOf(d.id)));
    const state = open.length === 0 ? 'done' : s !== stage ? 'waiting' : open.some((d) => statusOf(d.id) === 'failed') ? 'failed' : 'current';
    return { stage: s, title: STAGE_TITLES[s], state, closed, gates: defs.length, blockers: s === stage ? open.map((d) => d.title) : [] };
  });
  const next = nextStep(workload);
  return {
    workloadId: workload.workloadId,
    name: workload.name,
    stage,
    stageTitle: stage === 'released' ? 'Released' : STAGE_TITLES[stage],
    closedGates: GATE_CATALOGUE.filter((d) => isClosed(statusOf(d.id))).length,
    totalGates: GATE_CATALOGUE.length,
    ...(next ? { next: { gate: next.gate.title, owners: next.owners.map((p) => p.name) } } : {}),
    cells,
  };
}

/**
 * The tab's reads, through the same use cases as the cards: a workload is opened with ReleaseService.open and
 * a Viewer whose membership Teams answers, so the tab sees exactly what chat would show this person; a board
 * is shown only to a member of its place, who may open every workload of it.
 */
export class ReleaseBoard {
  /**
   * A team's workloads and waves, read fresh for every caller yet shared by those who ask at the same moment
   * (everyone opening the board after a release call): a burst of boards costs about two reads of the place.
   */
  private readonly places = new FreshReads<{ workloads: Workload[]; waves: Wave[] }>(async (key) => {
    const [tenantId, scopeId] = JSON.parse(key) as [string, string];
    const place: WorkloadScope = { tenantId, scopeId, conversationId: scopeId };
    const [workloads, waves] = await Promise.all([
      this.deps.work.workloadsIn(tenantId, scopeId),
      // The waves live in the team's partition; WaveService reads them by the place a viewer stands in (and nothing else of it).
      this.deps.waves.all({ actor: { aadObjectId: `tab:${scopeId}`, name: 'Release board' }, tenantId, scope: place, isMemberOf: () => Promise.resolve(false) }),
    ]);
    return { workloads, waves };
  });

  /** The last board drawn for each place, by its tag: the same documents draw the same board for every member. */
  private readonly drawn = new Map<string, Tagged<BoardView> & { json: string }>();

  /** Teams' recent "yes" answers, by place and person, with when they were given. */
  private readonly members = new Map<string, number>();

  constructor(
    private readonly deps: {
      release: ReleaseService;
      signoff: SignoffService;
      broadcast: BroadcastService;
      retro: RetroService;
      waves: WaveSource;
      work: ReleaseWorkQueries;
      membership: Membership;
      clock: () => Date;
    },
  ) {}

  /** Asks Teams whether the person is in the place, or (for a read) remembers its "yes" of the last MEMBERSHIP_TTL_MS. */
  private async isMember(scope: WorkloadScope, aadObjectId: string, remembered: boolean): Promise<boolean> {
    const key = JSON.stringify([scope.tenantId, scope.scopeId, aadObjectId]);
    const now = this.deps.clock().getTime();
    const at = this.members.get(key);
    if (remembered && at !== undefined && now - at < MEMBERSHIP_TTL_MS) return true;
    this.members.delete(key);
    const answer = await this.deps.membership.isMember(scope, aadObjectId);
    if (answer) {
      if (this.members.size >= MAX_MEMBERSHIPS) this.members.delete(this.members.keys().next().value!);
      this.members.set(key, now);
    }
    return answer;
  }

  /**
   * The person as a Viewer from a place of their own (no team), with Teams' answers kept for this request.
   * A read may take Teams' "yes" of the last MEMBERSHIP_TTL_MS; an action (`remembered` false) asks Teams afresh.
   */
  viewerOf(person: TabPerson, remembered = true): Viewer {
    const answers = new Map<string, Promise<boolean>>();
    return {
      actor: { aadObjectId: person.aadObjectId, name: person.name },
      tenantId: person.tenantId,
      // The tab is nobody's chat: a person stands as a member only where Teams lists them.
      scope: { tenantId: person.tenantId, scopeId: `tab:${person.aadObjectId}`, conversationId: '' },
      isMemberOf: (scope) => {
        if (scope.tenantId !== person.tenantId) return Promise.resolve(false);
        let answer = answers.get(scope.scopeId);
        if (!answer) {
          answer = this.isMember(scope, person.aadObjectId, remembered);
          answers.set(scope.scopeId, answer);
        }
        return answer;
      },
    };
  }

  /**
   * The board of a team or chat: its workloads against the stages, grouped by wave; undefined unless Teams
   * lists the person there. A member of the place may open every workload created in it (the same standing
   * ReleaseService.open gives), so they are read in one query, and the tag is made of their documents' ETags.
   */
  async board(person: TabPerson, scopeId: string): Promise<Tagged<BoardView> | undefined> {
    const viewer = this.viewerOf(person);
    const place: WorkloadScope = { tenantId: person.tenantId, scopeId, conversationId: scopeId };
    // The listing names workloads, so it needs membership of the place itself, not a role in one of them.
    if (!(await viewer.isMemberOf(place))) return undefined;
    const key = JSON.stringify([person.tenantId, scopeId]);
    const { workloads: found, waves } = await this.places.read(key);
    const workloads = found.filter((w) => w.scope.tenantId === person.tenantId && w.scope.scopeId === scopeId);
    const etag = entityTag(['board:1', ...workloads.map((w) => `${w.workloadId}=${w._etag ?? ''}`), ...waves.map((w) => `${w.waveId}=${w._etag ?? ''}`)]);
    const last = this.drawn.get(key);
    if (last?.etag === etag) return last;
    const grouped = wavesOfBoard(waves, workloads);
    const view: BoardView = {
      stages: STAGES.map((id) => ({ id, title: STAGE_TITLES[id] })),
      waves: grouped.waves,
      workloads: workloads.map((w) => {
        const waveId = grouped.waveOf.get(w.workloadId);
        return { ...row(w), ...(waveId ? { waveId } : {}) };
      }),
    };
    const tagged = { etag, view, json: JSON.stringify(view) };
    this.drawn.delete(key);
    if (this.drawn.size >= MAX_DRAWN_BOARDS) this.drawn.delete(this.drawn.keys().next().value!);
    this.drawn.set(key, tagged);
    return tagged;
  }

  /** One workload in full; undefined, as if missing, when the person may not open it. */
  async workload(person: TabPerson, workloadId: string): Promise<Tagged<WorkloadDetail> | undefined> {
    const view = await this.detail(person, workloadId);
    // Votes and acknowledgements are documents of their own: the tag is taken from the whole answer.
    return view ? { etag: entityTag(['workload:1', JSON.stringify(view)]), view } : undefined;
  }

  private async detail(person: TabPerson, workloadId: string): Promise<WorkloadDetail | undefined> {
    const { release, signoff, broadcast, retro } = this.deps;
    const workload = await release.open(workloadId, this.viewerOf(person));
    if (!workload) return undefined;
    const [cycles, notices, retros, events, acks] = await Promise.all([
      signoff.cycles(workloadId),
      broadcast.latest(workloadId, LIMITS.notices),
      retro.retrosOf(workloadId),
      release.history(workloadId, 0).then((page) => page.events.slice(0, LIMITS.events)),
      this.deps.work.acknowledgements(workloadId),
    ]);
    const views = await Promise.all(cycles.slice(-LIMITS.cycles).map((c) => signoff.view(workloadId, c.id, person.tenantId)));
    const progress = await Promise.all(notices.map((n) => broadcast.progress(n)));
    // Only the action items of a retro: its entries may be anonymous, and the board names no author.
    const actions = (await Promise.all(retros.map((r) => retro.snapshot(r)))).flatMap((s) => s.actions);
    const stage = currentStage(workload);
    return {
      workloadId,
      name: workload.name,
      stageTitle: stage === 'released' ? 'Released' : STAGE_TITLES[stage],
      gates: GATE_CATALOGUE.map((def) => {
        const gate = workload.gates.find((g) => g.id === def.id);
        return {
          id: def.id,
          title: def.title,
          stageTitle: STAGE_TITLES[def.stage],
          ownerRole: ROLE_TITLES[def.ownerRole],
          owners: workload.roles[def.ownerRole].map((p) => p.name),
          status: gate?.status ?? 'pending',
          ...(gate?.evidence ? { evidence: gate.evidence } : {}),
          ...(gate?.typedEvidence ? { typedEvidence: evidenceLine(gate.typedEvidence) } : {}),
          ...(gate?.reason ? { reason: gate.reason } : {}),
          ...(gate?.decidedBy ? { decidedBy: gate.decidedBy.name } : {}),
          ...(gate?.decidedAt ? { decidedAt: gate.decidedAt } : {}),
        };
      }),
      cycles: views
        .filter((v) => v !== undefined)
        .map(({ cycle, tally }) => ({
          id: cycle.id,
          number: cycle.number,
          state: cycle.state,
          approved: tally.approved.length,
          rejected: tally.rejected.length,
          pending: tally.pending.length,
          needed: tally.needed,
          outcome: tally.outcome,
          due: cycle.due.at,
        })),
      notices: notices.map((n, i) => {
        const p = progress[i]!;
        const times = acks.filter((a) => a.noticeId === n.id).map((a) => a.at);
        return {
          id: n.id,
          kind: n.content.kind,
          title: n.content.title,
          status: n.status,
          total: p.total,
          sent: p.sent,
          acknowledged: p.acknowledged,
          unreachable: p.blocked + p.notFound + p.failed,
          acknowledgedOver: acknowledgedOver(times),
        };
      }),
      actions: actions.map((a) => ({ text: a.text, owner: a.owner.name, due: a.due, status: a.status })),
      burnDown: burnDown(actions, this.deps.clock().toISOString().slice(0, 10)),
      timeline: events.map((e) => ({ at: e.at, actor: e.actor.name, summary: e.summary })),
    };
  }

  /**
   * The priorities reviews waiting on the person: in each team where they are a business owner or the project
   * manager of a workload, the review WaveService says waits on them, with a link to the channel of its card.
   */
  private async reviewsWaitingOn(viewer: Viewer, workloads: Workload[]): Promise<WorkItem[]> {
    const teams = new Map<string, Workload[]>();
    for (const w of workloads) {
      if (!holdsRole(w, 'businessOwner', viewer.actor.aadObjectId) && !holdsRole(w, 'projectManager', viewer.actor.aadObjectId)) continue;
      const key = JSON.stringify([w.scope.tenantId, w.scope.scopeId]);
      teams.set(key, [...(teams.get(key) ?? []), w]);
    }
    const found = await Promise.all([...teams.values()].map(async (mine) => ({ mine, waiting: await this.deps.waves.reviewWaitingOn({ ...viewer, scope: mine[0]!.scope }, mine) })));
    return found.flatMap(({ mine, waiting }): WorkItem[] => {
      const via = waiting && mine.find((w) => waiting.wave.workloadIds.includes(w.workloadId));
      if (!waiting || !via) return [];
      // The review card is posted in the channel the wave was planned in (older waves: the workload's own).
      const scope = { ...via.scope, conversationId: waiting.wave.conversationId ?? via.scope.conversationId };
      return [
        {
          kind: 'review',
          workloadId: via.workloadId,
          workloadName: waiting.wave.name,
          title: `Priorities review of ${waiting.wave.name}: its decisions on ${waiting.next.name}`,
          link: chatLinkOf({ name: via.name, scope }),
          act: { kind: 'review', waveId: waiting.wave.waveId },
        },
      ];
    });
  }

  /**
   * What waits on the person across their teams and chats: gates they may decide now, UAT decisions, final
   * sign-offs, notices to acknowledge and retro action items they own, each with what its button does.
   */
  async myWork(person: TabPerson): Promise<Tagged<MyWork>> {
    const { release, signoff, broadcast, work } = this.deps;
    const viewer = this.viewerOf(person);
    const { tenantId, aadObjectId } = person;
    const [workloadIds, cycleRefs, delivered, owned] = await Promise.all([
      work.workloadsWithRoleHolder(tenantId, aadObjectId),
      work.activeCyclesNaming(tenantId, aadObjectId),
      work.noticesDeliveredTo(tenantId, aadObjectId),
      work.openActionsOwnedBy(tenantId, aadObjectId),
    ]);
    const opened = new Map<string, Promise<Workload | undefined>>();
    const open = (id: string) => opened.get(id) ?? opened.set(id, release.open(id, viewer)).get(id)!;
    const now = this.deps.clock().toISOString();
    const items: WorkItem[] = [];
    const tags: string[] = ['mywork:1'];
    const openedWorkloads = (await Promise.all(workloadIds.map(open))).filter((w): w is Workload => !!w);
    for (const workload of openedWorkloads) {
      if (!workload) continue;
      tags.push(`${workload.workloadId}=${workload._etag ?? ''}`);
      for (const gate of workload.gates) {
        const def = GATE_CATALOGUE.find((d) => d.id === gate.id);
        // The release's own rule says whether a pass would be taken now: the same answer the card would give.
        const trial = (decision: 'pass' | 'fail' | 'waive') => decideGate(workload, { gateId: gate.id, decision, rev: gate.rev, actor: viewer.actor, note: 'reason', now }).kind === 'changed';
        if (def && trial('pass')) {
          items.push({
            kind: 'gate',
            workloadId: workload.workloadId,
            workloadName: workload.name,
            title: def.title,
            link: chatLinkOf(workload),
            act: { kind: 'gate', gateId: gate.id, rev: gate.rev, ...(EVIDENCE_KINDS[gate.id] ? { evidenceForm: true as const } : {}), also: (['fail', 'waive'] as const).filter(trial) },
          });
        }
      }
    }
    items.push(...(await this.reviewsWaitingOn(viewer, openedWorkloads)));
    for (const ref of cycleRefs) {
      const [workload, view] = await Promise.all([open(ref.workloadId), signoff.view(ref.workloadId, ref.cycleId, tenantId)]);
      if (!workload || !view) continue;
      const { cycle, tally } = view;
      const base = { workloadId: workload.workloadId, workloadName: workload.name, link: chatLinkOf(workload) };
      if (cycle.state === 'open' && tally.pending.some((p) => p.aadObjectId === aadObjectId)) {
        items.push({ ...base, kind: 'uat', title: `UAT cycle ${cycle.number}: your test decision`, act: { kind: 'uat', cycleId: cycle.id } });
      } else if (cycle.state === 'awaitingFinal' && !cycle.final && cycle.finalApprovers.some((p) => p.aadObjectId === aadObjectId)) {
        items.push({ ...base, kind: 'finalSignoff', title: `UAT cycle ${cycle.number}: the final business sign-off`, act: { kind: 'finalSignoff', cycleId: cycle.id } });
      }
    }
    // A notice is the recipient's whatever team it came from: the notice itself says who it was sent to.
    for (const ref of delivered) {
      const notice = await broadcast.get(ref.workloadId, ref.noticeId);
      if (!notice || notice.tenantId !== tenantId || notice.recalled || (notice.status !== 'sending' && notice.status !== 'sent')) continue;
      if (await broadcast.acknowledgedAt(notice, aadObjectId)) continue;
      const link = ref.conversationId ? chatLinkOf({ name: notice.workloadName, scope: { tenantId, scopeId: ref.conversationId, conversationId: ref.conversationId } }) : undefined;
      items.push({
        kind: 'notice',
        workloadId: notice.workloadId,
        workloadName: notice.workloadName,
        title: `Acknowledge "${notice.content.title}"`,
        ...(link ? { link } : {}),
        act: { kind: 'notice', noticeId: notice.id },
      });
    }
    for (const action of owned) {
      // Done from the workload's own chat on the card, so only where the person may open the workload.
      const workload = await open(action.workloadId);
      if (!workload) continue;
      items.push({
        kind: 'action',
        workloadId: action.workloadId,
        workloadName: action.workloadName,
        title: `${action.text} (due ${action.due})`,
        link: chatLinkOf(workload),
        act: { kind: 'action', actionId: action.actionId },
      });
    }
    const view = { items };
    return { etag: entityTag([...tags, JSON.stringify(view)]), view };
  }
}
