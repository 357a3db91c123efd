import { randomBytes } from 'node:crypto';
import type { CutoverRepository } from '../cutover/repository';
import { goNoGoState } from '../cutover/rules';
import type { Logger } from '../log';
import type { Person, Workload } from '../release/model';
import type { ReleaseService } from '../release/service';
import type { PersonAddress } from './model';
import {
  approveEntry,
  cannotPlan,
  checkEntry,
  checkTiming,
  CommPlan,
  dueEntries,
  emptyPlan,
  EntryInput,
  followWindow,
  learnAddresses,
  markSent,
  plannedContent,
  PlanResult,
  resolveAudience,
  saveEntry,
  switchEntry,
  TimingInput,
  WindowMilestones,
} from './plan';
import type { CommPlanRepository } from './planRepository';
import type { BroadcastService } from './service';

export interface CommPlanOptions {
  approvalRequired: boolean;
  /** How long before a release window's start Liftoff's reminder goes. */
  reminderLeadHours: number;
}

/** A person's 1:1 address from their personal chat with Liftoff, when they installed it. */
export type PersonalAddressLookup = (aadObjectId: string) => Promise<PersonAddress | undefined>;

/** The communication plan use cases: plan, edit, approve, turn off; follow the release window; send what is due. */
export class CommPlanService {
  constructor(
    private readonly plans: CommPlanRepository,
    private readonly windows: Pick<CutoverRepository, 'record'>,
    private readonly broadcast: BroadcastService,
    private readonly release: ReleaseService,
    private readonly personal: PersonalAddressLookup,
    readonly options: CommPlanOptions,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
    /** Asks the due-check to run soon (after an approval or a window change made something due). */
    private readonly wake: () => void = () => undefined,
  ) {}

  now(): string {
    return this.clock().toISOString();
  }

  /** The plan of a workload, or an empty one before anything was planned. */
  async view(workload: Workload): Promise<CommPlan> {
    return (await this.plans.get(workload.workloadId)) ?? emptyPlan(workload);
  }

  /** A fresh id for an edit card: the entry it saves keeps it, so a retried Save saves the same entry. */
  newEntryId(): string {
    return `n-${[...randomBytes(6)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('')}`;
  }

  private change(workload: Workload, rule: (plan: CommPlan) => PlanResult): Promise<PlanResult> {
    return this.plans.change(workload.workloadId, () => emptyPlan(workload), rule, this.now());
  }

  /** Keeps where the workload's conversation is and how to reach its role holders, learnt from a turn. */
  async learn(workload: Workload, seen: { serviceUrl: string; members: PersonAddress[] }): Promise<void> {
    await this.change(workload, (plan) => learnAddresses(plan, workload, seen));
  }

  /** Saves a planned notice as typed: 'invalid' (with what to fix) leaves the edit card up; refusals change nothing. */
  async save(workload: Workload, actor: Person, input: Omit<EntryInput, 'timing'> & { timing: TimingInput }): Promise<PlanResult | { kind: 'invalid'; message: string }> {
    const refused = cannotPlan(workload, actor);
    if (refused) return { kind: 'refused', message: refused, plan: await this.view(workload) };
    const checked = checkEntry(input);
    if (!checked.ok) return { kind: 'invalid', message: checked.message };
    const timing = checkTiming(input.timing, this.now());
    if (!timing.ok) return { kind: 'invalid', message: timing.message };
    return this.change(workload, (plan) => saveEntry(plan, { workload, actor, input: { ...input, timing: timing.timing }, approvalRequired: this.options.approvalRequired, now: this.now() }));
  }

  async approve(workload: Workload, actor: Person, entryId: string): Promise<PlanResult> {
    const result = await this.change(workload, (plan) => approveEntry(plan, { workload, actor, entryId }));
    if (result.kind === 'changed') this.wake();
    return result;
  }

  switch(workload: Workload, actor: Person, entryId: string, on: boolean): Promise<PlanResult> {
    return this.change(workload, (plan) => switchEntry(plan, { workload, actor, entryId, on, approvalRequired: this.options.approvalRequired }));
  }

  /** The release window changed (planned, answered, finished, rolled back): the plan follows its latest window. */
  async windowChanged(workloadId: string): Promise<void> {
    const workload = await this.release.get(workloadId);
    if (!workload) return;
    const { windows, answers } = await this.windows.record(workloadId);
    const latest = windows[windows.length - 1];
    if (!latest) return;
    const milestones: WindowMilestones = {
      windowId: latest.windowId,
      number: latest.number,
      state: latest.state,
      held: goNoGoState(latest, answers).kind === 'held',
      start: latest.start,
      end: latest.end,
      ...(latest.finishedAt ? { finishedAt: latest.finishedAt } : {}),
      ...(latest.rolledBackAt ? { rolledBackAt: latest.rolledBackAt } : {}),
    };
    const options = { reminderLeadHours: this.options.reminderLeadHours, approvalRequired: this.options.approvalRequired, now: this.now() };
    const result = await this.change(workload, (plan) => followWindow(plan, milestones, latest.plannedBy, options));
    if (result.kind === 'changed') this.wake();
  }

  /** The periodic due-check: sends every planned notice whose time has come; answers how many went out. */
  async sweep(): Promise<number> {
    let sent = 0;
    for (const workloadId of await this.plans.due(this.now())) {
      try {
        sent += await this.sendDue(workloadId);
      } catch (error) {
        this.log.error({ event: 'plan.send_failed', workloadId, err: error }, 'could not send a planned notice; the next due-check tries again');
      }
    }
    return sent;
  }

  /** Sends the due notices of one plan through the broadcast sender, each under its natural id, then marks them sent. */
  private async sendDue(workloadId: string): Promise<number> {
    const [plan, workload] = await Promise.all([this.plans.get(workloadId), this.release.get(workloadId)]);
    if (!plan || !workload) return 0;
    let sent = 0;
    for (const entry of dueEntries(plan, this.now())) {
      const personal: Record<string, PersonAddress> = {};
      for (const role of entry.audience.roles) {
        for (const holder of workload.roles[role]) {
          if (plan.addresses[holder.aadObjectId] || personal[holder.aadObjectId]) continue;
          const address = await this.personal(holder.aadObjectId);
          if (address) personal[holder.aadObjectId] = address;
        }
      }
      const { audience, unreached } = resolveAudience(entry.audience, workload, { ...(plan.serviceUrl ? { serviceUrl: plan.serviceUrl } : {}), addresses: plan.addresses, personal });
      const notice = await this.broadcast.dispatchPlanned({
        workload,
        noticeId: entry.noticeId,
        content: plannedContent(entry, plan.window),
        audience,
        author: entry.editedBy,
        ...(entry.approvedBy ? { approvedBy: entry.approvedBy } : {}),
      });
      if (!notice) continue;
      const now = this.now();
      await this.change(workload, (current) => markSent(current, entry.id, now, unreached));
      if (unreached.length) this.log.warn({ event: 'plan.unreached', workloadId, entryId: entry.id, unreached: unreached.length }, 'a planned notice went out without some of its audience');
      this.log.info({ event: 'plan.sent', workloadId, entryId: entry.id, noticeId: entry.noticeId }, 'a planned notice was due and went to the sender');
      sent += 1;
    }
    return sent;
  }
}
