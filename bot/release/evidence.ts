import { z } from 'zod';
import { formatDay } from '../shared/dates';
import {
  CLASSIFICATIONS,
  CLASSIFICATION_TITLES,
  GATE_CATALOGUE,
  type Decision,
  type EvidenceKind,
  type GateDefinition,
  type GateEvidence,
  type ReviewedRisk,
  type Sizing,
  type Workload,
} from './model';

/**
 * Typed evidence per gate: what each readiness gate's form asks, how it is read and checked, what a pass
 * needs, and when evidence is too old to promote on. Pure: no I/O, no clock (callers pass `now`).
 */

/** The gates with an evidence form, and the kind of form each has. */
export const EVIDENCE_KINDS: Readonly<Record<string, EvidenceKind>> = {
  'performance-benchmarked': 'benchmark',
  'performance-validated': 'validation',
  'bcdr-validated': 'bcdr',
  'data-classification': 'classification',
  'identity-alignment': 'check',
  'user-routing': 'check',
  'domain-alignment': 'check',
  'ciso-verification': 'ciso',
};

export const evidenceKindOf = (gateId: string): EvidenceKind | undefined => EVIDENCE_KINDS[gateId];

/** How old readiness evidence may be when promotion is attempted, unless configured (READINESS_EVIDENCE_MAX_AGE_DAYS). */
export const DEFAULT_EVIDENCE_MAX_AGE_DAYS = 30;
export const MAX_EVIDENCE_LINES = 30;
const DAY_MS = 86_400_000;
const TEXT_MAX = 500;

/** The inputs of the evidence forms (cards/templates/gateEvidence.json); each is text, or a number from a number input. */
export const EVIDENCE_INPUTS = [
  'p95Ms',
  'throughputRps',
  'targetP95Ms',
  'targetRps',
  'sizing',
  'costBefore',
  'costAfter',
  'restoreTestOn',
  'rpoMinutes',
  'rtoMinutes',
  'targetRpoMinutes',
  'targetRtoMinutes',
  'classification',
  'protections',
  'checked',
  'how',
  'link',
  'risks',
] as const;
/** What a form sends: every input as the text it holds (Teams sends numbers and dates as text too). */
export type EvidenceFields = Record<string, unknown>;

export type EvidenceCheck = { ok: true; evidence: GateEvidence } | { ok: false; message: string };

const asText = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '');

const text = (missing: string, max = TEXT_MAX) =>
  z.preprocess(
    asText,
    z
      .string()
      .trim()
      .min(1, { error: missing })
      .max(max, { error: `Keep each answer under ${max} characters.` }),
  );

/** A figure typed on the form: zero or more, digits with an optional decimal part. */
const figure = (what: string, example: string) =>
  z.preprocess(
    (v) => asText(v).trim().replace(',', '.'),
    z
      .string()
      .min(1, { error: `Give ${what}, for example ${example}.` })
      .regex(/^\d{1,9}(\.\d{1,3})?$/, { error: `${capitalize(what)} must be a number, for example ${example}.` })
      .transform(Number),
  );

const link = z.preprocess(
  (v) => asText(v).trim(),
  z
    .string()
    .min(1, { error: 'Give the link to the test or the change that shows it.' })
    .max(TEXT_MAX, { error: `Keep the link under ${TEXT_MAX} characters.` })
    .refine((v) => z.url({ protocol: /^https?$/ }).safeParse(v).success, { error: 'The link must be a web address starting with https://.' }),
);

const loadFigures = {
  p95Ms: figure('the measured p95 latency in milliseconds', '180'),
  throughputRps: figure('the measured throughput in requests per second', '450'),
  targetP95Ms: figure("the business's target p95 latency in milliseconds", '200'),
  targetRps: figure("the business's target throughput in requests per second", '400'),
};

