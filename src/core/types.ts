/**
 * The core types that flow stage to stage (see DESIGN.md): Signal → Finding → Incident → Diagnosis → Action →
 * Outcome. Times are epoch milliseconds from the injected Clock, never Date.now() directly.
 */

export type Severity = 'info' | 'warning' | 'critical';

/** What one probe run observed. `ok: false` with `degraded: true` means "answers, but out of bounds". */
export interface ProbeResult {
  ok: boolean;
  degraded?: boolean;
  latencyMs: number;
  message: string;
  details?: Record<string, unknown>;
}

/** One observation. */
export type Signal =
  | {
      kind: 'probe';
      service: string;
      check: string;
      at: number;
      result: ProbeResult;
      /** A failure within the process's start period: recorded, not judged (src/daemon/start-period.ts). */
      starting?: true;
    }
  | {
      kind: 'exit';
      service: string;
      at: number;
      pid: number;
      code: number | null;
      signal: string | null;
      /** Expected exits (a restart Medic asked for) are reported but never judged a failure. */
      expected: boolean;
    }
  | { kind: 'start'; service: string; at: number; pid: number }
  | { kind: 'log'; service: string; at: number; stream: 'stdout' | 'stderr'; line: string };

/**
 * `abuse`: one source address failing to authenticate (or scanning) too often; its labels name it. `drift`: a
 * watched file changed behind Medic's back. `vulnerable`: a locked dependency an advisory names.
 */
export type FindingKind =
  | 'down'
  | 'degraded'
  | 'anomaly'
  | 'pattern'
  | 'forecast'
  | 'alert'
  | 'abuse'
  | 'drift'
  | 'vulnerable';

/** A detector's verdict about one service and check. */
export interface Finding {
  id: string;
  service: string;
  check: string;
  kind: FindingKind;
  severity: Severity;
  /** 0..1: how sure the detector is. */
  score: number;
  summary: string;
  evidence: Record<string, unknown>;
  at: number;
}

export type ServiceHealth = 'unknown' | 'healthy' | 'degraded' | 'down';

export type IncidentState =
  | 'open'
  | 'diagnosing'
  | 'remediating'
  | 'verifying'
  | 'resolved'
  | 'escalated'
  | 'suppressed';

export const TERMINAL_INCIDENT_STATES: readonly IncidentState[] = ['resolved', 'suppressed'];

export interface Incident {
  id: string;
  service: string;
  state: IncidentState;
  title: string;
  severity: Severity;
  rootCause: string | null;
  openedAt: number;
  updatedAt: number;
  resolvedAt: number | null;
}

export type TimelineKind = 'transition' | 'finding' | 'diagnosis' | 'action' | 'note';

export interface TimelineEntry {
  id: number;
  incidentId: string;
  at: number;
  kind: TimelineKind;
  /** For transitions: the state entered. */
  state: IncidentState | null;
  message: string;
  data: Record<string, unknown>;
}

export interface Diagnosis {
  cause: string;
  confidence: number;
  evidence: string[];
  playbooks: string[];
}

export type ActionState =
  | 'planned'
  | 'awaiting_approval'
  | 'backed_up'
  | 'applied'
  | 'verified'
  | 'rolled_back'
  | 'failed'
  | 'skipped';

export const TERMINAL_ACTION_STATES: readonly ActionState[] = [
  'verified',
  'rolled_back',
  'failed',
  'skipped',
];

/** One step of a playbook, journaled. */
export interface Action {
  id: string;
  incidentId: string | null;
  service: string;
  playbook: string;
  step: number;
  kind: string;
  params: Record<string, unknown>;
  state: ActionState;
  dryRun: boolean;
  reason: string;
  createdAt: number;
  updatedAt: number;
}

export interface JournalEntry {
  id: number;
  actionId: string;
  at: number;
  state: ActionState;
  message: string;
}

export interface Outcome {
  incidentId: string | null;
  service: string;
  cause: string;
  playbook: string;
  success: boolean;
  healMs: number | null;
  at: number;
}

export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  event: string;
  subject: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}
