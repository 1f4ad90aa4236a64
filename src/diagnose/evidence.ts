import type { Diagnosis, Finding } from '../core/index.js';

/**
 * Everything known about one service's trouble when it is diagnosed. Every part is optional: rules judge from
 * what is there and lower their confidence for what is missing, never guess it.
 */
export interface EvidenceBundle {
  service: string;
  /** When the diagnosis is made (from the Clock). */
  at: number;
  findings: readonly Finding[];
  /** Process exits, oldest first. Expected exits (restarts Medic asked for) are ignored. */
  exits?: readonly { at: number; code: number | null; signal: string | null; expected?: boolean }[];
  /** Resident memory samples in MB, oldest first. */
  rss?: readonly { at: number; mb: number }[];
  /** CPU samples in percent of one core, oldest first. */
  cpu?: readonly { at: number; percent: number }[];
  /** Whether the process is alive right now (null: not supervised, unknown). */
  processAlive?: boolean | null;
  probes?: readonly { check: string; at: number; ok: boolean; latencyMs: number; message: string }[];
  /** Log lines, oldest first, with the category the log classifier gave them (rate_limit, timeout …). */
  logs?: readonly { at: number; line: string; category?: string | null }[];
  /** The service's dependencies and how their own checks look now. */
  dependencies?: readonly DependencyState[];
  /** Disk use samples, oldest first. */
  disk?: readonly { at: number; path: string; usedPercent: number }[];
  /** TLS certificates the service presents or its probes saw. */
  certificates?: readonly { subject: string; notAfter: number }[];
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
  'cert_expiring',
  'brute_force',
  'ci_flaky_test',
] as const;

export type Cause = (typeof CAUSES)[number];

/** cause → candidate playbook names, in preference order; comes from config or the learner. */
export type PlaybookMap = Readonly<Partial<Record<string, readonly string[]>>>;
