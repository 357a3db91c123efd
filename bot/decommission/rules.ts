import type { AuditEvent, Person, Role, Workload } from '../release/model';
import { ROLE_TITLES } from '../release/model';
import { holdsRole, isClosed, passGateOnBehalf } from '../release/rules';
import { formatWhen } from '../shared/dates';
import {
  Asset,
  ASSET_STEPS,
  AssetStep,
  COST_REVIEW_GATE,
  CostReview,
  CostReviewSummary,
  DECOMMISSION_GATE,
  DecommissionPlan,
  DecommissionSummary,
  Optimization,
  OPTIMIZATION_KINDS,
  OPTIMIZATION_TITLES,
  OptimizationKind,
  STEP_TITLES,
} from './model';

/** Pure decommission and cost review rules: no I/O, no clock. Callers pass time and ids in. */

export const MAX_ASSETS = 200;
export const MAX_PASTED_LINES = 100;
export const MAX_NOTE = 500;
export const MAX_HOLD_DAYS = 365;
const DAY_MS = 86_400_000;
const PROMOTION_GATE = 'traffic-rerouted';
const COST_REVIEWERS: readonly Role[] = ['workloadArchitect', 'cloudOperations', 'projectManager'];
/** Who the sweeps act as in the audit trail. */
export const LIFTOFF: Person = { aadObjectId: 'liftoff', name: 'Liftoff' };

type Event = Omit<AuditEvent, 'id'>;

/** What a rule decided about a document of the workload: stored with the workload (its summary, a gate) and events in one batch. */
export type Decided<D> = { kind: 'changed'; doc?: D; workload: Workload; events: Event[]; gatePassed?: boolean } | { kind: 'unchanged'; doc?: D } | { kind: 'refused'; message: string; doc?: D };

/** Made once: `toLocaleString` with options builds a new formatter on every call, which a checklist turn felt. */
const WHOLE = new Intl.NumberFormat('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 });
const CENTS = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** An amount of money a month as cards and evidence write it: 1,250.5 → "1,250.50". */
export function money(amount: number): string {
  return (Number.isInteger(amount) ? WHOLE : CENTS).format(amount);
}

export const DEFAULT_CURRENCY = 'USD';

/** An amount with its ISO 4217 code, as cards, `list` and evidence write it: "USD 1,250.50". */
export const formatMoney = (amount: number, currency: string = DEFAULT_CURRENCY): string => `${currency} ${money(amount)}`;

/** Reads "1,250.50", "€ 420" or "300 EUR/month" as an amount, or undefined. */
export function amountOf(text: string): number | undefined {
  const cleaned = text
    .trim()
    .replace(/\/\s*(month|mo)$/i, '')
    .replace(/^[€$£]|[€$£]$|^(EUR|USD|GBP)\b|\b(EUR|USD|GBP)$/gi, '')
    .trim()
    .replace(/,(?=\d{3}(\D|$))/g, '');
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(cleaned)) return undefined;
  return Number(cleaned);
}

const sameText = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();
const clean = (text: string): string => text.trim().replace(/\s+/g, ' ');

/** A new asset as parsed from a line, before it has a number. */
export type NewAsset = Pick<Asset, 'name' | 'kind' | 'location' | 'monthlyCost' | 'owner'>;

/** Finds the owner a line names among the people of the conversation: by AAD object id, or by name. */
function ownerOf(typed: string, people: readonly Person[]): Person | string {
  const byId = people.find((p) => p.aadObjectId === typed.trim());
  if (byId) return byId;
  const named = people.filter((p) => sameText(p.name, typed));
  if (named.length === 1) return named[0]!;
  if (named.length > 1) return `more than one member is named "${clean(typed)}"; pick the owner on the card`;
  return typed.trim() ? `nobody named "${clean(typed).slice(0, 60)}" is a member of this conversation` : 'name the owner';
}

/**
 * Reads pasted lines, one asset a line: `name; kind; location; monthly cost; owner`. Blank lines are skipped;
 * every line with a problem is named by its number.
 */
