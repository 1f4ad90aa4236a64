import type {
  Action,
  ActionState,
  AuditEntry,
  Finding,
  Incident,
  IncidentState,
  JournalEntry,
  Outcome,
  ProbeResult,
  TimelineEntry,
  TimelineKind,
} from '../core/index.js';

/** Pagination: no limit means every row. Every list* method returns newest first. */
export interface Page {
  limit?: number;
  offset?: number;
}

export interface ProbeRecord {
  service: string;
  check: string;
  at: number;
  result: ProbeResult;
}

export interface IncidentFilter extends Page {
  service?: string;
  state?: IncidentState | 'active';
}

export interface ActionFilter extends Page {
  service?: string;
  incidentId?: string;
  state?: ActionState;
}

/** Guard state kept per service so a restart of Medic keeps its memory of failed heals and backoff. */
export interface GuardState {
  service: string;
  failedHeals: number;
  /** Epoch ms before which no new action may start (backoff). */
  nextAllowedAt: number;
  escalated: boolean;
  escalatedAt: number | null;
  updatedAt: number;
}

export interface AuditInput {
  at: number;
  actor: string;
  event: string;
  subject: string;
  data?: Record<string, unknown>;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** First sequence number whose hash does not match, when not ok. */
  brokenAt: number | null;
}

/**
 * Everything Medic remembers. Every write is durable when its promise resolves: a crash or kill -9 after
 * that loses nothing.
 */
export interface Store {
  migrate(): Promise<void>;
  close(): Promise<void>;

  recordProbe(rec: ProbeRecord): Promise<void>;
  /** Many results in one transaction (what the daemon uses). */
  recordProbes(recs: readonly ProbeRecord[]): Promise<void>;
  /** Latest result per (service, check). */
  latestProbes(): Promise<ProbeRecord[]>;
  /** The newest `limit` results at or after `since`, returned oldest first. */
  probeHistory(service: string, check: string, since: number, limit?: number): Promise<ProbeRecord[]>;

  insertFinding(f: Finding, incidentId: string | null): Promise<void>;
  listFindings(filter: Page & { service?: string; incidentId?: string }): Promise<Finding[]>;

  createIncident(i: Incident, reason: string): Promise<void>;
  /**
   * Creates `i` (with its opening transition) unless an active incident (neither resolved nor suppressed)
   * already holds `dedupKey`; atomic across processes, so replicas that see the same failure open one
   * incident. Returns the incident holding the key and whether this call created it. Resolving or
   * suppressing the incident frees its key.
   */
  openIncident(
    i: Incident,
    reason: string,
    dedupKey: string,
  ): Promise<{ incident: Incident; created: boolean }>;
  /** Changes the state (and optional fields), appending a transition to the timeline with its reason. */
  transitionIncident(
    id: string,
    state: IncidentState,
    reason: string,
    at: number,
    patch?: Partial<Pick<Incident, 'rootCause' | 'severity' | 'title' | 'resolvedAt'>>,
  ): Promise<Incident>;
  addTimeline(
    incidentId: string,
    at: number,
    kind: TimelineKind,
    message: string,
    data?: Record<string, unknown>,
  ): Promise<void>;
  getIncident(id: string): Promise<Incident | null>;
  /** Oldest first. */
  timeline(incidentId: string): Promise<TimelineEntry[]>;
  listIncidents(filter: IncidentFilter): Promise<{ items: Incident[]; total: number }>;
  /** The service's incident that is not resolved or suppressed, if any. */
  activeIncident(service: string): Promise<Incident | null>;

  /** Writes the action and its first journal entry (the intent) in one transaction. */
  createAction(a: Action, message: string): Promise<void>;
  /** Moves an action to a new state with a journal entry, atomically. */
  updateAction(id: string, state: ActionState, message: string, at: number): Promise<Action>;
  getAction(id: string): Promise<Action | null>;
  /** In the order written. */
  journal(actionId: string): Promise<JournalEntry[]>;
  listActions(filter: ActionFilter): Promise<{ items: Action[]; total: number }>;
  /** Actions not in a terminal state: what a crash may have left half done. */
  unfinishedActions(): Promise<Action[]>;

  getGuardState(service: string): Promise<GuardState | null>;
  putGuardState(s: GuardState): Promise<void>;

  recordOutcome(o: Outcome): Promise<void>;
  listOutcomes(filter: Page & { service?: string }): Promise<Outcome[]>;

  /** Appends to the hash-chained audit log: hash = sha256(prevHash + canonical JSON of the entry). */
  audit(e: AuditInput): Promise<AuditEntry>;
  listAudit(filter: Page & { subject?: string }): Promise<AuditEntry[]>;
  verifyAudit(): Promise<AuditVerification>;
}
