/**
 * Row ⇄ core type mapping. Numbers go through Number() (PostgreSQL returns bigint as a string), booleans are
 * 0/1 and JSON columns are text.
 */
import type { Selectable } from 'kysely';
import type {
  Action,
  ActionState,
  AuditEntry,
  Finding,
  FindingKind,
  Incident,
  IncidentState,
  JournalEntry,
  Severity,
  TimelineEntry,
  TimelineKind,
} from '../core/index.js';
import type {
  ActionJournalTable,
  ActionsTable,
  AuditLogTable,
  FindingsTable,
  GuardStateTable,
  IncidentsTable,
  IncidentTimelineTable,
  OutcomesTable,
  ProbeResultsTable,
} from './schema.js';
import type { GuardState, ProbeRecord, StoredOutcome } from './store.js';

export function toJson(value: Record<string, unknown> | undefined): string {
  return JSON.stringify(value ?? {});
}

export function fromJson(text: string | null): Record<string, unknown> {
  if (text === null || text === '') return {};
  const v: unknown = JSON.parse(text);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function num(v: number | string | bigint): number {
  return Number(v);
}

function numOrNull(v: number | string | bigint | null): number | null {
  return v === null ? null : Number(v);
}

export function probeToRow(rec: ProbeRecord): Omit<Selectable<ProbeResultsTable>, 'id'> {
  return {
    service: rec.service,
    check: rec.check,
    at: rec.at,
    ok: rec.result.ok ? 1 : 0,
    degraded: rec.result.degraded ? 1 : 0,
    latency_ms: rec.result.latencyMs,
    message: rec.result.message,
    details: rec.result.details === undefined ? null : JSON.stringify(rec.result.details),
  };
}

export function rowToProbe(r: Omit<Selectable<ProbeResultsTable>, 'id'>): ProbeRecord {
  const result: ProbeRecord['result'] = {
    ok: num(r.ok) === 1,
    latencyMs: num(r.latency_ms),
    message: r.message,
  };
  if (num(r.degraded) === 1) result.degraded = true;
  if (r.details !== null) result.details = fromJson(r.details);
  return { service: r.service, check: r.check, at: num(r.at), result };
}

export function findingToRow(f: Finding, incidentId: string | null): Selectable<FindingsTable> {
  return {
    id: f.id,
    service: f.service,
    check: f.check,
    kind: f.kind,
    severity: f.severity,
    score: f.score,
    summary: f.summary,
    evidence: toJson(f.evidence),
    at: f.at,
    incident_id: incidentId,
  };
}

export function rowToFinding(r: Selectable<FindingsTable>): Finding {
  return {
    id: r.id,
    service: r.service,
    check: r.check,
    kind: r.kind as FindingKind,
    severity: r.severity as Severity,
    score: num(r.score),
    summary: r.summary,
    evidence: fromJson(r.evidence),
    at: num(r.at),
  };
}

/** Leaves dedup_key alone: only openIncident sets it. */
export function incidentToRow(i: Incident): Omit<Selectable<IncidentsTable>, 'dedup_key'> {
  return {
    id: i.id,
    service: i.service,
    state: i.state,
    title: i.title,
    severity: i.severity,
    root_cause: i.rootCause,
    opened_at: i.openedAt,
    updated_at: i.updatedAt,
    resolved_at: i.resolvedAt,
  };
}

export function rowToIncident(r: Omit<Selectable<IncidentsTable>, 'dedup_key'>): Incident {
  return {
    id: r.id,
    service: r.service,
    state: r.state as IncidentState,
    title: r.title,
    severity: r.severity as Severity,
    rootCause: r.root_cause,
    openedAt: num(r.opened_at),
    updatedAt: num(r.updated_at),
    resolvedAt: numOrNull(r.resolved_at),
  };
}

export function rowToTimeline(r: Selectable<IncidentTimelineTable>): TimelineEntry {
  return {
    id: num(r.id),
    incidentId: r.incident_id,
    at: num(r.at),
    kind: r.kind as TimelineKind,
    state: r.state as IncidentState | null,
    message: r.message,
    data: fromJson(r.data),
  };
}

export function actionToRow(a: Action): Selectable<ActionsTable> {
  return {
    id: a.id,
    incident_id: a.incidentId,
    service: a.service,
    playbook: a.playbook,
    step: a.step,
    kind: a.kind,
    params: toJson(a.params),
    state: a.state,
    dry_run: a.dryRun ? 1 : 0,
    reason: a.reason,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

export function rowToAction(r: Selectable<ActionsTable>): Action {
  return {
    id: r.id,
    incidentId: r.incident_id,
    service: r.service,
    playbook: r.playbook,
    step: num(r.step),
    kind: r.kind,
    params: fromJson(r.params),
    state: r.state as ActionState,
    dryRun: num(r.dry_run) === 1,
    reason: r.reason,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function rowToJournal(r: Selectable<ActionJournalTable>): JournalEntry {
  return {
    id: num(r.id),
    actionId: r.action_id,
    at: num(r.at),
    state: r.state as ActionState,
    message: r.message,
  };
}

export function guardToRow(s: GuardState): Selectable<GuardStateTable> {
  return {
    service: s.service,
    failed_heals: s.failedHeals,
    next_allowed_at: s.nextAllowedAt,
    escalated: s.escalated ? 1 : 0,
    escalated_at: s.escalatedAt,
    updated_at: s.updatedAt,
  };
}

export function rowToGuard(r: Selectable<GuardStateTable>): GuardState {
  return {
    service: r.service,
    failedHeals: num(r.failed_heals),
    nextAllowedAt: num(r.next_allowed_at),
    escalated: num(r.escalated) === 1,
    escalatedAt: numOrNull(r.escalated_at),
    updatedAt: num(r.updated_at),
  };
}

export function outcomeToRow(o: StoredOutcome): Omit<Selectable<OutcomesTable>, 'id'> {
  return {
    incident_id: o.incidentId,
    service: o.service,
    cause: o.cause,
    playbook: o.playbook,
    success: o.success ? 1 : 0,
    heal_ms: o.healMs,
    at: o.at,
    drill: o.drill ? 1 : 0,
  };
}

export function rowToOutcome(r: Selectable<OutcomesTable>): StoredOutcome {
  const drill = num(r.drill) === 1;
  return {
    incidentId: r.incident_id,
    service: r.service,
    cause: r.cause,
    playbook: r.playbook,
    success: num(r.success) === 1,
    healMs: numOrNull(r.heal_ms),
    at: num(r.at),
    // Only when set: an outcome of real trouble reads exactly as before the mark existed.
    ...(drill ? { drill } : {}),
  };
}

export function rowToAudit(r: Selectable<AuditLogTable>): AuditEntry {
  return {
    seq: num(r.seq),
    at: num(r.at),
    actor: r.actor,
    event: r.event,
    subject: r.subject,
    data: fromJson(r.data),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
