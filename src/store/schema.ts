/**
 * Row shapes of the store's tables as Kysely sees them. Times are epoch ms; booleans are 0/1 integers and JSON
 * columns are text, so the same schema runs on SQLite and PostgreSQL. PostgreSQL returns bigint and count
 * columns as strings: the mappers in rows.ts pass every number through Number().
 */
import type { ColumnType, Generated } from 'kysely';

export interface ProbeResultsTable {
  id: Generated<number>;
  service: string;
  check: string;
  at: number;
  ok: number;
  degraded: number;
  latency_ms: number;
  message: string;
  details: string | null;
}

/** The newest probe result per (service, check), kept so latestProbes() never scans the history. */
export interface ProbeLatestTable {
  service: string;
  check: string;
  at: number;
  ok: number;
  degraded: number;
  latency_ms: number;
  message: string;
  details: string | null;
}

export interface FindingsTable {
  id: string;
  service: string;
  check: string;
  kind: string;
  severity: string;
  score: number;
  summary: string;
  evidence: string;
  at: number;
  incident_id: string | null;
}

export interface IncidentsTable {
  id: string;
  service: string;
  state: string;
  title: string;
  severity: string;
  root_cause: string | null;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
  /**
   * Set by openIncident: at most one active (not resolved or suppressed) incident holds a key, enforced by a
   * unique partial index, so replicas racing on the same failure open one incident. Optional on insert.
   */
  dedup_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface IncidentTimelineTable {
  id: Generated<number>;
  incident_id: string;
  at: number;
  kind: string;
  state: string | null;
  message: string;
  data: string;
}

export interface ActionsTable {
  id: string;
  incident_id: string | null;
  service: string;
  playbook: string;
  step: number;
  kind: string;
  params: string;
  state: string;
  dry_run: number;
  reason: string;
  created_at: number;
  updated_at: number;
}

export interface ActionJournalTable {
  id: Generated<number>;
  action_id: string;
  at: number;
  state: string;
  message: string;
}

export interface GuardStateTable {
  service: string;
  failed_heals: number;
  next_allowed_at: number;
  escalated: number;
  escalated_at: number | null;
  updated_at: number;
}

export interface OutcomesTable {
  id: Generated<number>;
  incident_id: string | null;
  service: string;
  cause: string;
  playbook: string;
  success: number;
  heal_ms: number | null;
  at: number;
  /** 1: a drill caused it (migration 006); the learner leaves it out. */
  drill: number;
}

export interface AuditLogTable {
  seq: number;
  at: number;
  actor: string;
  event: string;
  subject: string;
  data: string;
  prev_hash: string;
  hash: string;
}

/** One row per running replica (migration 002): liveness is heartbeat_at within the expiry window. */
export interface ReplicasTable {
  id: string;
  started_at: number;
  heartbeat_at: number;
  /** JSON text: host, pid, version; for people, never for decisions. */
  info: string;
}

/** Which replica runs an action (migration 002): a claim is valid while its replica is live. */
export interface ActionClaimsTable {
  action_id: string;
  replica_id: string;
  claimed_at: number;
}

export interface StoreSchema {
  probe_results: ProbeResultsTable;
  probe_latest: ProbeLatestTable;
  findings: FindingsTable;
  incidents: IncidentsTable;
  incident_timeline: IncidentTimelineTable;
  actions: ActionsTable;
  action_journal: ActionJournalTable;
  guard_state: GuardStateTable;
  outcomes: OutcomesTable;
  audit_log: AuditLogTable;
  replicas: ReplicasTable;
  action_claims: ActionClaimsTable;
  api_tokens: ApiTokensTable;
  silences: SilencesTable;
  healing_switch: HealingSwitchTable;
}

/** API tokens: only a salted HMAC of each secret (see src/api/tokens.ts). */
export interface ApiTokensTable {
  id: string;
  name: string;
  role: string;
  salt: string;
  hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  /** Refused after this time (migration 010); null: never expires. */
  expires_at: number | null;
}

/** Silences (migration 004): label matchers (JSON text) that suppress heals until ends_at. */
export interface SilencesTable {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
}

/** The stop switch (migration 004): one row per switch, `global` today. */
export interface HealingSwitchTable {
  id: string;
  stopped: number;
  actor: string;
  reason: string;
  at: number;
}
