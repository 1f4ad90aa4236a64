/**
 * The Store over any Kysely database that speaks the schema in migrations/. Dialect-specific setup (opening,
 * pragmas, pools) lives in the subclass; the queries live in queries/.
 */
import { type Kysely, Migrator } from 'kysely';
import type {
  Action,
  ActionState,
  AuditEntry,
  Finding,
  Incident,
  IncidentState,
  JournalEntry,
  TimelineEntry,
  TimelineKind,
} from '../core/index.js';
import { errorMessage, StoreError } from '../core/index.js';
import { migrationProvider } from './migrations/index.js';
import * as actions from './queries/actions.js';
import * as audit from './queries/audit.js';
import * as bans from './queries/bans.js';
import * as ciHistory from './queries/ci-history.js';
import * as healing from './queries/healing.js';
import * as incidents from './queries/incidents.js';
import * as incidentsExtra from './queries/incidents-extra.js';
import { logLineCounts } from './queries/log-line-counts.js';
import * as logs from './queries/logs.js';
import { scanLogLines } from './queries/logs-scan.js';
import * as metrics from './queries/metrics.js';
import * as outbox from './queries/outbox.js';
import * as probes from './queries/probes.js';
import * as records from './queries/records.js';
import type { StoreSchema } from './schema.js';
import type * as T from './store.js';
import type {
  ActionFilter,
  AuditInput,
  AuditVerification,
  GuardState,
  IncidentFilter,
  IncidentUpdate,
  Page,
  ProbeRecord,
  Store,
} from './store.js';

export interface LeaseDbOptions {
  /** Bound on opening the connection: longer than this and the lease is lost anyway. */
  connectTimeoutMs: number;
  /** Bound on each statement, so one stalled beat leaves time for the next before the lease lapses. */
  queryTimeoutMs: number;
}

export class KyselyStore implements Store {
  private closed = false;
  /** Audit appends run one after another, so two concurrent calls can never read the same last entry. */
  private auditTail: Promise<unknown> = Promise.resolve();

