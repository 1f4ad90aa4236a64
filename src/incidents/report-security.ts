import path from 'node:path';
import type { Action, Finding } from '../core/index.js';

/** The report's security section: bans, vulnerable dependencies and drift in the window, and what was done. */
export interface SecurityReport {
  /** `block` steps that reached the kernel; distinct addresses; bans lifted by `unblock`; bans that failed. */
  bans: { applied: number; addresses: number; lifted: number; failed: number };
  /** `abuse` findings: too many failures or missing paths from one address. */
  abuse: number;
  /** Distinct vulnerable packages found; updates kept (verified) and rolled back. */
  advisories: { packages: number; updated: number; rolledBack: number };
  /** Distinct files that drifted; corrections (a `config_rollback` of such a file) verified. */
  drift: { files: number; corrected: number };
}

const APPLIED = new Set(['applied', 'verified']);

/**
 * Counts from the findings and the journal, in [since, until). A ban's journal ends `applied` or `verified`
 * once the kernel held it (a failed verification leaves it in place: `rolled_back` never lifts a ban), so
 * both count as applied.
 */
export function summarizeSecurity(
  since: number,
  until: number,
  findings: readonly Finding[],
  actions: readonly Action[],
): SecurityReport {
  const inWindow = (t: number) => t >= since && t < until;
  const fs = findings.filter((f) => inWindow(f.at));
  const as = actions.filter((a) => inWindow(a.createdAt) && !a.dryRun);
  const label = (f: Finding, key: string) =>
    String((f.evidence['labels'] as Record<string, unknown> | undefined)?.[key] ?? '');
  const blocks = as.filter((a) => a.kind === 'block');
  const banned = blocks.filter((a) => APPLIED.has(a.state) || a.state === 'rolled_back');
  // A drift's file as the config wrote it (relative to the config); a rollback's path is absolute.
  const drifted = new Set(
    fs
      .filter((f) => f.kind === 'drift' && label(f, 'file') !== '')
      .map((f) => path.normalize(label(f, 'file'))),
  );
  const updates = as.filter((a) => a.kind === 'update-dependency');
  return {
    bans: {
      applied: banned.length,
      addresses: new Set(banned.map((a) => String(a.params['address']))).size,
      lifted: as.filter((a) => a.kind === 'unblock' && APPLIED.has(a.state)).length,
      failed: blocks.filter((a) => a.state === 'failed').length,
    },
    abuse: fs.filter((f) => f.kind === 'abuse').length,
    advisories: {
      packages: new Set(fs.filter((f) => f.kind === 'vulnerable').map((f) => f.check)).size,
      updated: updates.filter((a) => a.state === 'verified').length,
      rolledBack: updates.filter((a) => a.state === 'rolled_back').length,
    },
    drift: {
      files: drifted.size,
      corrected: as.filter(
        (a) =>
          a.kind === 'config-rollback' &&
          a.state === 'verified' &&
          [...drifted].some((file) => String(a.params['path'] ?? '').endsWith(`${path.sep}${file}`)),
      ).length,
    },
  };
}