export function parseAssetLines(text: string, people: readonly Person[]): { ok: true; assets: NewAsset[] } | { ok: false; errors: string[] } {
  const lines = text.split(/\r?\n/);
  const filled = lines.map((line, i) => ({ line: line.trim(), number: i + 1 })).filter((l) => l.line);
  if (filled.length === 0) return { ok: false, errors: ['Paste one asset a line: name; kind; location; monthly cost; owner.'] };
  if (filled.length > MAX_PASTED_LINES) return { ok: false, errors: [`Paste at most ${MAX_PASTED_LINES} lines at a time.`] };
  const assets: NewAsset[] = [];
  const errors: string[] = [];
  for (const { line, number } of filled) {
    const fields = line.split(';').map((f) => f.trim());
    if (fields.length !== 5) {
      errors.push(`Line ${number}: give five fields separated by ";" (name; kind; location; monthly cost; owner), not ${fields.length}.`);
      continue;
    }
    const [name, kind, location, cost, owner] = fields as [string, string, string, string, string];
    const checked = checkAsset({ name, kind, location, cost, owner }, people);
    if (typeof checked === 'string') errors.push(`Line ${number}: ${checked}.`);
    else assets.push(checked);
  }
  return errors.length ? { ok: false, errors } : { ok: true, assets };
}

/** Checks one asset's fields; a phrase saying what is wrong, or the asset. */
export function checkAsset(fields: { name: string; kind: string; location: string; cost: string; owner: string }, people: readonly Person[]): NewAsset | string {
  const name = clean(fields.name);
  const kind = clean(fields.kind);
  const location = clean(fields.location);
  if (!name || [...name].length > 120) return 'give the asset a name of at most 120 characters';
  if (!kind || [...kind].length > 60) return 'give its kind (a VM, a database, a load balancer) in at most 60 characters';
  if (!location || [...location].length > 120) return 'say where it is (a datacenter, a rack, a subscription) in at most 120 characters';
  const monthlyCost = amountOf(fields.cost);
  if (monthlyCost === undefined) return `give the monthly cost as a number, for example 420.50 (not "${clean(fields.cost).slice(0, 30)}")`;
  const owner = ownerOf(fields.owner, people);
  if (typeof owner === 'string') return owner;
  return { name, kind, location, monthlyCost, owner };
}

const sameAsset = (a: NewAsset, b: NewAsset): boolean =>
  a.name === b.name && a.kind === b.kind && a.location === b.location && a.monthlyCost === b.monthlyCost && a.owner.aadObjectId === b.owner.aadObjectId;

const promoted = (workload: Workload): boolean => isClosed(workload.gates.find((g) => g.id === PROMOTION_GATE)?.status ?? 'pending');

/** The summary the checklist and `list` show. */
export function decommissionSummaryOf(plan: DecommissionPlan): DecommissionSummary {
  const closed = plan.assets.filter((a) => a.step === 'disposed' || a.step === 'kept').length;
  return { assets: plan.assets.length, closed, savingsMonthly: savingsOf(plan), ...(plan.currency ? { currency: plan.currency } : {}) };
}

/** The monthly savings realised: the monthly cost of every disposed asset. */
export const savingsOf = (plan: DecommissionPlan): number => Math.round(plan.assets.filter((a) => a.step === 'disposed').reduce((sum, a) => sum + a.monthlyCost, 0) * 100) / 100;

/** The earliest hold end not yet reminded. */
function nextReminderOf(assets: Asset[]): string | undefined {
  return assets
    .filter((a) => a.step === 'held' && a.holdEndsAt && !a.remindedAt)
    .map((a) => a.holdEndsAt!)
    .sort()[0];
}

/** The evidence the decommission gate keeps: the asset list and the monthly savings realised. */
export function decommissionEvidence(plan: DecommissionPlan): string {
  const lines = plan.assets.map((a) => `${a.name} (${a.kind}, ${a.location}, ${formatMoney(a.monthlyCost, plan.currency)}/month) ${a.step === 'kept' ? `kept: ${a.keptReason ?? ''}` : 'disposed'}`);
  const savings = `Monthly savings realised: ${formatMoney(savingsOf(plan), plan.currency)}.`;
  const list = `${plan.assets.length} asset${plan.assets.length === 1 ? '' : 's'}: ${lines.join('; ')}.`;
  return list.length + savings.length + 1 > 1000 ? `${list.slice(0, 998 - savings.length)}… ${savings}` : `${list} ${savings}`;
}

/** The plan as changed, with its summary on the workload, and the gate passed when every asset is disposed or kept. */
function planChanged(plan: DecommissionPlan, workload: Workload, event: Event, actor: Person, now: string, currency = DEFAULT_CURRENCY): Decided<DecommissionPlan> {
  const next = nextReminderOf(plan.assets);
  const { nextReminderAt: _old, ...rest } = plan;
  const stored: DecommissionPlan = { ...rest, currency, ...(next ? { nextReminderAt: next } : {}) };
  const summary = decommissionSummaryOf(stored);
  let changed: Workload = { ...workload, summaries: { ...workload.summaries, decommission: summary } };
  const events = [event];
  let gatePassed = false;
  if (summary.assets > 0 && summary.closed === summary.assets) {
    const gate = passGateOnBehalf(changed, { gateId: DECOMMISSION_GATE, actor, evidence: decommissionEvidence(stored), now });
    if (gate.kind === 'changed') {
      changed = gate.workload;
      events.push(gate.event);
      gatePassed = true;
    }
  }
  return { kind: 'changed', doc: stored, workload: changed, events, gatePassed };
}

