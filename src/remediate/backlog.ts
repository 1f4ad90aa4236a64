import { checkName, type MedicConfig } from '../config/index.js';
import type { Finding } from '../core/index.js';
import type { PlannedStep } from './run.js';

/** A queue's backlog that a finding reports: the queue check read the depth, and it is past a level. */
export interface Backlog {
  queue: string;
  depth: number;
}

/**
 * The backlog the finding is about, when it comes from one of the service's queue checks that could read the
 * depth (a server that cannot be read is no backlog: it is down). Null otherwise.
 */
export function backlogOf(config: MedicConfig, f: Finding): Backlog | null {
  const check = config.services[f.service]?.checks.find((c, i) => checkName(c, i) === f.check);
  if (!check?.queue) return null;
  const result = f.evidence['lastResult'] as { details?: Record<string, unknown> } | undefined;
  const depth = result?.details?.['depth'];
  if (typeof depth !== 'number') return null;
  const queue = result?.details?.['queue'];
  return { queue: typeof queue === 'string' ? queue : f.check, depth };
}

/**
 * Why a planned heal must not run, when it restarts the service holding the backlog its finding reports: the
 * jobs waiting in a broker without persistence die with it, the check turns green on an empty queue, and the
 * incident would read as healed. A backlog is its consumers' to clear (stalled or outpaced), or a human's.
 */
export function dropsBacklog(
  config: MedicConfig,
  f: Finding,
  planned: readonly PlannedStep[],
): string | null {
  const backlog = backlogOf(config, f);
  if (!backlog) return null;
  if (!planned.some((p) => p.plan.kind === 'restart' && p.plan.target === f.service)) return null;
  return `a restart of ${f.service} would drop the backlog its queue check reports (${backlog.depth} waiting in ${backlog.queue}): a backlog is its consumers' to clear`;
}