  constructor(readonly db: Kysely<StoreSchema>) {}

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) {
      const what = failed ? `migration ${failed.migrationName} failed` : 'migration failed';
      throw new StoreError(`${what}: ${errorMessage(error)}`, { cause: error });
    }
  }

  /**
   * Where the replica lease (its heartbeat) reads and writes: a connection that never waits behind the
   * store's other work. SQLite has one connection and no pool to wait in, so it is the store's own.
   */
  leaseDb(_opts: LeaseDbOptions): Kysely<StoreSchema> {
    return this.db;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.auditTail;
    await this.db.destroy();
  }

  recordProbe(rec: ProbeRecord): Promise<void> {
    return probes.recordProbes(this.db, [rec]);
  }
  recordProbes(recs: readonly ProbeRecord[]): Promise<void> {
    return probes.recordProbes(this.db, recs);
  }
  latestProbes(): Promise<ProbeRecord[]> {
    return probes.latestProbes(this.db);
  }
  probeHistory(service: string, check: string, since: number, limit?: number): Promise<ProbeRecord[]> {
    return probes.probeHistory(this.db, service, check, since, limit);
  }

  insertFinding(f: Finding, incidentId: string | null): Promise<void> {
    return records.insertFinding(this.db, f, incidentId);
  }
  listFindings(filter: Page & { service?: string; incidentId?: string }): Promise<Finding[]> {
    return records.listFindings(this.db, filter);
  }

  createIncident(i: Incident, reason: string): Promise<void> {
    return incidents.createIncident(this.db, i, reason);
  }
  openIncident(
    i: Incident,
    reason: string,
    dedupKey: string,
  ): Promise<{ incident: Incident; created: boolean }> {
    return incidents.openIncident(this.db, i, reason, dedupKey);
  }
  transitionIncident(
    id: string,
    state: IncidentState,
    reason: string,
    at: number,
    patch?: incidents.IncidentPatch,
  ): Promise<Incident> {
    return incidents.transitionIncident(this.db, id, state, reason, at, patch);
  }
  addTimeline(
    incidentId: string,
    at: number,
    kind: TimelineKind,
    message: string,
    data?: Record<string, unknown>,
  ): Promise<void> {
    return incidents.addTimeline(this.db, incidentId, at, kind, message, data);
  }
  getIncident(id: string): Promise<Incident | null> {
    return incidents.getIncident(this.db, id);
  }
  timeline(incidentId: string): Promise<TimelineEntry[]> {
    return incidents.timeline(this.db, incidentId);
  }
  listIncidents(filter: IncidentFilter): Promise<{ items: Incident[]; total: number }> {
    return incidents.listIncidents(this.db, filter);
  }
  activeIncident(service: string): Promise<Incident | null> {
    return incidents.activeIncident(this.db, service);
  }

  createAction(a: Action, message: string, audit?: (a: Action) => AuditInput): Promise<void> {
    if (!audit) return actions.createAction(this.db, a, message);
    return this.withAudit(() => actions.createAction(this.db, a, message, this.auditIn(audit)));
  }
  updateAction(
    id: string,
    state: ActionState,
    message: string,
    at: number,
    expected?: ActionState | readonly ActionState[],
    audit?: (a: Action) => AuditInput,
  ): Promise<Action> {
    if (!audit) return actions.updateAction(this.db, id, state, message, at, expected);
    return this.withAudit(() =>
      actions.updateAction(this.db, id, state, message, at, expected, this.auditIn(audit)),
    );
  }
  getAction(id: string): Promise<Action | null> {
    return actions.getAction(this.db, id);
  }
  journal(actionId: string): Promise<JournalEntry[]> {
    return actions.journal(this.db, actionId);
  }
  listActions(filter: ActionFilter): Promise<{ items: Action[]; total: number }> {
    return actions.listActions(this.db, filter);
  }
  unfinishedActions(): Promise<Action[]> {
    return actions.unfinishedActions(this.db);
  }

  getGuardState(service: string): Promise<GuardState | null> {
    return records.getGuardState(this.db, service);
  }
  putGuardState(s: GuardState): Promise<void> {
    return records.putGuardState(this.db, s);
  }

  recordOutcome(o: T.StoredOutcome): Promise<void> {
    return records.recordOutcome(this.db, o);
  }
  listOutcomes(filter: Page & { service?: string }): Promise<T.StoredOutcome[]> {
    return records.listOutcomes(this.db, filter);
  }

  listOutcomesBy(filter: T.OutcomeFilter): Promise<T.StoredOutcome[]> {
    return healing.listOutcomesBy(this.db, filter);
  }

  createSilence(s: T.Silence): Promise<void> {
    return healing.createSilence(this.db, s);
  }
  getSilence(id: string): Promise<T.Silence | null> {
    return healing.getSilence(this.db, id);
  }
  listSilences(filter: Page & { activeAt?: number }): Promise<T.Silence[]> {
    return healing.listSilences(this.db, filter);
  }
  expireSilence(id: string, at: number): Promise<T.Silence> {
    return healing.expireSilence(this.db, id, at);
  }
  getHealingSwitch(): Promise<T.HealingSwitch | null> {
    return healing.getHealingSwitch(this.db);
  }
  setHealingSwitch(s: T.HealingSwitch): Promise<void> {
    return healing.setHealingSwitch(this.db, s);
  }

  audit(e: AuditInput): Promise<AuditEntry> {
    return this.withAudit(() => audit.appendAudit(this.db, e, (trx) => this.lockAuditChain(trx)));
  }

  /**
   * Runs `write` and appends the audit entry it returns (none: null) in one transaction, `write` first: the
   * change and its entry commit together or not at all. Used by the CLI beside a running daemon: on SQLite a
   * transaction whose first statement writes waits out busy_timeout for the write lock, while one that reads
   * first (an append alone) fails at once with "database is locked" if the daemon holds the lock then.
   */
  auditedWrite<R>(
    write: (trx: Kysely<StoreSchema>) => Promise<{ result: R; audit: AuditInput | null }>,
  ): Promise<R> {
    return this.withAudit(() =>
      this.db.transaction().execute(async (trx) => {
        const { result, audit: entry } = await write(trx);
        if (entry) await audit.appendAuditIn(trx, entry, (t) => this.lockAuditChain(t));
        return result;
      }),
    );
  }

  /** Runs a write that appends to the audit chain after every earlier one: one append at a time. */
  private withAudit<R>(write: () => Promise<R>): Promise<R> {
    const run = this.auditTail.then(write);
    this.auditTail = run.catch(() => undefined);
    return run;
  }

  private auditIn(entry: (a: Action) => AuditInput): actions.AuditIn {
    return { entry, lock: (trx) => this.lockAuditChain(trx) };
  }
  /**
   * Runs first in every audit append's transaction. Nothing to do for a single process (appends are already
   * serialized above); a store that several processes share overrides it to take a cross-process lock.
   */
  protected lockAuditChain(_trx: Kysely<StoreSchema>): Promise<void> {
    return Promise.resolve();
  }
  listAudit(filter: Page & { subject?: string }): Promise<AuditEntry[]> {
    return audit.listAudit(this.db, filter);
  }
  verifyAudit(opts?: T.AuditVerifyOptions): Promise<AuditVerification> {
    return audit.verifyAudit(this.db, opts);
  }
  auditHead(seq?: number): Promise<T.AuditHead | null> {
    return audit.auditHead(this.db, seq);
  }

  updateIncident(id: string, patch: IncidentUpdate, at: number, reason: string): Promise<Incident> {
    return incidentsExtra.updateIncident(this.db, id, patch, at, reason);
  }
  moveFindings(from: string, to: string): Promise<number> {
    return incidentsExtra.moveFindings(this.db, from, to);
  }
  incidentServices(incidentId: string): Promise<string[]> {
    return incidentsExtra.incidentServices(this.db, incidentId);
  }

  /* ---- Telemetry (migration 005) ---- */
  recordLogBatch(batch: T.LogBatch | readonly T.LogBatch[]): Promise<void> {
    return logs.recordLogBatch(this.db, batch);
  }
  listLogTemplates(filter: T.LogTemplateFilter): Promise<{ items: T.LogTemplateRecord[]; total: number }> {
    return logs.listLogTemplates(this.db, filter);
  }
  getLogTemplate(service: string, templateId: string): Promise<T.LogTemplateRecord | null> {
    return logs.getLogTemplate(this.db, service, templateId);
  }
  logCounts(
    service: string,
    templateId: string | null,
    since: number,
  ): Promise<{ bucket: number; count: number }[]> {
    return logs.logCounts(this.db, service, templateId, since);
  }
  getLogOffset(source: string): Promise<T.LogPosition | null> {
    return logs.getLogOffset(this.db, source);
  }
  /** Reads chunks newest first until `limit` matching lines are found; returns them oldest first. */
  async logLines(filter: T.LogLineFilter): Promise<T.LogLine[]> {
    return (await scanLogLines(this.db, filter)).items;
  }
  scanLogLines(scan: T.LogLineScan): Promise<T.LogLineScanResult> {
    return scanLogLines(this.db, scan);
  }
  logLineCounts(service: string, since: number, until: number, maxLines?: number): Promise<T.LogLineCounts> {
    return logLineCounts(this.db, service, since, until, maxLines);
  }
  pruneLogs(before: number): Promise<number> {
    return logs.pruneLogs(this.db, before);
  }
  recordMetricSamples(samples: readonly T.MetricSample[]): Promise<void> {
    return metrics.recordMetricSamples(this.db, samples);
  }
  metricSamples(service: string, metric: string, since: number, limit?: number): Promise<T.MetricSample[]> {
    return metrics.metricSamples(this.db, service, metric, since, limit);
  }
  downsampleMetrics(before: number, stepMs: number): Promise<number> {
    return metrics.downsampleMetrics(this.db, before, stepMs);
  }
  metricRollups(service: string, metric: string, since: number): Promise<T.MetricRollup[]> {
    return metrics.metricRollups(this.db, service, metric, since);
  }
  pruneMetricRollups(before: number): Promise<number> {
    return metrics.pruneMetricRollups(this.db, before);
  }
  listMetricSeries(service?: string): Promise<{ service: string; metric: string; last: number }[]> {
    return metrics.listMetricSeries(this.db, service);
  }

  /* ---- Bans (migration 008) ---- */
  recordBan(b: T.BanRecord): Promise<void> {
    return bans.recordBan(this.db, b);
  }
  countBans(address: string, since: number): Promise<number> {
    return bans.countBans(this.db, address, since);
  }

  /* ---- CI history (migration 011) ---- */
  recordCiDelivery(key: string, at: number, since: number): Promise<boolean> {
    return ciHistory.recordCiDelivery(this.db, key, at, since);
  }
  getCiHistory(pipeline: string): Promise<unknown | null> {
    return ciHistory.getCiHistory(this.db, pipeline);
  }
  updateCiHistory<R>(
    pipeline: string,
    at: number,
    change: (doc: unknown | null) => { doc: unknown; result: R },
  ): Promise<R> {
    return ciHistory.updateCiHistory(this.db, pipeline, at, change);
  }
  listCiHistories(): Promise<T.CiHistoryRecord[]> {
    return ciHistory.listCiHistories(this.db);
  }

  /* ---- Notification outbox (migration 007) ---- */
  enqueueNotifications(rows: readonly T.OutboxInsert[]): Promise<number> {
    return outbox.enqueueNotifications(this.db, rows);
  }
  claimNotifications(replicaId: string, now: number, opts: T.OutboxClaimOptions): Promise<T.OutboxEntry[]> {
    return outbox.claimNotifications(this.db, replicaId, now, opts);
  }
  settleNotification(id: string, replicaId: string, outcome: T.OutboxSettle): Promise<boolean> {
    return outbox.settleNotification(this.db, id, replicaId, outcome);
  }
  deferNotifications(ids: readonly string[], replicaId: string, until: number, at: number): Promise<number> {
    return outbox.deferNotifications(this.db, ids, replicaId, until, at);
  }
  retryNotification(id: string, at: number): Promise<boolean> {
    return outbox.retryNotification(this.db, id, at);
  }
  getNotification(id: string): Promise<T.OutboxEntry | null> {
    return outbox.getNotification(this.db, id);
  }
  listNotifications(filter: T.OutboxFilter): Promise<{ items: T.OutboxEntry[]; total: number }> {
    return outbox.listNotifications(this.db, filter);
  }
  notificationCounts(): Promise<Record<T.OutboxState, number>> {
    return outbox.notificationCounts(this.db);
  }
  nextNotificationAt(): Promise<number | null> {
    return outbox.nextNotificationAt(this.db);
  }
  pruneNotifications(before: number): Promise<number> {
    return outbox.pruneNotifications(this.db, before);
  }
}
