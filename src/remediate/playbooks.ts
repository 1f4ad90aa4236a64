import type { MedicConfig, PlaybookConfig } from '../config/index.js';
import type { Diagnosis, Finding, Severity } from '../core/index.js';
import { findingLabels, labelConditionHolds } from './silences.js';

export interface MatchedPlaybook {
  name: string;
  playbook: PlaybookConfig;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** True when the playbook's trigger matches the finding (and the diagnosis, if the trigger names causes). */
export function triggerMatches(
  playbook: PlaybookConfig,
  finding: Finding,
  diagnosis?: Diagnosis | null,
): boolean {
  const { service, kind, cause, severity, labels } = playbook.when;
  if (service !== '*' && service !== finding.service) return false;
  const kinds = Array.isArray(kind) ? kind : [kind];
  if (!kinds.includes(finding.kind)) return false;
  if (cause !== undefined) {
    const causes = Array.isArray(cause) ? cause : [cause];
    if (!diagnosis || !causes.includes(diagnosis.cause)) return false;
  }
  if (severity !== undefined && SEVERITY_RANK[finding.severity] < SEVERITY_RANK[severity]) return false;
  const have = findingLabels(finding, diagnosis?.cause);
  for (const [k, condition] of Object.entries(labels)) {
    if (!labelConditionHolds(condition, have[k])) return false;
  }
  return true;
}

/**
 * Playbooks that may heal the finding, in the order the config lists them: those whose trigger matches, then
 * those the diagnosis proposes whose trigger's service fits (a diagnosis may name a playbook its trigger's
 * kind or labels would not have picked).
 */
export function matchPlaybooks(
  config: MedicConfig,
  finding: Finding,
  diagnosis?: Diagnosis | null,
): MatchedPlaybook[] {
  const out: MatchedPlaybook[] = [];
  for (const [name, playbook] of Object.entries(config.playbooks)) {
    if (triggerMatches(playbook, finding, diagnosis)) out.push({ name, playbook });
  }
  for (const name of diagnosis?.playbooks ?? []) {
    const playbook = config.playbooks[name];
    if (!playbook || out.some((m) => m.name === name)) continue;
    if (playbook.when.service !== '*' && playbook.when.service !== finding.service) continue;
    out.push({ name, playbook });
  }
  return out;
}
