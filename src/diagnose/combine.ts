import type { EvidenceBundle, PlaybookMap, RuleDiagnosis } from './evidence.js';
import type { LlmDiagnoser, LlmInput, LlmResult } from './llm.js';
import { diagnoseByRules } from './rules.js';

export interface DiagnoseOptions {
  playbooks: PlaybookMap;
  /** Absent: rules only, and Medic behaves the same as with no LLM configured. */
  llm?: { diagnoser: LlmDiagnoser; context: Omit<LlmInput, 'rules' | 'allowedPlaybooks'> } | null;
  /** The model is consulted only when no rule is at least this sure (default 0.85, the guard's threshold). */
  consultBelow?: number;
  /** A cause only the model saw never gets more confidence than this (default 0.7), so alone it cannot pass
   * the guard's auto threshold: its suggestion goes to a human for approval. */
  llmAloneCap?: number;
  signal?: AbortSignal;
}

export interface DiagnoseResult {
  /** The most likely cause, or null when nothing matched. */
  best: RuleDiagnosis | null;
  /** Every candidate, most likely first. */
  candidates: RuleDiagnosis[];
  /** What the model said, or why its answer was discarded; null when it was not asked. */
  llm: LlmResult | null;
}

/** Rules first; the model, when configured and the rules are unsure, confirms, reorders or adds a cause. */
export async function diagnose(bundle: EvidenceBundle, opts: DiagnoseOptions): Promise<DiagnoseResult> {
  const candidates = diagnoseByRules(bundle, opts.playbooks);
  const threshold = opts.consultBelow ?? 0.85;
  if (!opts.llm || (candidates[0]?.confidence ?? 0) >= threshold) {
    return { best: candidates[0] ?? null, candidates, llm: null };
  }
  const allowed = [...new Set(Object.values(opts.playbooks).flatMap((p) => [...(p ?? [])]))];
  const llm = await opts.llm.diagnoser.diagnose(
    { ...opts.llm.context, rules: candidates, allowedPlaybooks: allowed },
    opts.signal,
  );
  if (!llm.ok || llm.diagnosis.cause === 'unknown') return { best: candidates[0] ?? null, candidates, llm };
  const said = llm.diagnosis;
  const note = `LLM (${llm.model}, ${said.confidence}): ${said.summary}`;
  const agreed = candidates.find((c) => c.cause === said.cause);
  let merged: RuleDiagnosis[];
  if (agreed) {
    // Agreement lifts a rule's confidence a little, never past what the rule plus a margin supports.
    const confidence = Math.min(Math.max(agreed.confidence, said.confidence), agreed.confidence + 0.1, 1);
    const playbooks = said.playbook ? unique([said.playbook, ...agreed.playbooks]) : agreed.playbooks;
    merged = candidates.map((c) =>
      c === agreed ? { ...c, confidence: round(confidence), evidence: [...c.evidence, note], playbooks } : c,
    );
  } else {
    const alone: RuleDiagnosis = {
      cause: said.cause,
      confidence: round(Math.min(said.confidence, opts.llmAloneCap ?? 0.7)),
      evidence: [note],
      playbooks: said.playbook ? [said.playbook] : [...(opts.playbooks[said.cause] ?? [])],
    };
    merged = [...candidates, alone];
  }
  merged.sort((a, b) => b.confidence - a.confidence);
  return { best: merged[0] ?? null, candidates: merged, llm };
}

const unique = (xs: string[]) => [...new Set(xs)];
const round = (x: number) => Math.round(x * 100) / 100;
