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
import type {
  OutboxClaimOptions,
  OutboxEntry,
  OutboxFilter,
  OutboxInsert,
  OutboxSettle,
  OutboxState,
} from './outbox-types.js';
import type { Page } from './page.js';
import type {
  LogBatch,
  LogLine,
  LogLineCounts,
  LogLineFilter,
  LogLineScan,
  LogLineScanResult,
  LogPosition,
  LogTemplateFilter,
  LogTemplateRecord,
  MetricRollup,
  MetricSample,
} from './telemetry-types.js';

export type { Page } from './page.js';

export interface ProbeRecord {
  service: string;
  check: string;
  at: number;
  result: ProbeResult;
}

export interface IncidentFilter extends Page {
  service?: string;
  state?: IncidentState | 'active';
  /** Only incidents still open at or after this time (not resolved before it). */
  since?: number;
  /** Only incidents opened before this time. */
  until?: number;
}

/** Fields of an incident that change without a state transition (correlation moves the root cause). */
export type IncidentUpdate = Partial<Pick<Incident, 'service' | 'rootCause' | 'severity' | 'title'>>;

export interface ActionFilter extends Page {
  service?: string;
  incidentId?: string;
  state?: ActionState;
  /** The step's kind (`restart`, `deploy-rollback`…). */
  kind?: string;
  /** Only actions created at or after this time (epoch ms). */
  since?: number;
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
  /** Incremental only: the checkpointed entry the walk started after (0: the genesis entry). */
  from?: number;
  /** Incremental only: the entries recomputed by this call. */
  checked?: number;
}

export interface AuditVerifyOptions {
  /**
   * Start after the newest checkpoint instead of the genesis entry (checkpoints are compared either way).
   * Default false: the whole chain.
   */
  incremental?: boolean;
  /** Stamped on checkpoints written by this walk. */
  now?: number;
}

/** An entry's seq and hash: the newest one is what a person publishes elsewhere so truncation shows. */
export interface AuditHead {
  seq: number;
  hash: string;
  at: number;
}

/** One label matcher of a silence, as Alertmanager writes them: `=`, `!=`, `=~` and `!~` (full match). */
export interface SilenceMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** Heals of findings whose labels match every matcher are suppressed from startsAt until endsAt. */
export interface Silence {
  id: string;
  matchers: SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
}

/** The global stop switch: while `stopped`, no heal starts. */
export interface HealingSwitch {
  stopped: boolean;
  actor: string;
  reason: string;
  at: number;
}

export interface OutcomeFilter extends Page {
  service?: string;
  cause?: string;
  playbook?: string;
  /** Outcomes at or after this time. */
  since?: number;
  /** false: real trouble only (the learner's view); true: drills only; absent: both. */
  drill?: boolean;
}

/** An outcome as stored: `drill` when a drill caused it (a fault injected on purpose). */
export interface StoredOutcome extends Outcome {
  drill?: boolean;
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

  /**
   * Writes the action and its first journal entry (the intent) in one transaction; with `audit`, the audit
   * entry made from the action too, so a crash never leaves a journaled step that the audit log lacks.
   */
  createAction(a: Action, message: string, audit?: (a: Action) => AuditInput): Promise<void>;
  /**
   * Moves an action to a new state with a journal entry, atomically. With `expected`, only if the action is
   * in (one of) those states now, checked by the UPDATE itself: otherwise nothing is written and it throws
   * ConflictError. NotFoundError if there is no such action. With `audit`, the audit entry made from the
   * moved action is appended in the same transaction.
   */
  updateAction(
    id: string,
    state: ActionState,
    message: string,
    at: number,
    expected?: ActionState | readonly ActionState[],
    audit?: (a: Action) => AuditInput,
  ): Promise<Action>;
  getAction(id: string): Promise<Action | null>;
  /** In the order written. */
  journal(actionId: string): Promise<JournalEntry[]>;
  listActions(filter: ActionFilter): Promise<{ items: Action[]; total: number }>;
  /** Actions not in a terminal state: what a crash may have left half done. */
  unfinishedActions(): Promise<Action[]>;