const notCloudOperations = (workload: Workload, actor: Person): string | undefined =>
  holdsRole(workload, 'cloudOperations', actor.aadObjectId)
    ? undefined
    : `Only someone holding the ${ROLE_TITLES.cloudOperations} role lists and retires the assets of ${workload.name} (${workload.roles.cloudOperations.map((p) => p.name).join(', ') || 'nobody yet; the project manager assigns one with Roles'}).`;

/** Adds assets to the list; the same assets again (a retried press) change nothing. */
export function listAssets(plan: DecommissionPlan | undefined, workload: Workload, request: { assets: NewAsset[]; actor: Person; now: string; currency?: string }): Decided<DecommissionPlan> {
  const refusal = notCloudOperations(workload, request.actor);
  if (refusal) return { kind: 'refused', message: refusal, ...(plan ? { doc: plan } : {}) };
  const existing = plan?.assets ?? [];
  const fresh: NewAsset[] = [];
  for (const asset of request.assets) {
    const known = existing.find((a) => sameText(a.name, asset.name)) ?? fresh.find((a) => sameText(a.name, asset.name));
    if (known && sameAsset(known, asset) && existing.includes(known as Asset)) continue;
    if (known) return { kind: 'refused', message: `"${asset.name}" is listed already; give each asset its own name.`, ...(plan ? { doc: plan } : {}) };
    fresh.push(asset);
  }
  if (fresh.length === 0) return { kind: 'unchanged', ...(plan ? { doc: plan } : {}) };
  if (existing.length + fresh.length > MAX_ASSETS) return { kind: 'refused', message: `A workload lists at most ${MAX_ASSETS} assets.`, ...(plan ? { doc: plan } : {}) };
  // Numbers are never reused: a card naming a removed asset never reaches another one.
  let number = [...existing, ...(plan?.removed ?? [])].reduce((max, a) => Math.max(max, a.number), 0);
  const added: Asset[] = fresh.map((a) => {
    number += 1;
    return { id: `asset-${number}`, number, ...a, step: 'listed', steps: [{ step: 'listed', by: request.actor, at: request.now }] };
  });
  const next: DecommissionPlan = {
    id: 'decommission',
    workloadId: workload.workloadId,
    type: 'decommission',
    workloadName: workload.name,
    assets: [...existing, ...added],
    ...(plan?.removed ? { removed: plan.removed } : {}),
    rev: (plan?.rev ?? 0) + 1,
    ...(plan?._etag ? { _etag: plan._etag } : {}),
  };
  const names = added.map((a) => a.name).join(', ');
  const event: Event = {
    workloadId: workload.workloadId,
    type: 'event',
    at: request.now,
    actor: request.actor,
    action: 'assets.listed',
    summary: `${request.actor.name} listed ${added.length} retired asset${added.length === 1 ? '' : 's'}: ${names}.`.slice(0, 1000),
  };
  return planChanged(next, workload, event, request.actor, request.now, request.currency);
}

export interface AssetMove {
  assetId: string;
  to: AssetStep;
  note: string;
  /** Days to hold for, when the asset is held. */
  holdDays: number;
  actor: Person;
  now: string;
  currency?: string;
}

const stepName = (step: AssetStep): string => STEP_TITLES[step].split(':')[0]!.toLowerCase();

