import { Card, ChecklistSection, Notice, renderChecklist, renderHelp, renderHistory, renderList, renderMessage, renderRoles, stageLabel } from '../../cards/render';
import { renderEvidenceForm } from '../../cards/evidence';
import { personText } from '../../cards/text';
import { savingsLine } from '../../cards/decommission';
import { EVIDENCE_INPUTS, evidenceKindOf } from '../release/evidence';
import { ROLE_TITLES, ROLES, type Person, type Role, type Workload } from '../release/model';
import { HISTORY_PAGE, HISTORY_PAGES, type ReleaseService } from '../release/service';
import { decisionSentence, gateDefinition, type RuleResult } from '../release/rules';
import { PROMOTION_GATE } from '../cutover/rules';
import { rolePicks, type EvidenceConfirmData, type GateDecideData, type GateRecordData, type RolesSaveData, type WaiverConfirmData, type WaiverPolicyData } from './payloads';
import { attention, echo, good, missingWorkload, outcomeBanner, VerbOutcome, WorkloadAccess } from './router';
import type { Turn } from './turn';

/** Adds a section to a workload's checklist card; each capability may register one. */
export type ChecklistContributor = (turn: Turn | undefined, workload: Workload) => Promise<ChecklistSection[]>;

/** The release use cases as Teams sees them: each takes a Turn and plain values, and answers with a card. */
export class ReleaseHandlers implements WorkloadAccess {
  constructor(
    private readonly release: ReleaseService,
    private readonly contributors: ChecklistContributor[] = [],
    /** Who recorded the cutover of a workload (planned its release windows): they never waive promotion. */
    private readonly promoters: (workloadId: string) => Promise<Person[]> = async () => [],
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
    return renderChecklist(workload, notice, sections, { ...(turn?.timeZone ? { timeZone: turn.timeZone } : {}), stale: this.release.staleEvidence(workload) });
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
      ...(await this.promotion(workload, data.gateId)),
    });
    return this.decided(turn, result, data.gateId, data.decision);
  }

  /** Who recorded the cutover, read only for a decision on promotion. */
  private async promotion(workload: Workload, gateId: string): Promise<{ promoters?: Person[] }> {
    return gateId === PROMOTION_GATE ? { promoters: await this.promoters(workload.workloadId) } : {};
  }

  /** The evidence form of the gate picked on the decision form; a gate without one, or closed, answers with the checklist. */
  async evidenceForm(turn: Turn, gateId: string, workload: Workload): Promise<Card> {
    const def = gateDefinition(gateId);
    if (!gateId || !def) return this.checklist(turn, workload, attention('Pick the gate whose evidence you are recording, then press Evidence form again.'));
    if (!evidenceKindOf(gateId)) return this.checklist(turn, workload, attention(`"${def.title}" has no evidence form: record it with Record a decision.`));
    return renderEvidenceForm(workload, def, turn.timeZone ? { reader: { timeZone: turn.timeZone } } : {});
  }

  /** A decision sent from an evidence form; a refusal brings the form back with everything that was typed. */
  async recordEvidence(turn: Turn, data: GateRecordData, workload: Workload): Promise<VerbOutcome> {
    const def = gateDefinition(data.gateId);
    if (!def || !evidenceKindOf(data.gateId)) return { card: await this.checklist(turn, workload, attention('That gate has no evidence form. Here is the current checklist.')) };
    const fields = Object.fromEntries(EVIDENCE_INPUTS.map((name) => [name, data[name]]));
    const result = await this.release.decideGate(workload, {
      gateId: data.gateId,
      decision: data.decision,
      rev: data.rev,
      note: data.note,
      actor: turn.actor,
      requestId: turn.activityId,
      fields,
      ...(await this.promotion(workload, data.gateId)),
    });
    if (result?.kind === 'refused' && result.workload.gates.find((g) => g.id === data.gateId)?.rev === data.rev) {
      // Still the gate this form was drawn for: the person fixes what the sentence says, with what they typed.
      const reader = turn.timeZone ? { reader: { timeZone: turn.timeZone } } : {};
      return { card: renderEvidenceForm(result.workload, def, { notice: attention(personText(result.message)), sent: { ...fields, note: data.note }, ...reader }) };
    }
    return this.decided(turn, result, data.gateId, data.decision);
  }

  async confirmEvidence(turn: Turn, data: EvidenceConfirmData, workload: Workload): Promise<VerbOutcome> {
    const rev = data.revs[data.confirmGateId];
    if (!data.confirmGateId || rev === undefined) return { card: await this.checklist(turn, workload, attention('Pick the evidence you are confirming, then press the button again.')) };
    const result = await this.release.confirmEvidence(workload, { gateId: data.confirmGateId, rev, actor: turn.actor });
    return this.changedChecklist(
      turn,
      result,
      (w) =>
        `${turn.actor.name} confirmed the evidence of "${gateDefinition(data.confirmGateId)?.title ?? data.confirmGateId}" again, dated today${this.release.staleEvidence(w).length ? '' : ': promotion may go on'}.`,
    );
  }

  async confirmWaiver(turn: Turn, data: WaiverConfirmData, workload: Workload): Promise<VerbOutcome> {
    const rev = data.revs[data.waiverGateId];
    if (!data.waiverGateId || rev === undefined) return { card: await this.checklist(turn, workload, attention('Pick the waiver you are confirming, then press the button again.')) };
    const result = await this.release.confirmWaiver(workload, { gateId: data.waiverGateId, rev, actor: turn.actor });
    return this.changedChecklist(turn, result, (w) => decisionSentence(w, data.waiverGateId));
  }

  async setWaiverPolicy(turn: Turn, data: WaiverPolicyData, workload: Workload): Promise<VerbOutcome> {
    const result = await this.release.setWaiverPolicy(workload, { policy: data.policy, actor: turn.actor });
    const words =
      data.policy === 'secondApprover'
        ? 'the project manager or the business owner may now ask to waive the CISO verification, and another role holder confirms it'
        : 'only the CISO waives the CISO verification';
    return this.changedChecklist(turn, result, () => `Waiver rule saved: ${words}.`);
  }

  /** The checklist after a change: the sentence of what happened, or the refusal; everyone's copy is redrawn on a change. */
  private async changedChecklist(turn: Turn, result: RuleResult | undefined, sentence: (w: Workload) => string): Promise<VerbOutcome> {
    if (!result) return { card: missingWorkload() };
    const text = result.kind === 'refused' ? result.message : sentence(result.workload);
    const card = await this.checklist(turn, result.workload, outcomeBanner(result.kind === 'refused' ? 'refused' : 'changed', personText(text)));
    return { card, shareWithEveryone: result.kind === 'changed' };
  }

  /** The checklist after a decision: what it did, or why not; a failure is a setback, shown in the attention style. */
  private async decided(turn: Turn, result: RuleResult | undefined, gateId: string, decision: GateDecideData['decision']): Promise<VerbOutcome> {
    if (!result) return { card: missingWorkload() };
    // 'unchanged' is this very request made again (a client retry): it answers as its first delivery did.
    const sentence = result.kind === 'refused' ? result.message : decisionSentence(result.workload, gateId);
    const banner = outcomeBanner(result.kind === 'refused' ? 'refused' : 'changed', personText(sentence), decision === 'fail');
    const card = await this.checklist(turn, result.workload, banner);
    return { card, shareWithEveryone: result.kind === 'changed' };
  }

  /** Saves every role the roles card names in one change; the answer names the roles that changed and who holds them now. */
  async saveRoles(turn: Turn, data: RolesSaveData, workload: Workload): Promise<VerbOutcome> {
    const roster = await turn.roster();
    const picks = Object.entries(rolePicks(data)) as Array<[Role, string[]]>;
    if (picks.length === 0) return { card: renderRoles(workload, roster, attention('Pick people under a role, then press Save roles.')) };
    const known = new Map<string, Person>([...ROLES.flatMap((r) => workload.roles[r]), ...roster].map((p) => [p.aadObjectId, p]));
    const roles: Partial<Record<Role, Person[]>> = {};
    for (const [role, ids] of picks) {
      const people = ids.map((id) => known.get(id));
      if (people.some((p) => p === undefined)) return { card: renderRoles(workload, roster, attention('Pick people who are members of this conversation.')) };
      roles[role] = people as Person[];
    }
    const result = await this.release.assignRoles(workload, { roles, rolesRev: data.rolesRev, actor: turn.actor });
    if (!result) return { card: missingWorkload() };
    if (result.kind === 'refused') return { card: renderRoles(result.workload, roster, attention(result.message)) };
    const after = result.workload;
    const same = (role: Role) => sameHolders(workload.roles[role], after.roles[role]);
    const line = (role: Role) => `${ROLE_TITLES[role]} → ${names(after.roles[role]) || 'nobody'}`;
    const changed = ROLES.filter((r) => !same(r));
    if (result.kind === 'changed') {
      const named = changed.length ? changed : picks.map(([role]) => role);
      return { card: renderRoles(after, roster, good(`Roles saved: ${named.map(line).join('; ')}.`)), shareWithEveryone: true };
    }
    // The same submit delivered again after it was saved (the card's revision is the one before): answered as it was.
    if (data.rolesRev < after.rolesRev) return { card: renderRoles(after, roster, good(`Roles saved: ${picks.map(([role]) => line(role)).join('; ')}.`)) };
    return { card: renderRoles(after, roster, attention('Nothing changed: every role already has the people picked.')) };
  }
}

const names = (people: Person[]): string => people.map((p) => p.name).join(', ');
const sameHolders = (a: Person[], b: Person[]): boolean => a.length === b.length && a.every((p) => b.some((q) => q.aadObjectId === p.aadObjectId));
