import { Card, ChecklistSection, Notice, renderChecklist, renderHelp, renderHistory, renderList, renderMessage, renderRoles, stageLabel } from '../../cards/render';
import { personText } from '../../cards/text';
import { savingsLine } from '../../cards/decommission';
import { ROLE_TITLES, type Person, type Workload } from '../release/model';
import { HISTORY_PAGE, HISTORY_PAGES, type ReleaseService } from '../release/service';
import { gateDefinition, type RuleResult } from '../release/rules';
import type { GateDecideData, RolesSaveData } from './payloads';
import { attention, echo, good, missingWorkload, outcomeBanner, VerbOutcome, WorkloadAccess } from './router';
import type { Turn } from './turn';

/** Adds a section to a workload's checklist card; each capability may register one. */
export type ChecklistContributor = (turn: Turn | undefined, workload: Workload) => Promise<ChecklistSection[]>;

/** The release use cases as Teams sees them: each takes a Turn and plain values, and answers with a card. */
export class ReleaseHandlers implements WorkloadAccess {
  constructor(
    private readonly release: ReleaseService,
    private readonly contributors: ChecklistContributor[] = [],
  ) {}

  help(notice?: string): Card {
    return renderHelp(notice);
  }

  async list(turn: Turn): Promise<Card> {
    const summaries = await this.release.list(turn.tenantId, turn.scope.scopeId);
    const withStage = await Promise.all(
      summaries.map(async (s) => {
        // Listed by this conversation's own scope: every one of them is this conversation's to see.
        const workload = await this.release.get(s.workloadId);
        return { ...s, stage: workload ? stageLabel(workload) : '', savings: workload ? savingsLine(workload) : '' };
      }),
    );
    return renderList(turn.place, withStage);
  }

  async create(turn: Turn, name: string): Promise<Card> {
    const outcome = await this.release.create({ name, scope: turn.scope, actor: turn.actor });
    if (outcome.kind === 'refused') {
      // The name is taken in this very team or chat (ids carry the scope), so its checklist is this conversation's to see.
      return outcome.workload ? this.checklist(turn, outcome.workload, attention(outcome.message)) : renderMessage(outcome.message);
    }
    return this.checklist(turn, outcome.workload, good(`Created ${outcome.workload.name}. You are its project manager: assign the other roles with Roles, then record each gate as it passes.`));
  }

  /** Resolves a name a person typed; with no name, the only workload of this conversation. */
  async resolve(turn: Turn, name: string, command: string): Promise<Workload | Card> {
    if (!name.trim()) {
      const here = await this.release.list(turn.tenantId, turn.scope.scopeId);
      const only = here.length === 1 ? await this.release.open(here[0]!.workloadId, turn) : undefined;
      if (only) return only;
      // The hint names the workloads of this very conversation, so it can be typed as it reads.
      const examples = here.slice(0, 3).map((s) => `${command} ${s.name}`);
      if (examples.length === 0) return renderMessage(`There is no workload here yet. Create one with: new Payroll API.`);
      return renderMessage(`Say which workload, for example: ${examples.join(', or ')}.`);
    }
    const workload = await this.release.findByName(turn, name);
    // The same sentence whether the name is free or belongs to a team this person is not in: nothing is learned.
    const typed = echo(name.trim());
    return workload ?? renderMessage(`There is no workload named "${typed}" here. Type list to see the workloads here, or new ${typed} to create it.`);
  }

  /** Reads a workload named by card data, when this person may see it (ReleaseService.open). */
  open(turn: Turn, workloadId: string): Promise<Workload | undefined> {
    return this.release.open(workloadId, turn);
  }

  /** The checklist card with what every capability adds to it; with no turn, the shared copy in a chat (zone named, UTC). */
  async checklist(turn: Turn | undefined, workload: Workload, notice?: Notice): Promise<Card> {
    const sections = (await Promise.all(this.contributors.map((contribute) => contribute(turn, workload)))).flat();
    return renderChecklist(workload, notice, sections, turn?.timeZone ? { timeZone: turn.timeZone } : {});
  }