  getGuardState(service: string): Promise<GuardState | null>;
  putGuardState(s: GuardState): Promise<void>;

  recordOutcome(o: StoredOutcome): Promise<void>;
  listOutcomes(filter: Page & { service?: string }): Promise<StoredOutcome[]>;

  /** Outcomes by cause, playbook and time (the learner's query); newest first. */
  listOutcomesBy(filter: OutcomeFilter): Promise<StoredOutcome[]>;

  createSilence(s: Silence): Promise<void>;
  getSilence(id: string): Promise<Silence | null>;
  /** Newest first; `activeAt`: only those in force then (startsAt <= t < endsAt). */
  listSilences(filter: Page & { activeAt?: number }): Promise<Silence[]>;
  /** Ends a silence now (endsAt = min(endsAt, at)); throws NotFoundError for an unknown id. */
  expireSilence(id: string, at: number): Promise<Silence>;

  /** The global stop switch; null when it was never set (healing runs). */
  getHealingSwitch(): Promise<HealingSwitch | null>;
  setHealingSwitch(s: HealingSwitch): Promise<void>;

  /** Appends to the hash-chained audit log: hash = sha256(prevHash + canonical JSON of the entry). */
  audit(e: AuditInput): Promise<AuditEntry>;
  listAudit(filter: Page & { subject?: string }): Promise<AuditEntry[]>;
  /**
   * Recomputes the chain a batch at a time, yielding to other work between batches; records a checkpoint at
   * every 1000th intact entry and reports a checkpointed entry whose hash changed since.
   */
  verifyAudit(opts?: AuditVerifyOptions): Promise<AuditVerification>;
  /** The newest entry's seq and hash (or entry `seq`'s); null when there is none. */
  auditHead(seq?: number): Promise<AuditHead | null>;

  /** Changes fields of an incident without a transition (updatedAt = at); a `note` entry says why. */
  updateIncident(id: string, patch: IncidentUpdate, at: number, reason: string): Promise<Incident>;
  /** Re-attaches every finding of incident `from` to incident `to`; returns how many moved. */
  moveFindings(from: string, to: string): Promise<number>;
  /** Services involved in the incident: its own and those of its attached findings, sorted. */
  incidentServices(incidentId: string): Promise<string[]>;
}

/* ---- Telemetry (logs and metrics, migration 005) ---- */

export type * from './telemetry-types.js';

export interface Store {
  /**
   * One transaction; several batches are applied in order, as if written one after another. A chunk's body
   * given as bytes is the caller's memory again once the promise settles (the pipeline reuses it for later
   * chunks): a store copies or writes it before then and keeps no reference to it.
   */
  recordLogBatch(batch: LogBatch | readonly LogBatch[]): Promise<void>;
  listLogTemplates(filter: LogTemplateFilter): Promise<{ items: LogTemplateRecord[]; total: number }>;
  getLogTemplate(service: string, templateId: string): Promise<LogTemplateRecord | null>;
  /** Per-minute counts of a service (one template, or all summed), oldest first. */
  logCounts(
    service: string,
    templateId: string | null,
    since: number,
  ): Promise<{ bucket: number; count: number }[]>;
  getLogOffset(source: string): Promise<LogPosition | null>;
  logLines(filter: LogLineFilter): Promise<LogLine[]>;
  /** logLines within a budget (chunks read, time spent), yielding to other work between batches. */
  scanLogLines(scan: LogLineScan): Promise<LogLineScanResult>;
  /**
   * Stored lines of a service stamped in [since, until), counted per source and template, newest first up to
   * `maxLines` (default 50 000): `from` is where the counts begin (later than `since` when the cap was hit).
   */
  logLineCounts(service: string, since: number, until: number, maxLines?: number): Promise<LogLineCounts>;
  /** Deletes lines and per-minute counts older than `before`; returns the lines deleted. */
  pruneLogs(before: number): Promise<number>;

