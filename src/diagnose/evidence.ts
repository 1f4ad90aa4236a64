import type { Diagnosis, Finding } from '../core/index.js';
import { CI_CAUSES } from './ci/causes.js';

/**
 * Everything known about one service's trouble when it is diagnosed. Every part is optional: rules judge from
 * what is there and lower their confidence for what is missing, never guess it.
 */
export interface EvidenceBundle {
  service: string;
  /** When the diagnosis is made (from the Clock). */
  at: number;
  findings: readonly Finding[];
  /**
   * The finding this diagnosis explains (the one that asked for it): a cause about another of the service's
   * troubles (an upstream's stop when its disk is filling) yields to one about this finding.
   */
  trigger?: Pick<Finding, 'kind' | 'check'> & {
    /** The finding is the process's exit (its code or signal): a trend of its resources does not explain it. */
    exit?: boolean;
  };
  /**
   * Process exits, oldest first, with the pid of the run that exited. Expected exits (restarts Medic asked
   * for) are ignored.
   */
  exits?: readonly {
    at: number;
    code: number | null;
    signal: string | null;
    expected?: boolean;
    pid?: number | null;
  }[];
  /** Resident memory samples in MB, oldest first, of one run of the process. */
  rss?: readonly { at: number; mb: number }[];
  /** When the run that `rss` follows started: its first seconds are its start-up, not a leak. */
  rssRunStartedAt?: number;
  /** CPU samples in percent of one core, oldest first. */
  cpu?: readonly { at: number; percent: number }[];
  /** Whether the process is alive right now (null: not supervised, unknown). */
  processAlive?: boolean | null;
  /** The supervised process's state from /proc now, with its process group (null: not running). */
  processState?: ProcessStateEvidence | null;
  probes?: readonly { check: string; at: number; ok: boolean; latencyMs: number; message: string }[];
  /**
   * Log lines, oldest first, each stamped when it was written or read, with the category the log classifier
   * gave it (rate_limit, timeout …) and where it came from (`stderr`, `file:PATH`, `docker:NAME`, `push`);
   * a supervised process's own lines carry the pid of the run that wrote them.
   */
  logs?: readonly {
    at: number;
    line: string;
    category?: string | null;
    source?: string;
    pid?: number | null;
  }[];
  /**
   * Where the incident's own window starts: `logs` holds only lines from then on, so lines of an earlier
   * fault say nothing about this one; the rules read failed probes from then on too (older ones only as the
   * usual rate). Absent: the rules look at the last 5 minutes.
   */
  logsSince?: number;
  /**
   * Earlier incidents of the service (or that it took part in) before the window, oldest first: what it
   * answered and logged then was trouble, not its usual rate.
   */
  earlierTrouble?: readonly { from: number; to: number }[];
  /** Each log source's error lines before the window, for its usual rate (from the store's history). */
  logBaseline?: readonly { source: string; from: number; to: number; errors: number }[];
  /** The service's dependencies and how their own checks look now. */
  dependencies?: readonly DependencyState[];
  /** Disk use samples, oldest first. */
  disk?: readonly { at: number; path: string; usedPercent: number }[];
  /** TLS certificates the service presents or its probes saw. */
  certificates?: readonly { subject: string; notAfter: number }[];
  /**
   * The service's settings files whose content is not their last known good version: when each was last
   * written (mtime) and when its known good version was recorded.
   */
  configChanges?: readonly { path: string; changedAt: number; knownGoodAt: number }[];
  /**
   * Release links on the service's command or working directory (a Capistrano-style `current` symlink): where
   * each points and when it was last switched (the link's own mtime); `previous`, the release before the one
   * it points at among its sibling directories (by name: timestamps sort in time; null for the first);
   * `newest`, whether it points at the newest (false after a rollback); and when the process running now
   * started (null: not running), which tells whether it runs the release the link names.
   */
  releases?: readonly {
    path: string;
    target: string;
    changedAt: number;
    previous: string | null;
    newest: boolean;
    runStartedAt: number | null;
  }[];
  /** CI results of one test across recent runs (newest last), when the trouble is a CI failure. */
  ciRuns?: readonly { test: string; commit: string; passed: boolean; at: number }[];
}

export interface DependencyState {
  service: string;
  healthy: boolean;
  /** Last probe message of the dependency ("connect ECONNREFUSED 127.0.0.1:5432"). */
  message?: string;
  /** Host:port or other names it is reached by, to recognise it in another service's errors. */
  addresses?: readonly string[];
  /** A database, a cache …: lets `db_unreachable` say "database" only when it is one. */
  role?: string;
  /**
   * When its checks last failed, if they did in the last minutes: a dependency that failed and recovered
   * moments ago still explains what its dependents answered meanwhile.
   */
  lastFailedAt?: number;
  /** Its supervised process's state now (a stopped upstream fails its dependents without a check of its own). */
  processState?: ProcessStateEvidence | null;
}

/** A process's state as /proc shows it: T stopped, D uninterruptible, Z zombie, R running, S sleeping. */
export interface ProcessStateEvidence {
  pid: number;
  /** The state that says most about the whole process group (a stopped child stops the service). */
  state: string;
  group?: readonly { pid: number; state: string; comm: string }[];
}

/** A diagnosis as the rules give it. */
export interface RuleDiagnosis extends Diagnosis {
  /** The service to act on, when it is not the diagnosed one (the database behind an API's errors). */
  target?: string;
}

export const CAUSES = [
  'memory_leak',
  'db_unreachable',
  'hung',
  'rate_limited',
  'process_crashed',
  'disk_filling',
  'error_burst',
  'config_changed',
  'cert_expiring',
  'brute_force',
  'ci_flaky_test',
  'db_saturated',
  'bad_deploy',
  ...CI_CAUSES,
] as const;

export type Cause = (typeof CAUSES)[number];

/** cause → candidate playbook names, in preference order; comes from config or the learner. */
export type PlaybookMap = Readonly<Partial<Record<string, readonly string[]>>>;