/** Moves an asset to its next CAF step, or keeps it with a reason; steps go in order, none is skipped. */
export function moveAsset(plan: DecommissionPlan | undefined, workload: Workload, move: AssetMove): Decided<DecommissionPlan> {
  const refuse = (message: string): Decided<DecommissionPlan> => ({ kind: 'refused', message, ...(plan ? { doc: plan } : {}) });
  const refusal = notCloudOperations(workload, move.actor);
  if (refusal) return refuse(refusal);
  const asset = plan?.assets.find((a) => a.id === move.assetId);
  if (!plan || !asset) return refuse('That asset is not on the list of this workload any more. Here is the current list.');
  const last = asset.steps[asset.steps.length - 1];
  if (asset.step === move.to && last?.by.aadObjectId === move.actor.aadObjectId) return { kind: 'unchanged', doc: plan };
  if (asset.step === 'disposed' || asset.step === 'kept') {
    return refuse(`"${asset.name}" is ${asset.step} already (${last ? `${last.by.name}, ${formatWhen(last.at)}` : ''}); nothing was changed.`);
  }
  const note = move.note.trim();
  if (note.length > MAX_NOTE) return refuse(`Keep the note under ${MAX_NOTE} characters.`);
  if (move.to === 'kept') {
    if (!note) return refuse(`Say why "${asset.name}" is kept: a kept asset needs a reason.`);
  } else {
    const next = ASSET_STEPS[ASSET_STEPS.indexOf(asset.step) + 1];
    if (move.to !== next || !next) {
      return refuse(`"${asset.name}" is ${stepName(asset.step)}; its next step is "${STEP_TITLES[next ?? 'disposed']}". Steps go in order and none is skipped; nothing was changed.`);
    }
    if (!promoted(workload)) return refuse(`Traffic is not rerouted yet: assets are monitored from the cutover on. "${asset.name}" stays listed.`);
    if (move.to === 'held') {
      if (!note) return refuse(`Say how the data of "${asset.name}" is retained during the hold (a backup, a snapshot, an archive, or none needed).`);
      if (!Number.isInteger(move.holdDays) || move.holdDays < 1 || move.holdDays > MAX_HOLD_DAYS) return refuse(`Hold an asset for 1 to ${MAX_HOLD_DAYS} days.`);
    }
    if (move.to === 'disposed' && asset.holdEndsAt && move.now < asset.holdEndsAt) {
      return refuse(`"${asset.name}" is held until ${formatWhen(asset.holdEndsAt)}; dispose of it when the hold ends.`);
    }
  }
  const moved: Asset = {
    ...asset,
    step: move.to,
    steps: [...asset.steps, { step: move.to, by: move.actor, at: move.now, ...(note ? { note } : {}) }],
    ...(move.to === 'held' ? { holdDays: move.holdDays, holdEndsAt: new Date(Date.parse(move.now) + move.holdDays * DAY_MS).toISOString(), retention: note } : {}),
    ...(move.to === 'kept' ? { keptReason: note } : {}),
  };
  const what = move.to === 'held' ? `held for ${move.holdDays} days (data retention: ${note})` : move.to === 'kept' ? `kept: ${note}` : `${stepName(move.to)}${note ? `: ${note}` : ''}`;
  const event: Event = {
    workloadId: workload.workloadId,
    type: 'event',
    at: move.now,
    actor: move.actor,
    action: 'asset.step',
    summary: `${move.actor.name} marked "${asset.name}" ${what}.`.slice(0, 1000),
  };
  return planChanged({ ...plan, assets: plan.assets.map((a) => (a.id === asset.id ? moved : a)), rev: plan.rev + 1 }, workload, event, move.actor, move.now, move.currency);
}

/** The held assets whose hold has ended and whose owner has not been reminded yet. */
export const holdsEnded = (plan: DecommissionPlan, now: string): Asset[] => plan.assets.filter((a) => a.step === 'held' && a.holdEndsAt && a.holdEndsAt <= now && !a.remindedAt);

/** Marks the owners of these assets reminded (the durable marker, written before the reminder goes out). */
export function markReminded(plan: DecommissionPlan | undefined, workload: Workload, now: string): Decided<DecommissionPlan> {
  const due = plan ? holdsEnded(plan, now) : [];
  if (!plan || due.length === 0) return { kind: 'unchanged', ...(plan ? { doc: plan } : {}) };
  const ids = new Set(due.map((a) => a.id));
  const assets = plan.assets.map((a) => (ids.has(a.id) ? { ...a, remindedAt: now } : a));
  const next = nextReminderOf(assets);
  const { nextReminderAt: _old, ...rest } = plan;
  const event: Event = {
    workloadId: workload.workloadId,
    type: 'event',
    at: now,
    actor: LIFTOFF,
    action: 'asset.reminded',
    summary: `The hold ended for ${due.map((a) => `"${a.name}" (owner ${a.owner.name})`).join(', ')}; Liftoff reminded the owner to dispose of it or keep it.`.slice(0, 1000),
  };
  return { kind: 'changed', doc: { ...rest, assets, rev: plan.rev + 1, ...(next ? { nextReminderAt: next } : {}) }, workload, events: [event] };
}

/** Whether the checklist offers the decommission card: from the cutover on, or once assets are listed. */
export const decommissionOpen = (workload: Workload): boolean => promoted(workload) || (workload.summaries?.decommission?.assets ?? 0) > 0;

// Correcting the list: an asset edited (a typo, a wrong cost or owner) or removed (listed by mistake).

/** The revision of an asset's fields a card shows: 1 until it is edited. */
export const assetRev = (asset: Asset): number => asset.rev ?? 1;