function capitalize(sentence: string): string {
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** Lines of a multi-line answer, blank ones dropped. */
function lines(value: unknown): string[] {
  return asText(value)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/** "app-vm01: D4s_v5 -> D2s_v5", one asset a line. */
export function parseSizing(value: unknown): { ok: true; sizing: Sizing[] } | { ok: false; message: string } {
  const all = lines(value);
  const example = 'one asset a line, such as: app-vm01: D4s_v5 -> D2s_v5';
  if (all.length === 0) return { ok: false, message: `Give the sizing before and after, ${example}.` };
  if (all.length > MAX_EVIDENCE_LINES) return { ok: false, message: `List at most ${MAX_EVIDENCE_LINES} assets in the sizing.` };
  const sizing: Sizing[] = [];
  for (const line of all) {
    const match = /^(.{1,100}?)\s*:\s*(.{1,100}?)\s*(?:->|→)\s*(.{1,100})$/.exec(line);
    if (!match) return { ok: false, message: `"${line.slice(0, 40)}" is not a sizing line: write ${example}.` };
    sizing.push({ asset: match[1]!, before: match[2]!, after: match[3]!.trim() });
  }
  return { ok: true, sizing };
}

/** "Public endpoint; mitigated; WAF on Front Door", one risk a line. */
export function parseRisks(value: unknown): { ok: true; risks: ReviewedRisk[] } | { ok: false; message: string } {
  const all = lines(value);
  const example = 'one risk a line, such as: Public endpoint; mitigated; WAF rules on Front Door';
  if (all.length === 0) return { ok: false, message: `List the risks you reviewed, ${example}.` };
  if (all.length > MAX_EVIDENCE_LINES) return { ok: false, message: `List at most ${MAX_EVIDENCE_LINES} risks.` };
  const risks: ReviewedRisk[] = [];
  for (const line of all) {
    const [risk, treatment, ...rest] = line.split(/\s*[;|]\s*/);
    const note = rest.join('; ').trim();
    const how = treatment?.toLowerCase();
    if (!risk || (how !== 'accepted' && how !== 'mitigated')) {
      return { ok: false, message: `Say whether "${(risk ?? line).slice(0, 40)}" is accepted or mitigated: ${example}.` };
    }
    if (!note) return { ok: false, message: `Add a note to "${risk.slice(0, 40)}": why it is ${how}, or how.` };
    if (line.length > TEXT_MAX) return { ok: false, message: `Keep each risk under ${TEXT_MAX} characters.` };
    risks.push({ risk, treatment: how, note });
  }
  return { ok: true, risks };
}

const isoDay = z.preprocess(
  (v) => asText(v).trim(),
  z
    .string()
    .min(1, { error: 'Give the date of the restore test.' })
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'Give the date of the restore test as YYYY-MM-DD.' })
    .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), { error: 'Give the date of the restore test as YYYY-MM-DD.' }),
);

const SCHEMAS = {
  benchmark: z.object({ ...loadFigures, costBefore: figure('the monthly cost before', '1200'), costAfter: figure('the monthly cost after', '800') }),
  validation: z.object(loadFigures),
  bcdr: z.object({
    restoreTestOn: isoDay,
    rpoMinutes: figure('the measured RPO in minutes', '15'),
    rtoMinutes: figure('the measured RTO in minutes', '60'),
    targetRpoMinutes: figure('the target RPO in minutes', '15'),
    targetRtoMinutes: figure('the target RTO in minutes', '120'),
  }),
  classification: z.object({
    classification: z.preprocess((v) => asText(v).trim(), z.enum(CLASSIFICATIONS, { error: 'Pick the classification: public, general, confidential or highly confidential.' })),
    protections: text('Say which protections are applied: sensitivity labels, policies, encryption.'),
  }),
  check: z.object({ checked: text('Say what was checked.'), how: text('Say how it was checked.'), link }),
} as const;

/** The first problem of a form, as the sentence its schema gives. */
function firstProblem(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'Fill in the evidence form.';
}

/** The benchmark's typed evidence, when it was recorded: the figures performance validation is held against. */
export function benchmarkOf(workload: Workload): Extract<GateEvidence, { kind: 'benchmark' }> | undefined {
  const evidence = workload.gates.find((g) => g.id === 'performance-benchmarked')?.typedEvidence;
  return evidence?.kind === 'benchmark' ? evidence : undefined;
}

/**
 * Reads a gate's evidence form into typed evidence dated `now`, or the sentence that says what to fix.
 * Performance validation keeps the benchmark's figures beside its own.
 */
