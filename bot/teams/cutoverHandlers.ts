import { renderCutover } from '../../cards/cutover';
import type { Card, ChecklistSection, Notice } from '../../cards/render';
import type { RunbookEdit, WindowDecision } from '../cutover/rules';
import { windowDue } from '../cutover/rules';
import type { CutoverService, Done, WindowPlanInput } from '../cutover/service';
import type { Workload } from '../release/model';
import { formatWallClock } from '../shared/dates';
import { attention, good, VerbOutcome } from './router';
import type { Turn } from './turn';

/** The release window as Teams sees it: one card in the channel, updated in place for everyone after each answer. */
export class CutoverHandlers {
  constructor(private readonly cutover: CutoverService) {}

  async card(turn: Turn, workload: Workload, notice?: Notice): Promise<Card> {
    return renderCutover(await this.cutover.view(workload), notice, turn.timeZone);
  }

  async plan(turn: Turn, data: WindowPlanInput, workload: Workload): Promise<VerbOutcome> {
    const done = await this.cutover.plan(workload, turn.actor, data);
    return this.done(turn, workload, done, (w) => `Window ${w.number} is planned. The stakeholders answer Go or No-go on this card before ${formatWallClock(w.start.local, w.start.timeZone)}.`);
  }

  async answer(turn: Turn, data: { windowId: string; answer: 'go' | 'noGo'; comment: string }, workload: Workload): Promise<VerbOutcome> {
    const done = await this.cutover.answer(workload, data.windowId, turn.actor, data.answer, data.comment);
    return this.done(turn, workload, done, (a) => `${a.voter.name} answered ${a.answer === 'go' ? 'Go' : 'No-go'}.`);
  }

  async step(turn: Turn, data: { windowId: string; stepId: string; outcome: 'done' | 'failed'; note: string }, workload: Workload): Promise<VerbOutcome> {
    const decided = await this.cutover.tick(workload, data.windowId, { stepId: data.stepId, outcome: data.outcome, note: data.note, actor: turn.actor });
    return this.decided(turn, workload, decided, (d) =>
      d.window.state === 'finished' ? `The runbook is complete: traffic rerouted is passed with window ${d.window.number} as its evidence.` : `${turn.actor.name} marked a step ${data.outcome}.`,
    );
  }

  async runbook(
    turn: Turn,
    data: { windowId: string; rev: number; op: 'edit' | 'add' | 'remove'; editStepId: string; stepTitle: string; stepOwner: string; stepMinutes: string; stepPhase: 'forward' | 'rollback' },
    workload: Workload,
  ): Promise<VerbOutcome> {
    const fields = { title: data.stepTitle, ownerRole: data.stepOwner, minutes: data.stepMinutes };
    const edit: RunbookEdit =
      data.op === 'remove'
        ? { op: 'remove', stepId: data.editStepId }
        : data.op === 'add'
          ? { op: 'add', afterStepId: data.editStepId, phase: data.stepPhase, ...fields }
          : { op: 'edit', stepId: data.editStepId, ...fields };
    if (edit.op !== 'add' && !data.editStepId) return { card: await this.card(turn, workload, attention('Pick the step to change.')) };
    const decided = await this.cutover.editRunbook(workload, data.windowId, { edit, rev: data.rev, actor: turn.actor });
    return this.decided(turn, workload, decided, (d) => (d.kind === 'changed' ? d.event.summary : 'The runbook already reads that way.'));
  }

  async rollBack(turn: Turn, data: { windowId: string; reason: string }, workload: Workload): Promise<VerbOutcome> {
    const decided = await this.cutover.rollBack(workload, data.windowId, turn.actor, data.reason);
    return this.decided(turn, workload, decided, (d) => `Window ${d.window.number} is rolled back; traffic rerouted stays open. Run the rollback steps below.`);
  }

  async blackout(
    turn: Turn,
    data: { blackoutName: string; blackoutStartDate: string; blackoutStartTime: string; blackoutEndDate: string; blackoutEndTime: string; blackoutTimeZone: string },
    workload: Workload,
  ): Promise<VerbOutcome> {
    const done = await this.cutover.addBlackout(workload, turn, {
      name: data.blackoutName,
      startDate: data.blackoutStartDate,
      startTime: data.blackoutStartTime,
      endDate: data.blackoutEndDate,
      endTime: data.blackoutEndTime,
      timeZone: data.blackoutTimeZone,
    });
    return this.done(turn, workload, done, (b) => `Blackout "${b.name}" is set: no window of this team may overlap it.`);
  }

  /** The checklist offers the window once ready for production is done. */
  readonly checklistSection = async (_turn: Turn | undefined, workload: Workload): Promise<ChecklistSection[]> => {
    if (!windowDue(workload)) return [];
    return [
      {
        title: 'Release window',
        lines: ['Ready for production is done: plan the release window, collect go/no-go, and run the cutover from one card.'],
        actions: [{ title: 'Release window', verb: 'cutover.show', data: { workloadId: workload.workloadId } }],
      },
    ];
  };

  private async done<T>(turn: Turn, workload: Workload, done: Done<T>, sentence: (value: T) => string): Promise<VerbOutcome> {
    if (done.kind === 'refused') return { card: await this.card(turn, workload, attention(done.message)) };
    return { card: await this.card(turn, workload, good(sentence(done.value))), shareWithEveryone: done.kind === 'changed' };
  }

  private async decided(turn: Turn, workload: Workload, decided: WindowDecision | undefined, sentence: (d: Exclude<WindowDecision, { kind: 'refused' }>) => string): Promise<VerbOutcome> {
    if (!decided) return { card: await this.card(turn, workload, attention('That release window no longer exists.')) };
    if (decided.kind === 'refused') return { card: await this.card(turn, workload, attention(decided.message)) };
    return { card: await this.card(turn, workload, good(sentence(decided))), shareWithEveryone: decided.kind === 'changed' };
  }
}