/** Whether an asset may still be removed: never powered off (a switched-off asset is kept with a reason instead). */
export const removable = (asset: Asset): boolean => !asset.steps.some((s) => s.step === 'poweredOff');

/** Whether an asset's name, kind, location, cost and owner may still be edited: until it is disposed. */
export const editable = (asset: Asset): boolean => asset.step !== 'disposed';

export interface AssetEdit {
  assetId: string;
  /** The asset's revision on the card the edit was made on. */
  seenRev: number;
  fields: { name: string; kind: string; location: string; cost: string; owner: string };
  people: readonly Person[];
  actor: Person;
  now: string;
  currency?: string;
}

const removedNote = (plan: DecommissionPlan, assetId: string): string | undefined => {
  const gone = plan.removed?.find((r) => r.id === assetId);
  return gone ? `"${gone.name}" was removed from the list by ${gone.by.name} on ${formatWhen(gone.at)}` : undefined;
};

/** Corrects an asset's name, kind, location, monthly cost or owner, until it is disposed; a card drawn before another edit is refused. */
export function editAsset(plan: DecommissionPlan | undefined, workload: Workload, edit: AssetEdit): Decided<DecommissionPlan> {
  const refuse = (message: string): Decided<DecommissionPlan> => ({ kind: 'refused', message, ...(plan ? { doc: plan } : {}) });
  const refusal = notCloudOperations(workload, edit.actor);
  if (refusal) return refuse(refusal);
  const asset = plan?.assets.find((a) => a.id === edit.assetId);
  if (!plan || !asset) return refuse(`${(plan && removedNote(plan, edit.assetId)) ?? 'That asset is not on the list of this workload any more'}; nothing was changed. Here is the current list.`);
  // The current owner, named as the card shows them, stays the owner even when another member bears the same name.
  const namesOwner = edit.fields.owner.trim() === asset.owner.aadObjectId || sameText(edit.fields.owner, asset.owner.name);
  const checked = checkAsset({ ...edit.fields, owner: namesOwner ? asset.owner.aadObjectId : edit.fields.owner }, [asset.owner, ...edit.people]);
  if (typeof checked === 'string') return refuse(`Nothing was changed: ${checked}.`);
  if (sameAsset(checked, asset)) return { kind: 'unchanged', doc: plan };
  const last = asset.steps[asset.steps.length - 1];
  if (!editable(asset)) return refuse(`"${asset.name}" is disposed (${last ? `${last.by.name}, ${formatWhen(last.at)}` : ''}): its record stays as it was; nothing was changed.`);
  if (edit.seenRev !== assetRev(asset)) {
    const by = asset.edited ? ` by ${asset.edited.by.name} on ${formatWhen(asset.edited.at)}` : '';
    return refuse(`"${asset.name}" was edited${by} after this card was drawn; yours was not recorded. Here is the current list: edit it again there.`);
  }
  if (plan.assets.some((a) => a.id !== asset.id && sameText(a.name, checked.name))) return refuse(`"${checked.name}" is listed already; give each asset its own name. Nothing was changed.`);
  const m = (amount: number): string => formatMoney(amount, edit.currency);
  const changes = [
    asset.name !== checked.name ? `name "${asset.name}" → "${checked.name}"` : '',
    asset.kind !== checked.kind ? `kind ${asset.kind} → ${checked.kind}` : '',
    asset.location !== checked.location ? `location ${asset.location} → ${checked.location}` : '',
    asset.monthlyCost !== checked.monthlyCost ? `monthly cost ${m(asset.monthlyCost)} → ${m(checked.monthlyCost)}` : '',
    asset.owner.aadObjectId !== checked.owner.aadObjectId ? `owner ${asset.owner.name} → ${checked.owner.name}` : '',
  ].filter(Boolean);
  const edited: Asset = { ...asset, ...checked, rev: assetRev(asset) + 1, edited: { by: edit.actor, at: edit.now } };
  const event: Event = {
    workloadId: workload.workloadId,
    type: 'event',
    at: edit.now,
    actor: edit.actor,
    action: 'asset.edited',
    summary: `${edit.actor.name} edited "${asset.name}": ${changes.join('; ')}.`.slice(0, 1000),
  };
  return planChanged({ ...plan, assets: plan.assets.map((a) => (a.id === asset.id ? edited : a)), rev: plan.rev + 1 }, workload, event, edit.actor, edit.now, edit.currency);
}

