import type { MedicConfig, PlaybookConfig } from '../config/index.js';
import type { Finding } from '../core/index.js';

export interface MatchedPlaybook {
  name: string;
  playbook: PlaybookConfig;
}

/** Playbooks whose trigger matches the finding, in the order the config lists them. */
export function matchPlaybooks(config: MedicConfig, finding: Finding): MatchedPlaybook[] {
  const out: MatchedPlaybook[] = [];
  for (const [name, playbook] of Object.entries(config.playbooks)) {
    const { service, kind } = playbook.when;
    if (service !== '*' && service !== finding.service) continue;
    const kinds = Array.isArray(kind) ? kind : [kind];
    if (!kinds.includes(finding.kind)) continue;
    out.push({ name, playbook });
  }
  return out;
}
