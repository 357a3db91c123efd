import evidenceTemplate from './templates/gateEvidence.json';
import { benchmarkOf, EVIDENCE_INPUTS, evidenceKindOf, evidenceSummary } from '../bot/release/evidence';
import { CLASSIFICATIONS, CLASSIFICATION_TITLES, ROLE_TITLES, type GateDefinition, type GateEvidence, type Workload } from '../bot/release/model';
import { waiverRule } from '../bot/release/rules';
import { Card, expand, Notice, noticeFields, Reader } from './render';

/** What the form shows filled in: what was sent back with a sentence, else the gate's own evidence, else the benchmark's targets. */
function prefill(workload: Workload, gateId: string, sent: Record<string, unknown>): Record<string, string> {
  const own = workload.gates.find((g) => g.id === gateId)?.typedEvidence;
  const benchmark = benchmarkOf(workload);
  const known: Record<string, unknown> = {
    ...(benchmark && gateId === 'performance-validated' ? { targetP95Ms: benchmark.targetP95Ms, targetRps: benchmark.targetRps } : {}),
    ...(own ? formValues(own) : {}),
  };
  const pick = (field: string): unknown => (Object.keys(sent).length ? sent[field] : known[field]);
  return Object.fromEntries([...EVIDENCE_INPUTS, 'note'].map((f) => [f, textOf(pick(f))]));
}

const textOf = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** Typed evidence as the form's inputs hold it. */
function formValues(evidence: GateEvidence): Record<string, unknown> {
  switch (evidence.kind) {
    case 'benchmark':
      return { ...evidence, sizing: evidence.sizing.map((s) => `${s.asset}: ${s.before} -> ${s.after}`).join('\n') };
    case 'ciso':
      return { risks: evidence.risks.map((r) => `${r.risk}; ${r.treatment}; ${r.note}`).join('\n') };
    default:
      return { ...evidence };
  }
}

/**
 * A readiness gate's evidence form: the inputs of its kind, who decides and who may waive, Pass / Fail /
 * Waive, and the way back to the checklist. `sent` are the values a refusal sends back, so nothing typed is lost.
 */
export function renderEvidenceForm(workload: Workload, def: GateDefinition, options: { notice?: Notice; sent?: Record<string, unknown>; reader?: Reader } = {}): Card {
  const gate = workload.gates.find((g) => g.id === def.id);
  const kind = evidenceKindOf(def.id) ?? 'check';
  const benchmark = benchmarkOf(workload);
  const ciso = def.ownerRole === 'ciso';
  const policy = workload.waiverPolicy ?? 'cisoOnly';
  return expand(evidenceTemplate, {
    ...noticeFields(options.notice),
    workloadId: workload.workloadId,
    name: workload.name,
    gateId: def.id,
    title: def.title,
    rev: gate?.rev ?? 1,
    kind,
    status: gate?.typedEvidence ? `${gate.status}; ${evidenceSummary(gate.typedEvidence, options.reader?.timeZone)}` : (gate?.status ?? 'pending'),
    owner: `the ${ROLE_TITLES[def.ownerRole]}${ciso ? ' only' : ''}`,
    waiver: waiverRule(def, policy) || 'the project manager or the business owner, with a reason',
    rule: RULES[kind],
    benchmark: benchmark ? `Benchmark: ${evidenceSummary(benchmark, options.reader?.timeZone)}` : 'No benchmark evidence was recorded: give the targets here.',
    classifications: CLASSIFICATIONS.map((value) => ({ value, title: CLASSIFICATION_TITLES[value] })),
    values: prefill(workload, def.id, options.sent ?? {}),
    // Only the CISO's form offers the CISO the choice of who else may waive.
    policyTitle: ciso ? (policy === 'cisoOnly' ? 'Allow a waiver with a second approver' : 'Waivers by the CISO only') : '',
    policyNext: policy === 'cisoOnly' ? 'secondApprover' : 'cisoOnly',
  });
}

/** What each form's decision depends on, said on the form. */
const RULES: Record<GateEvidence['kind'], string> = {
  benchmark: "The load measured against the business's expectation, the sizing and the monthly cost before and after.",
  validation: 'Final figures worse than the target pass only with a reason in the note; the benchmark is shown beside them.',
  bcdr: 'A measured RPO or RTO over its target cannot pass: fail it, or waive it with a reason.',
  classification: 'The business owner classifies the data and names the protections applied.',
  check: 'Say what was checked and how, with a link to the test or the change.',
  ciso: 'Each risk reviewed is accepted or mitigated, with a note.',
};