/** Removes an asset listed by mistake, until it is powered off; a retried removal changes nothing. */
export function removeAsset(plan: DecommissionPlan | undefined, workload: Workload, request: { assetId: string; actor: Person; now: string; currency?: string }): Decided<DecommissionPlan> {
  const refuse = (message: string): Decided<DecommissionPlan> => ({ kind: 'refused', message, ...(plan ? { doc: plan } : {}) });
  const refusal = notCloudOperations(workload, request.actor);
  if (refusal) return refuse(refusal);
  const asset = plan?.assets.find((a) => a.id === request.assetId);
  if (plan && !asset && removedNote(plan, request.assetId)) return { kind: 'unchanged', doc: plan };
  if (!plan || !asset) return refuse('That asset is not on the list of this workload any more; nothing was changed. Here is the current list.');
  if (!removable(asset)) return refuse(`"${asset.name}" was powered off already: it stays on the list; keep it with a reason, or take it on to disposal. Nothing was changed.`);
  const removed = [...(plan.removed ?? []), { id: asset.id, number: asset.number, name: asset.name, by: request.actor, at: request.now }];
  const event: Event = {
    workloadId: workload.workloadId,
    type: 'event',
    at: request.now,
    actor: request.actor,
    action: 'asset.removed',
    summary:
      `${request.actor.name} removed "${asset.name}" (${asset.kind}, ${asset.location}, ${formatMoney(asset.monthlyCost, request.currency)}/month, owner ${asset.owner.name}) from the list; it was ${stepName(asset.step)}.`.slice(
        0,
        1000,
      ),
  };
  return planChanged({ ...plan, assets: plan.assets.filter((a) => a.id !== asset.id), removed, rev: plan.rev + 1 }, workload, event, request.actor, request.now, request.currency);
}

/** Marks the owners of these assets as not reached one to one (once): the durable marker before the channel is told. */
export function markOwnersUnreached(plan: DecommissionPlan | undefined, workload: Workload, request: { assetIds: string[]; now: string }): Decided<DecommissionPlan> {
  const due = plan ? plan.assets.filter((a) => request.assetIds.includes(a.id) && !a.ownerUnreachedAt) : [];
  if (!plan || due.length === 0) return { kind: 'unchanged', ...(plan ? { doc: plan } : {}) };
  const ids = new Set(due.map((a) => a.id));
  const event: Event = {
    workloadId: workload.workloadId,
    type: 'event',
    at: request.now,
    actor: LIFTOFF,
    action: 'asset.owner_unreached',
    summary: `Liftoff could not remind ${unreachedOwnersText(due)} one to one and told the workload's conversation.`.slice(0, 1000),
  };
  return { kind: 'changed', doc: { ...plan, assets: plan.assets.map((a) => (ids.has(a.id) ? { ...a, ownerUnreachedAt: request.now } : a)), rev: plan.rev + 1 }, workload, events: [event] };
}

/** "Dana DBA (owner of "payroll-lb")", each owner once with their assets. */
export function unreachedOwnersText(assets: readonly Asset[]): string {
  const byOwner = new Map<string, { name: string; assets: string[] }>();
  for (const a of assets) {
    const entry = byOwner.get(a.owner.aadObjectId) ?? { name: a.owner.name, assets: [] };
    entry.assets.push(`"${a.name}"`);
    byOwner.set(a.owner.aadObjectId, entry);
  }
  return [...byOwner.values()].map((o) => `${o.name} (owner of ${o.assets.join(', ')})`).join(', ');
}

// The cost review after migration.

const KIND_WORDS: Array<[OptimizationKind, RegExp]> = [
  ['rightsizing', /^right[\s-]?siz(e|ing)$/i],
  ['reservation', /^(reservation|reserved instances?|ri)$/i],
  ['savingsPlan', /^savings?[\s-]?plans?$/i],
  ['advisor', /^(advisor|azure advisor|advisor recommendation)$/i],
  ['other', /^other$/i],
];

/** Reads the optimizations typed one a line: `kind; what was done; monthly saving`, each problem named by its line. */
export function parseOptimizations(text: string): { ok: true; optimizations: Optimization[] } | { ok: false; errors: string[] } {
  const optimizations: Optimization[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const fields = line.split(';').map((f) => f.trim());
    const kind = KIND_WORDS.find(([, words]) => words.test(fields[0] ?? ''))?.[0];
    const saving = fields.length === 3 ? amountOf(fields[2]!) : undefined;
    const what = clean(fields[1] ?? '');
    if (fields.length !== 3) errors.push(`Line ${i + 1}: give three fields separated by ";" (kind; what was done; monthly saving).`);
    else if (!kind) errors.push(`Line ${i + 1}: the kind is one of ${OPTIMIZATION_KINDS.map((k) => OPTIMIZATION_TITLES[k].toLowerCase()).join(', ')}.`);
    else if (!what || [...what].length > 200) errors.push(`Line ${i + 1}: say what was done, in at most 200 characters.`);
    else if (saving === undefined) errors.push(`Line ${i + 1}: give the monthly saving as a number, for example 310.`);
    else optimizations.push({ kind, what, monthlySaving: saving });
  });
  if (optimizations.length + errors.length > 30) return { ok: false, errors: ['List at most 30 optimizations.'] };
  return errors.length ? { ok: false, errors } : { ok: true, optimizations };
}

