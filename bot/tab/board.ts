import type { BroadcastService } from '../broadcast/service';
import { GATE_CATALOGUE, ROLE_TITLES, STAGE_TITLES, STAGES, type Workload, type WorkloadScope } from '../release/model';
import { currentStage, decideGate, isClosed, nextStep } from '../release/rules';
import type { ReleaseService, Viewer } from '../release/service';
import type { RetroService } from '../retro/service';
import type { SignoffService } from '../signoff/service';
import type { TabPerson } from './identity';
import type { BoardCell, BoardRow, BoardView, MyWork, WorkItem, WorkloadDetail } from './view';

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
}

/** How many of each are shown for the selected workload: the board is a glance, chat keeps the rest. */
const LIMITS = { cycles: 5, notices: 5, events: 30 } as const;

/** A Teams deep link to the chat or channel a workload lives in (learn.microsoft.com, "Deep link to Teams chat"). */
export function chatLinkOf(workload: Workload): string {
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
 * The tab's reads, through the same use cases as the cards: every workload is opened with ReleaseService.open
 * and a Viewer whose membership Teams answers, so the tab sees exactly what chat would show this person.
 */
export class ReleaseBoard {
  constructor(
    private readonly deps: {
      release: ReleaseService;
      signoff: SignoffService;
      broadcast: BroadcastService;
      retro: RetroService;
      work: ReleaseWorkQueries;
      membership: Membership;
      clock: () => Date;
    },
  ) {}

  /** The person as a Viewer from a place of their own (no team), with Teams' answers kept for this request. */
  viewerOf(person: TabPerson): Viewer {
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
          answer = this.deps.membership.isMember(scope, person.aadObjectId);
          answers.set(scope.scopeId, answer);
        }
        return answer;
      },
    };
  }

  /** The board of a team or chat: its workloads against the stages; undefined unless Teams lists the person there. */
  async board(person: TabPerson, scopeId: string): Promise<BoardView | undefined> {
    const viewer = this.viewerOf(person);
    // The listing names workloads, so it needs membership of the place itself, not a role in one of them.
    if (!(await viewer.isMemberOf({ tenantId: person.tenantId, scopeId, conversationId: scopeId }))) return undefined;
    const summaries = await this.deps.release.list(person.tenantId, scopeId);
    const workloads = await Promise.all(summaries.map((s) => this.deps.release.open(s.workloadId, viewer)));
    return {
      stages: STAGES.map((id) => ({ id, title: STAGE_TITLES[id] })),
      workloads: workloads.filter((w): w is Workload => w !== undefined).map(row),
    };
  }

  /** One workload in full; undefined, as if missing, when the person may not open it. */
  async workload(person: TabPerson, workloadId: string): Promise<WorkloadDetail | undefined> {
    const { release, signoff, broadcast, retro } = this.deps;
    const workload = await release.open(workloadId, this.viewerOf(person));
    if (!workload) return undefined;
    const [cycles, notices, retros, events] = await Promise.all([
      signoff.cycles(workloadId),
      broadcast.latest(workloadId, LIMITS.notices),
      retro.retrosOf(workloadId),
      release.history(workloadId, 0).then((page) => page.events.slice(0, LIMITS.events)),
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
        return { id: n.id, kind: n.content.kind, title: n.content.title, status: n.status, total: p.total, sent: p.sent, acknowledged: p.acknowledged, unreachable: p.blocked + p.notFound + p.failed };
      }),
      actions: actions.map((a) => ({ text: a.text, owner: a.owner.name, due: a.due, status: a.status })),
      timeline: events.map((e) => ({ at: e.at, actor: e.actor.name, summary: e.summary })),
    };
  }

  /** What waits on the person across their teams and chats: gates they may decide now, UAT decisions, final sign-offs. */
  async myWork(person: TabPerson): Promise<MyWork> {
    const { release, signoff, work } = this.deps;
    const viewer = this.viewerOf(person);
    const [workloadIds, cycleRefs] = await Promise.all([work.workloadsWithRoleHolder(person.tenantId, person.aadObjectId), work.activeCyclesNaming(person.tenantId, person.aadObjectId)]);
    const opened = new Map<string, Promise<Workload | undefined>>();
    const open = (id: string) => opened.get(id) ?? opened.set(id, release.open(id, viewer)).get(id)!;
    const now = this.deps.clock().toISOString();
    const items: WorkItem[] = [];
    for (const workload of await Promise.all(workloadIds.map(open))) {
      if (!workload) continue;
      for (const gate of workload.gates) {
        const def = GATE_CATALOGUE.find((d) => d.id === gate.id);
        // The release's own rule says whether a pass would be taken now: the same answer the card would give.
        const trial = decideGate(workload, { gateId: gate.id, decision: 'pass', rev: gate.rev, actor: viewer.actor, now });
        if (def && trial.kind === 'changed') items.push({ kind: 'gate', workloadId: workload.workloadId, workloadName: workload.name, title: def.title, link: chatLinkOf(workload) });
      }
    }
    for (const ref of cycleRefs) {
      const [workload, view] = await Promise.all([open(ref.workloadId), signoff.view(ref.workloadId, ref.cycleId, person.tenantId)]);
      if (!workload || !view) continue;
      const { cycle, tally } = view;
      const base = { workloadId: workload.workloadId, workloadName: workload.name, link: chatLinkOf(workload) };
      if (cycle.state === 'open' && tally.pending.some((p) => p.aadObjectId === person.aadObjectId)) {
        items.push({ ...base, kind: 'uat', title: `UAT cycle ${cycle.number}: your test decision` });
      } else if (cycle.state === 'awaitingFinal' && !cycle.final && cycle.finalApprovers.some((p) => p.aadObjectId === person.aadObjectId)) {
        items.push({ ...base, kind: 'finalSignoff', title: `UAT cycle ${cycle.number}: the final business sign-off` });
      }
    }
    return { items };
  }
}