export function parseEvidence(workload: Workload, gateId: string, fields: EvidenceFields, now: string): EvidenceCheck {
  const kind = evidenceKindOf(gateId);
  if (!kind) return { ok: false, message: 'This gate has no evidence form; record it with Record a decision.' };
  const dated = { recordedAt: now };
  switch (kind) {
    case 'ciso': {
      const risks = parseRisks(fields.risks);
      return risks.ok ? { ok: true, evidence: { kind, risks: risks.risks, ...dated } } : risks;
    }
    case 'benchmark': {
      const parsed = SCHEMAS.benchmark.safeParse(fields);
      if (!parsed.success) return { ok: false, message: firstProblem(parsed.error) };
      const sizing = parseSizing(fields.sizing);
      return sizing.ok ? { ok: true, evidence: { kind, ...parsed.data, sizing: sizing.sizing, ...dated } } : sizing;
    }
    case 'validation': {
      const parsed = SCHEMAS.validation.safeParse(fields);
      if (!parsed.success) return { ok: false, message: firstProblem(parsed.error) };
      const benchmark = benchmarkOf(workload);
      const against = benchmark ? { benchmarkP95Ms: benchmark.p95Ms, benchmarkRps: benchmark.throughputRps } : {};
      return { ok: true, evidence: { kind, ...parsed.data, ...against, ...dated } };
    }
    case 'bcdr': {
      const parsed = SCHEMAS.bcdr.safeParse(fields);
      if (!parsed.success) return { ok: false, message: firstProblem(parsed.error) };
      if (parsed.data.restoreTestOn > now.slice(0, 10)) return { ok: false, message: 'The restore test date is in the future: give the day the restore was tested.' };
      return { ok: true, evidence: { kind, ...parsed.data, ...dated } };
    }
    case 'classification':
    case 'check': {
      const parsed = SCHEMAS[kind].safeParse(fields);
      if (!parsed.success) return { ok: false, message: firstProblem(parsed.error) };
      return { ok: true, evidence: { kind, ...parsed.data, ...dated } as GateEvidence };
    }
  }
}

/** How load figures fall short of the target, in words; empty when they meet it. */
export function loadShortfall(figures: { p95Ms: number; throughputRps: number; targetP95Ms: number; targetRps: number }): string[] {
  const misses: string[] = [];
  if (figures.p95Ms > figures.targetP95Ms) misses.push(`p95 ${figures.p95Ms} ms against a target of ${figures.targetP95Ms} ms`);
  if (figures.throughputRps < figures.targetRps) misses.push(`${figures.throughputRps} rps against a target of ${figures.targetRps} rps`);
  return misses;
}

/** How a BCDR test misses its targets, in words; empty when it meets them. */
export function recoveryMisses(evidence: { rpoMinutes: number; rtoMinutes: number; targetRpoMinutes: number; targetRtoMinutes: number }): string[] {
  const misses: string[] = [];
  if (evidence.rpoMinutes > evidence.targetRpoMinutes) misses.push(`RPO ${evidence.rpoMinutes} min against a target of ${evidence.targetRpoMinutes} min`);
  if (evidence.rtoMinutes > evidence.targetRtoMinutes) misses.push(`RTO ${evidence.rtoMinutes} min against a target of ${evidence.targetRtoMinutes} min`);
  return misses;
}

/**
 * What the evidence allows: a BCDR miss never passes (only a failure or a waiver, with a reason);
 * final performance worse than its target passes only with a reason. Undefined when the decision may stand.
 */
export function evidenceRefusal(title: string, evidence: GateEvidence, decision: Decision, note: string): string | undefined {
  if (decision !== 'pass') return undefined;
  if (evidence.kind === 'bcdr') {
    const misses = recoveryMisses(evidence);
    if (misses.length) return `"${title}" can't pass: the restore test missed its target (${misses.join('; ')}). Fail it, or waive it with a reason.`;
  }
  if (evidence.kind === 'validation' && !note.trim()) {
    const misses = loadShortfall(evidence);
    if (misses.length) return `The final figures are worse than the target (${misses.join('; ')}): say in the note why "${title}" may pass anyway, or fail it.`;
  }
  return undefined;
}

/** A pass of a gate that has an evidence form needs that form: the note alone is not evidence. */
export function formNeeded(def: GateDefinition, decision: Decision): string | undefined {
  if (decision !== 'pass' || !evidenceKindOf(def.id)) return undefined;
  return `"${def.title}" passes with its evidence: pick it in Record a decision and press Evidence form.`;
}

/** The day evidence last counted from: its confirmation, or when it was recorded. */
export const evidenceDate = (evidence: GateEvidence): string => evidence.confirmedAt ?? evidence.recordedAt;

/** A readiness gate whose evidence is older than the allowed age, and how many days old it is. */
export interface StaleEvidence {
  gate: GateDefinition;
  days: number;
}