export const optimizationSavings = (optimizations: Optimization[]): number => Math.round(optimizations.reduce((sum, o) => sum + o.monthlySaving, 0) * 100) / 100;

/** The evidence the cost review gate keeps. */
export function costReviewEvidence(review: CostReview, currency = DEFAULT_CURRENCY): string {
  const m = (amount: number): string => formatMoney(amount, currency);
  const taken = review.optimizations.map((o) => `${OPTIMIZATION_TITLES[o.kind]}: ${o.what} (${m(o.monthlySaving)}/month)`).join('; ');
  return `Planned ${m(review.plannedMonthly ?? 0)}/month, actual ${m(review.actualMonthly ?? 0)}/month. Optimizations: ${taken || 'none'}; saving ${m(optimizationSavings(review.optimizations))}/month. Decision: ${review.decision}`.slice(
    0,
    1000,
  );
}

export interface CostReviewInput {
  planned: string;
  actual: string;
  optimizations: string;
  decision: string;
  /** Pass the review (the workload architect), or only save what is filled in. */
  pass: boolean;
  actor: Person;
  now: string;
  currency?: string;
}

const costSummary = (workload: Workload, review: CostReview, currency = DEFAULT_CURRENCY): CostReviewSummary => {
  const { askedAt, remindedAt, unreached } = workload.summaries?.costReview ?? {};
  return {
    currency,
    state: review.state,
    ...(review.plannedMonthly !== undefined ? { plannedMonthly: review.plannedMonthly } : {}),
    ...(review.actualMonthly !== undefined ? { actualMonthly: review.actualMonthly } : {}),
    savingsMonthly: optimizationSavings(review.optimizations),
    ...(askedAt ? { askedAt } : {}),
    ...(remindedAt ? { remindedAt } : {}),
    ...(unreached ? { unreached } : {}),
  };
};

/** Fills in the cost review (the architect, cloud operations or the project manager), or passes it (the architect). */
export function reviewCosts(review: CostReview | undefined, workload: Workload, input: CostReviewInput): Decided<CostReview> {
  const refuse = (message: string): Decided<CostReview> => ({ kind: 'refused', message, ...(review ? { doc: review } : {}) });
  if (!COST_REVIEWERS.some((r) => holdsRole(workload, r, input.actor.aadObjectId))) {
    return refuse(`Only the workload architect, cloud operations or the project manager of ${workload.name} fill in its cost review.`);
  }
  if (input.pass && !holdsRole(workload, 'workloadArchitect', input.actor.aadObjectId)) {
    return refuse(`Only the ${ROLE_TITLES.workloadArchitect} passes the cost review (${workload.roles.workloadArchitect.map((p) => p.name).join(', ') || 'nobody yet'}); yours can be saved for them.`);
  }
  if (!promoted(workload)) return refuse('The cost review compares the cost of the migrated workload after promotion: traffic is not rerouted yet.');
  if (review?.state === 'passed') return refuse(`The cost review is passed already by ${review.updatedBy.name} on ${formatWhen(review.updatedAt)}; nothing was changed.`);
  const planned = input.planned.trim() ? amountOf(input.planned) : undefined;
  const actual = input.actual.trim() ? amountOf(input.actual) : undefined;
  if (input.planned.trim() && planned === undefined) return refuse('Give the planned monthly cost as a number, for example 12,000.');
  if (input.actual.trim() && actual === undefined) return refuse('Give the actual monthly cost as a number, for example 10,450.');
  const parsed = parseOptimizations(input.optimizations);
  if (!parsed.ok) return refuse(parsed.errors.join(' '));
  const decision = clean(input.decision);
  if (decision.length > MAX_NOTE) return refuse(`Keep the decision under ${MAX_NOTE} characters.`);
  if (input.pass && (planned === undefined || actual === undefined || !decision)) {
    return refuse('To pass the cost review give the planned and the actual monthly cost and the decision taken.');
  }
  const next: CostReview = {
    id: 'cost-review',
    workloadId: workload.workloadId,
    type: 'costReview',
    workloadName: workload.name,
    ...(planned !== undefined ? { plannedMonthly: planned } : {}),
    ...(actual !== undefined ? { actualMonthly: actual } : {}),
    optimizations: parsed.optimizations,
    decision,
    state: input.pass ? 'passed' : 'draft',
    rev: (review?.rev ?? 0) + 1,
    updatedBy: input.actor,
    updatedAt: input.now,
    ...(review?._etag ? { _etag: review._etag } : {}),
  };
  if (review && !input.pass && JSON.stringify({ ...review, rev: 0, updatedAt: '', _etag: '' }) === JSON.stringify({ ...next, rev: 0, updatedAt: '', _etag: '' })) {
    return { kind: 'unchanged', doc: review };
  }
  let changed: Workload = { ...workload, summaries: { ...workload.summaries, costReview: costSummary(workload, next, input.currency) } };
  const events: Event[] = [
    {
      workloadId: workload.workloadId,
      type: 'event',
      at: input.now,
      actor: input.actor,
      action: 'costReview.saved',
      summary: `${input.actor.name} ${input.pass ? 'passed' : 'saved'} the cost review: ${costReviewEvidence(next, input.currency)}`.slice(0, 1000),
    },
  ];
  if (input.pass) {
    // A workload created before the cost review gate existed gets it now, pending, to be passed.
    if (!changed.gates.some((g) => g.id === COST_REVIEW_GATE)) changed = { ...changed, gates: [...changed.gates, { id: COST_REVIEW_GATE, status: 'pending', rev: 1 }] };
    const gate = passGateOnBehalf(changed, { gateId: COST_REVIEW_GATE, actor: input.actor, evidence: costReviewEvidence(next, input.currency), now: input.now });
    if (gate.kind === 'refused') return refuse(`${gate.message} The review was not passed; save it and pass it then.`);
    if (gate.kind === 'changed') {
      changed = gate.workload;
      events.push(gate.event);
    }
  }
  return { kind: 'changed', doc: next, workload: changed, events, gatePassed: input.pass };
}