  recordMetricSamples(samples: readonly MetricSample[]): Promise<void>;
  /** Raw samples at or after `since`, oldest first (the newest `limit` when given). */
  metricSamples(service: string, metric: string, since: number, limit?: number): Promise<MetricSample[]>;
  /**
   * Downsampling: raw samples older than `before` are summarised into `stepMs` rollups and deleted, in one
   * transaction. Returns the raw samples folded.
   */
  downsampleMetrics(before: number, stepMs: number): Promise<number>;
  metricRollups(service: string, metric: string, since: number): Promise<MetricRollup[]>;
  pruneMetricRollups(before: number): Promise<number>;
  /** Every series with samples or rollups, and its newest time. */
  listMetricSeries(service?: string): Promise<{ service: string; metric: string; last: number }[]>;
}

/* ---- Notification outbox (migration 007) ---- */

export type * from './outbox-types.js';

export interface Store {
  /** Inserts the rows whose (notifier, key) is not stored yet; returns how many were new. */
  enqueueNotifications(rows: readonly OutboxInsert[]): Promise<number>;
  /**
   * Claims due pending rows for the replica (free ones, its own, and those of replicas that stopped
   * heartbeating), oldest first; atomic across processes, so each row is sent by one replica at a time.
   */
  claimNotifications(replicaId: string, now: number, opts: OutboxClaimOptions): Promise<OutboxEntry[]>;
  /** Records an attempt's outcome while the replica holds the row; false when it no longer does. */
  settleNotification(id: string, replicaId: string, outcome: OutboxSettle): Promise<boolean>;
  /**
   * Makes rows the replica still holds due at `until` (changed at `at`), keeping its claim and counting no
   * attempt; returns how many it still held.
   */
  deferNotifications(ids: readonly string[], replicaId: string, until: number, at: number): Promise<number>;
  /** A dead row back to pending, due at `at`; false unless it was dead. */
  retryNotification(id: string, at: number): Promise<boolean>;
  getNotification(id: string): Promise<OutboxEntry | null>;
  /** Newest first. */
  listNotifications(filter: OutboxFilter): Promise<{ items: OutboxEntry[]; total: number }>;
  notificationCounts(): Promise<Record<OutboxState, number>>;
  /** The earliest next attempt of a pending row, or null. */
  nextNotificationAt(): Promise<number | null>;
  /** Deletes delivered and dead rows last changed before `before`. */
  pruneNotifications(before: number): Promise<number>;
}

/* ---- Bans (migration 008) ---- */

/** A ban that reached the kernel: the address, when. */
export interface BanRecord {
  address: string;
  at: number;
}

export interface Store {
  /** Records a ban the `block` action applied. */
  recordBan(b: BanRecord): Promise<void>;
  /** Bans of the address at or after `since` (a repeat offender's next ban is longer). */
  countBans(address: string, since: number): Promise<number>;
}

/* ---- CI history (migration 011) ---- */

/** One pipeline's CI history: a JSON document whose shape the CI stage owns. */
export interface CiHistoryRecord {
  pipeline: string;
  doc: unknown;
  updatedAt: number;
}

export interface Store {
  /**
   * Records a CI webhook delivery (`provider:id`); false when the same key was recorded at or after `since`
   * (a replay, whichever replica saw it first). Keys older than `since` are forgotten.
   */
  recordCiDelivery(key: string, at: number, since: number): Promise<boolean>;
  /** A pipeline's history document, or null. */
  getCiHistory(pipeline: string): Promise<unknown | null>;
  /**
   * Reads, changes and writes a pipeline's document atomically: no other replica's change is lost in between.
   * `change` must be synchronous and free of side effects (it runs inside the transaction).
   */
  updateCiHistory<T>(
    pipeline: string,
    at: number,
    change: (doc: unknown | null) => { doc: unknown; result: T },
  ): Promise<T>;
  /** Every pipeline's document, by pipeline name. */
  listCiHistories(): Promise<CiHistoryRecord[]>;
}