  /** The checklist as background work draws it into a message, read afresh; undefined once the workload is gone. */
  readonly sharedChecklist = async (workloadId: string, notice?: Notice): Promise<Card | undefined> => {
    const workload = await this.release.get(workloadId);
    return workload ? this.checklist(undefined, workload, notice) : undefined;
  };

  async roles(turn: Turn, workload: Workload, notice?: Notice): Promise<Card> {
    return renderRoles(workload, await turn.roster(), notice);
  }

  /** One page of the workload's history, newest first; page 0 is the latest events. */
  async history(turn: Turn, workload: Workload, page = 0): Promise<Card> {
    const shown = Math.min(page, HISTORY_PAGES - 1);
    const { events, total } = await this.release.history(workload.workloadId, shown);
    return renderHistory(workload, { events, total, page: shown, pageSize: HISTORY_PAGE, lastPage: HISTORY_PAGES - 1 }, turn.timeZone ? { timeZone: turn.timeZone } : {});
  }

  async decideGate(turn: Turn, data: GateDecideData, workload: Workload): Promise<VerbOutcome> {
    if (!data.gateId) return { card: await this.checklist(turn, workload, attention('Pick the gate you are deciding, then press the button again.')) };
    const rev = data.revs[data.gateId];
    if (rev === undefined) {
      return { card: await this.checklist(turn, workload, attention('That gate is not open on this card. Here is the current checklist.')) };
    }
    const result = await this.release.decideGate(workload, {
      gateId: data.gateId,
      decision: data.decision,
      rev,
      note: data.note,
      actor: turn.actor,
      requestId: turn.activityId,
    });
    if (!result) return { card: missingWorkload() };
    // 'unchanged' is this very request made again (a client retry): it answers as its first delivery did.
    const sentence = result.kind === 'refused' ? result.message : decisionSentence(result.workload, data.gateId);
    const banner = outcomeBanner(result.kind === 'refused' ? 'refused' : 'changed', personText(sentence), data.decision === 'fail');
    const card = await this.checklist(turn, result.workload, banner);
    return { card, shareWithEveryone: result.kind === 'changed' };
  }

  async saveRoles(turn: Turn, data: RolesSaveData, workload: Workload): Promise<VerbOutcome> {
    const roster = await turn.roster();
    const picked = [
      ...new Set(
        data.people
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean),
      ),
    ];
    const known = new Map<string, Person>([...workload.roles[data.role], ...roster].map((p) => [p.aadObjectId, p]));
    const people = picked.map((id) => known.get(id));
    if (people.some((p) => p === undefined)) {
      return { card: renderRoles(workload, roster, attention('Pick people who are members of this conversation.')) };
    }
    const result = await this.release.assignRoles(workload, {
      roles: { [data.role]: people as Person[] },
      rolesRev: data.rolesRev,
      actor: turn.actor,
    });
    return this.outcome(
      result,
      (w) =>
        renderRoles(w, roster, good(`${ROLE_TITLES[data.role]} saved: ${w.roles[data.role].map((p) => p.name).join(', ') || 'nobody'} now ${w.roles[data.role].length === 1 ? 'holds' : 'hold'} it.`)),
      (w, notice) => renderRoles(w, roster, notice),
    );
  }

  private async outcome(result: RuleResult | undefined, success: (w: Workload) => Card | Promise<Card>, refused: (w: Workload, notice: Notice) => Card | Promise<Card>): Promise<VerbOutcome> {
    if (!result) return { card: missingWorkload() };
    if (result.kind === 'refused') return { card: await refused(result.workload, attention(result.message)) };
    return { card: await success(result.workload), shareWithEveryone: result.kind === 'changed' };
  }
}

/** What the decision did; a failure names its reason. */
function decisionSentence(workload: Workload, gateId: string): string {
  const gate = workload.gates.find((g) => g.id === gateId);
  const def = gateDefinition(gateId);
  if (!gate || !def) return 'Here is the current checklist.';
  const reason = gate.status === 'failed' && gate.reason ? `: ${gate.reason}` : '';
  return `${gate.decidedBy?.name ?? 'Someone'} ${gate.status} "${def.title}"${reason}.`;
}