/** When promotion was recorded, if it was. */
const promotedAt = (workload: Workload): string | undefined => {
  const gate = workload.gates.find((g) => g.id === PROMOTION_GATE);
  return gate && isClosed(gate.status) ? gate.decidedAt : undefined;
};

/** Whether Liftoff should ask for the cost review now: `afterDays` after promotion, once, while the review is open. */
export function costReviewDue(workload: Workload, now: string, afterDays: number): boolean {
  const at = promotedAt(workload);
  const gate = workload.gates.find((g) => g.id === COST_REVIEW_GATE);
  if (!at || (gate && isClosed(gate.status)) || workload.summaries?.costReview?.askedAt) return false;
  return Date.parse(at) + afterDays * DAY_MS <= Date.parse(now);
}

/** The durable markers of asking in the channel and reminding the owner, each set once. */
export function markCostReviewAsked(workload: Workload, marker: 'askedAt' | 'remindedAt', now: string, afterDays: number): Decided<CostReview> {
  const current = workload.summaries?.costReview ?? {};
  if (current[marker] || (marker === 'askedAt' && !costReviewDue(workload, now, afterDays))) return { kind: 'unchanged' };
  const owners = workload.roles.workloadArchitect.map((p) => p.name).join(', ') || 'nobody holds the workload architect role yet';
  const summary =
    marker === 'askedAt'
      ? `${afterDays} days after promotion, Liftoff asked for the cost review of ${workload.name} in the team's channel.`
      : `Liftoff reminded the owner of the cost review of ${workload.name} one to one: ${owners}.`;
  return {
    kind: 'changed',
    workload: { ...workload, summaries: { ...workload.summaries, costReview: { ...current, [marker]: now } } },
    events: [{ workloadId: workload.workloadId, type: 'event', at: now, actor: LIFTOFF, action: 'costReview.asked', summary }],
  };
}

/** Marks the cost review's owners Liftoff could not remind one to one (once): the durable marker before the channel is told. */
export function markCostReviewUnreached(workload: Workload, people: readonly Person[], now: string): Decided<CostReview> {
  const current = workload.summaries?.costReview ?? {};
  if (people.length === 0 || current.unreached) return { kind: 'unchanged' };
  const names = people.map((p) => p.name);
  return {
    kind: 'changed',
    workload: { ...workload, summaries: { ...workload.summaries, costReview: { ...current, unreached: names } } },
    events: [
      {
        workloadId: workload.workloadId,
        type: 'event',
        at: now,
        actor: LIFTOFF,
        action: 'costReview.owner_unreached',
        summary: `Liftoff could not remind ${names.join(', ')} of the cost review of ${workload.name} one to one and told the workload's conversation.`.slice(0, 1000),
      },
    ],
  };
}