/** The passed readiness gates whose typed evidence is older than `maxAgeDays` at `now`, in checklist order. */
export function staleEvidence(workload: Workload, now: string, maxAgeDays: number): StaleEvidence[] {
  const at = Date.parse(now);
  return GATE_CATALOGUE.filter((def) => def.stage === 'ready').flatMap((def) => {
    const gate = workload.gates.find((g) => g.id === def.id);
    if (gate?.status !== 'passed' || !gate.typedEvidence) return [];
    const days = Math.floor((at - Date.parse(evidenceDate(gate.typedEvidence))) / DAY_MS);
    return days > maxAgeDays ? [{ gate: def, days }] : [];
  });
}

/** The sentence that refuses promotion while readiness evidence is too old. */
export function staleRefusal(stale: StaleEvidence[], maxAgeDays: number): string | undefined {
  if (stale.length === 0) return undefined;
  const list = stale.map((s) => `"${s.gate.title}" (${s.days} days)`).join(', ');
  return `Readiness evidence is older than ${maxAgeDays} days: ${list}. Its owners confirm it again with Confirm evidence on the checklist before promotion.`;
}

const money = (n: number): string => n.toLocaleString('en-GB', { maximumFractionDigits: 2 });

/** Typed evidence in one short line, for the checklist, the audit trail and the export. */
export function evidenceSummary(evidence: GateEvidence, timeZone?: string): string {
  const dated = `dated ${formatDay(evidenceDate(evidence), timeZone)}${evidence.confirmedAt ? ' (confirmed again)' : ''}`;
  switch (evidence.kind) {
    case 'benchmark': {
      const sizing = evidence.sizing.map((s) => `${s.asset} ${s.before} → ${s.after}`).join(', ');
      return `p95 ${evidence.p95Ms} ms (target ${evidence.targetP95Ms}), ${evidence.throughputRps} rps (target ${evidence.targetRps}); sizing ${sizing}; monthly cost ${money(evidence.costBefore)} → ${money(evidence.costAfter)}; ${dated}`;
    }
    case 'validation': {
      const bench = evidence.benchmarkP95Ms !== undefined ? ` (benchmark p95 ${evidence.benchmarkP95Ms} ms, ${evidence.benchmarkRps} rps)` : '';
      return `final p95 ${evidence.p95Ms} ms (target ${evidence.targetP95Ms}), ${evidence.throughputRps} rps (target ${evidence.targetRps})${bench}; ${dated}`;
    }
    case 'bcdr':
      return `restore tested ${evidence.restoreTestOn}: RPO ${evidence.rpoMinutes} min (target ${evidence.targetRpoMinutes}), RTO ${evidence.rtoMinutes} min (target ${evidence.targetRtoMinutes}); ${dated}`;
    case 'classification':
      return `${CLASSIFICATION_TITLES[evidence.classification]}; protections: ${evidence.protections}; ${dated}`;
    case 'check':
      return `checked ${evidence.checked}, by ${evidence.how} (${evidence.link}); ${dated}`;
    case 'ciso': {
      const risks = evidence.risks.map((r) => `${r.risk}: ${r.treatment} (${r.note})`).join('; ');
      return `${evidence.risks.length} ${evidence.risks.length === 1 ? 'risk' : 'risks'} reviewed: ${risks}; ${dated}`;
    }
  }
}

export const EVIDENCE_CSV_HEADER = [
  'workload',
  'stage',
  'gate',
  'title',
  'status',
  'decidedBy',
  'decidedAt',
  'note',
  'reason',
  'waiverRequestedBy',
  'evidenceKind',
  'evidenceRecordedAt',
  'evidenceConfirmedAt',
  'evidenceConfirmedBy',
  'evidence',
] as const;

/** Every gate of a workload with its decision and evidence, one row a gate, in checklist order: what an auditor reads. */
export function evidenceRows(workload: Workload): string[][] {
  return GATE_CATALOGUE.map((def) => {
    const gate = workload.gates.find((g) => g.id === def.id);
    const typed = gate?.typedEvidence;
    return [
      workload.name,
      def.stage,
      def.id,
      def.title,
      gate?.status ?? 'pending',
      gate?.decidedBy?.name ?? '',
      gate?.decidedAt ?? '',
      gate?.evidence ?? '',
      gate?.reason ?? '',
      gate?.waiverRequestedBy?.name ?? '',
      typed?.kind ?? '',
      typed?.recordedAt ?? '',
      typed?.confirmedAt ?? '',
      typed?.confirmedBy?.name ?? '',
      typed ? evidenceSummary(typed) : '',
    ];
  });
}
