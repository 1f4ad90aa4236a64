import pino, { type Logger } from 'pino';
import type { Replica } from '../cluster/index.js';
import type { LoadedConfig } from '../config/index.js';
import { Bus, type Clock, errorMessage, type Finding, KeyedSerial, RealClock } from '../core/index.js';
import { type CheckState, HealthModel, type Observation } from '../detect/index.js';
import { IncidentManager } from '../incidents/index.js';
import { NotifyRouter, Outbox } from '../notify/index.js';
import { Journal, type RemediationEngine } from '../remediate/index.js';
import { runProbe, Scheduler, Supervisor } from '../sources/index.js';
import { isSqlite, type KyselyStore } from '../store/index.js';
import { AlertsStage } from './alerts-stage.js';
import { CiStage } from './ci-stage.js';
import { watchDaemonConfig } from './config-watch.js';
import { createEngine } from './engine-wiring.js';
import { FindingPath } from './finding-path.js';
import { type RunningHeartbeat, startHeartbeat } from './heartbeat-wiring.js';
import { lockDataDir } from './lock.js';
import { wireNotifications } from './notify-wiring.js';
import { dataDirOf, type MedicOptions, type ServiceStatus } from './options.js';
import { ProbeWriter } from './probe-writer.js';
import { ReplicaShare } from './replica-share.js';
import type { Stage, StageKit } from './stage.js';
import { STAGES } from './stages.js';
import { StartPeriods } from './start-period.js';
import { Supervision } from './supervision.js';
import { TelemetryGate } from './telemetry/gate.js';
import { TelemetryHub } from './telemetry/hub.js';
import { defineHealth } from './wiring.js';

/**
 * One Medic: the stages of DESIGN.md wired together. Each service's events are handled in order in its own
 * lane; heals run beside the lanes so a long restart never delays another service's findings.
 */
export class Medic {
  readonly bus = new Bus();
  readonly health = new HealthModel();
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: KyselyStore;
  /** This process as a member of the cluster: alone on SQLite, one of several on PostgreSQL. */
  readonly replica: Replica;
  private readonly share: ReplicaShare;
  readonly supervisor: Supervisor;
  readonly scheduler: Scheduler;
  readonly incidents: IncidentManager;
  readonly journal: Journal;
  readonly engine: RemediationEngine;
  /** Correlation, diagnosis and the hand-over to the engine: the path every finding takes. */
  readonly findings: FindingPath;
  readonly startedAt: number;
  private loaded: LoadedConfig;
  private notifier: NotifyRouter;
  /** Every notification is stored here before it is sent, and sent from here (retried, once per key). */
  readonly outbox: Outbox;
  private readonly lanes = new KeyedSerial();
  /** Failed probes of a process still starting (`run.start_period`) are recorded, not judged. */
  private readonly startPeriods = new StartPeriods(
    this.bus,
    (s) => this.loaded.config.services[s]?.run?.start_period ?? 0,
  );
  readonly probes: ProbeWriter;
  private watcher: { close(): void } | null = null;
  private offs: (() => void)[] = [];
  private readonly supervision: Supervision;
  private running = false;
  private readonly stages: Stage[] = [];
  /** Log sinks by service and derived series: the API's push endpoint feeds the log stage through it. */
  readonly telemetry = new TelemetryHub();
  private unlock: () => void = () => {};
  /** The dead man's switch: calls out only while the daemon makes progress. */
  private heartbeat: RunningHeartbeat | null = null;

  constructor(
    store: KyselyStore,
    loaded: LoadedConfig,
    private readonly opts: MedicOptions,
  ) {
    this.store = store;
    this.loaded = loaded;
    this.clock = opts.clock ?? new RealClock();
    this.logger = opts.logger ?? pino({ level: process.env['MEDIC_LOG_LEVEL'] ?? 'info' });
    this.startedAt = this.clock.now();
    this.supervisor = new Supervisor({
      clock: this.clock,
      bus: this.bus,
      dataDir: dataDirOf(loaded, opts),
      baseDir: loaded.baseDir,
      // What a start did to a process on the service's port is audited, like any change Medic makes.
      log: (message, service) => {
        this.logger.warn({ service }, message);
        void this.store
          .audit({
            at: this.clock.now(),
            actor: 'medic',
            event: 'supervisor.port',
            subject: service,
            data: { message },
          })
          .catch((err) => this.logger.error({ err: errorMessage(err), service }, 'audit failed'));
      },
    });
    this.scheduler = new Scheduler({
      clock: this.clock,
      spreadFirstRun: 'interval',
      run: (c, signal) =>
        runProbe(c.config, {
          signal,
          service: c.service,
          baseDir: this.loaded.baseDir,
          supervisedPid: () => this.supervisor.pid(c.service),
        }),
      onResult: (c, result, at) => {
        void this.lanes.run(c.service, async () => {
          const judged = this.startPeriods.admits(c.service, c.name, result, at);
          this.bus.emit('signal', {
            kind: 'probe',
            service: c.service,
            check: c.name,
            at,
            result,
            ...(judged ? {} : { starting: true as const }),
          });
          this.probes.add({ service: c.service, check: c.name, at, result });
          if (judged) await this.handle(c.service, this.health.observe(c.service, c.name, result, at), at);
        });
      },
    });
    this.share = new ReplicaShare({
      store,
      clock: this.clock,
      logger: this.logger,
      scheduler: this.scheduler,
      config: () => this.loaded,
      running: () => this.running,
      reconcile: (orphans) => this.engine.reconcile(orphans),
    });
    this.replica = this.share.replica;
    this.probes = new ProbeWriter(store, this.clock, this.logger);
    this.incidents = new IncidentManager(store, this.bus, this.clock);
    this.journal = new Journal(store, this.bus, this.clock);
    this.engine = createEngine({
      store,
      bus: this.bus,
      clock: this.clock,
      journal: this.journal,
      incidents: this.incidents,
      logger: this.logger,
      health: this.health,
      supervisor: this.supervisor,
      config: () => this.loaded,
      dataDir: dataDirOf(loaded, opts),
      verifyPollMs: opts.verifyPollMs,
      drill: opts.drill === true,
      recheck: (s) => this.runChecks(s),
      upstreamBlocking: (s) => this.findings.upstreamBlocking(s),
      diagnoseAgain: (f, incidentId) => this.findings.diagnoseAgain(f, incidentId),
      claim: (id) => this.replica.claim(id),
      claimRun: (ids) => this.replica.claimRun(ids),
      send: async (n) => {
        await this.notifier.send(n);
      },
      restart: (s) => this.supervision.restart(s),
    });
    this.outbox = new Outbox({
      store,
      clock: this.clock,
      logger: this.logger,
      replica: this.replica,
      channel: (name) => this.notifier.channel(name),
    });
    this.notifier = new NotifyRouter(loaded.config.notifiers, this.logger, { sink: this.outbox });
    this.findings = new FindingPath(this);
    // The stages beside the probe loop see the daemon through its narrow face (StageHost) and share the
    // telemetry gate and hub, made once here.
    const kit: StageKit = { host: this, gate: new TelemetryGate(this), hub: this.telemetry };
    for (const make of STAGES) this.stages.push(make(kit));
    this.supervision = new Supervision({
      bus: this.bus,
      clock: this.clock,
      logger: this.logger,
      health: this.health,
      supervisor: this.supervisor,
      config: () => this.loaded,
      onExit: (service, pid) => this.engine.onExit(service, pid),
      inLane: (service, work) => this.lanes.run(service, work),
      handle: (service, obs, at) => this.handle(service, obs, at),
    });
  }

  config(): LoadedConfig {
    return this.loaded;
  }

  /** The stage that takes Alertmanager's webhook (the API's receiver hands payloads to it). */
  alerts(): AlertsStage {
    const stage = this.stages.find((s): s is AlertsStage => s instanceof AlertsStage);
    if (!stage) throw new Error('no alerts stage');
    return stage;
  }

  /** The stage that takes the CI receivers' webhooks (GitHub, GitLab, Jenkins). */
  ci(): CiStage {
    const stage = this.stages.find((s): s is CiStage => s instanceof CiStage);
    if (!stage) throw new Error('no ci stage');
    return stage;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unlock = lockDataDir(dataDirOf(this.loaded, this.opts));
    this.supervision.start();
    this.offs.push(() => this.supervision.stop());
    const notifications = wireNotifications({
      bus: this.bus,
      clock: this.clock,
      store: this.store,
      logger: this.logger,
      notifier: () => this.notifier,
      remindEvery: () => this.loaded.config.policy.remind_every,
    });
    this.offs.push(() => notifications.stop());
    await notifications.start();
    defineHealth(this.health, this.loaded.config);
    await this.store.audit({
      at: this.clock.now(),
      actor: 'medic',
      event: 'medic.started',
      subject: this.loaded.file,
      data: { pid: process.pid, services: Object.keys(this.loaded.config.services) },
    });
    await this.supervision.startAll(this.loaded.config);
    await this.replica.start({ sole: isSqlite(this.store.db as never) });
    // After the first heartbeat: the outbox sends only while this replica may act. What a previous run left
    // unsent is due now; a heal that began waiting for approval just before a crash is told (once) too.
    this.outbox.start();
    await notifications.catchUp();
    this.share.reschedule();
    this.scheduler.start();
    for (const stage of this.stages) await stage.start();
    void this.share.adoptOrphans();
    if (this.opts.watch ?? Boolean(this.opts.configFile))
      this.watcher = watchDaemonConfig(this.loaded.file, this);
    this.heartbeat = startHeartbeat(this);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.heartbeat?.stop();
    this.watcher?.close();
    this.scheduler.stop();
    for (const stage of this.stages.splice(0).reverse()) {
      await stage
        .stop()
        .catch((err) => this.logger.error({ err, stage: stage.name }, 'stage did not stop cleanly'));
    }
    this.findings.stop();
    await this.engine.stop();
    await this.supervisor.stopAll();
    await this.lanes.idle();
    // What the probes saw last is part of the history: written before the store closes.
    await this.probes.flush();
    // Unsent notifications stay stored: the next start, or another replica, sends them.
    await this.outbox.stop();
    await this.replica
      .stop()
      .catch((err) => this.logger.warn({ err: errorMessage(err) }, 'leaving the cluster'));
    for (const off of this.offs) off();
    this.offs = [];
    await this.store.audit({
      at: this.clock.now(),
      actor: 'medic',
      event: 'medic.stopped',
      subject: this.loaded.file,
      data: {},
    });
    await this.store.close();
    this.unlock();
  }

  /** Why the daemon is not making progress (its store refuses writes, its probe loop is silent), or null. */
  stalled(): string | null {
    return this.heartbeat ? this.heartbeat.stalled() : 'not started';
  }

  status(): ServiceStatus[] {
    const local = new Set(this.scheduler.services());
    return Object.entries(this.loaded.config.services).map(([name, s]) => ({
      name,
      health: this.health.get(name),
      supervised: Boolean(s.run),
      pid: this.supervisor.pid(name),
      checks: this.health.checks(name),
      dependsOn: s.depends_on,
      local: local.has(name) || Boolean(s.run),
    }));
  }

  /**
   * True while a heal of the service is in progress or due: being diagnosed, waiting for its root cause's
   * heal, decided on a timer (a `for`, a backoff, a flapping delay), running, or a keepalive start due. The
   * other half of "never down silently" is an escalated incident whose notification was sent.
   */
  healPending(service: string): boolean {
    return this.engine.healDue(service) || this.findings.covers(service);
  }

  /** Stores the probe results and the service's mined log lines that wait for a batched write. */
  async flushWrites(service: string): Promise<void> {
    await Promise.all([this.probes.flush(), this.telemetry.sinks.get(service)?.flush()]);
  }

  /** Runs the checks now (all, or one service's) and waits until their results are judged. */
  async runChecks(service?: string): Promise<void> {
    await this.scheduler.runNow(service ? { service } : undefined);
    const services = service ? [service] : Object.keys(this.loaded.config.services);
    await Promise.all(services.map((s) => this.lanes.run(s, async () => {})));
  }

  /** Applies a new valid config: checks, playbooks, policy and notifiers change in place. */
  async reload(next: LoadedConfig): Promise<void> {
    const prev = this.loaded.config;
    this.loaded = next;
    this.notifier = new NotifyRouter(next.config.notifiers, this.logger, { sink: this.outbox });
    defineHealth(this.health, next.config);
    const runChanged: string[] = [];
    for (const [name, s] of Object.entries(prev.services)) {
      const now = next.config.services[name];
      if (s.run && (!now?.run || JSON.stringify(now.run) !== JSON.stringify(s.run))) {
        await this.supervisor.stop(name);
        if (now?.run) runChanged.push(name);
      }
    }
    for (const name of runChanged) await this.engine.runChanged(name);
    await this.supervision.startAll(next.config);
    this.share.reschedule();
    await this.store.audit({
      at: this.clock.now(),
      actor: 'medic',
      event: 'config.reloaded',
      subject: next.file,
      // The hash says which text took effect: compare it with `sha256sum` of a file in version control.
      data: { services: Object.keys(next.config.services), sha256: next.sha256 ?? null },
    });
    for (const stage of this.stages) await stage.reload?.();
    this.heartbeat?.reload();
    this.bus.emit('config:reloaded', { file: next.file, at: this.clock.now() });
  }

  /**
   * Sets a pseudo-check's state (the telemetry gate's) in the service's lane, so that the health change it
   * makes reaches the bus, incident resolution and the engine as a probe's would. No finding: the log or
   * metric finding behind it was submitted on its own.
   */
  forceCheck(
    service: string,
    check: string,
    state: CheckState,
    summary: string,
    evidence: Record<string, unknown>,
  ): Promise<void> {
    return this.lanes.run(service, async () => {
      const current = this.health.checks(service).find((c) => c.name === check)?.state;
      if (current === undefined || current === state) return;
      const at = this.clock.now();
      const obs = this.health.force(service, check, state, at, summary, evidence);
      // Not a flap: a log or metric episode that starts and ends says nothing about a service bouncing.
      await this.handle(service, obs ? { finding: null, change: obs.change } : null, at, false);
    });
  }

  applyCheck(
    service: string,
    check: string,
    state: CheckState,
    summary: string,
    evidence: Record<string, unknown>,
    finding?: Finding,
  ): Promise<void> {
    return this.lanes.run(service, async () => {
      const at = this.clock.now();
      const obs = this.health.force(service, check, state, at, summary, evidence);
      await this.handle(
        service,
        { finding: finding ?? obs?.finding ?? null, change: obs?.change ?? null },
        at,
      );
    });
  }

  /**
   * A finding from outside the probe path (logs, metrics, alerts, forecasts): handled in its service's lane
   * like any probe finding, so it opens or joins the service's incident and may start a heal.
   */
  submitFinding(f: Finding): Promise<void> {
    return this.lanes.run(f.service, () => this.handle(f.service, { finding: f, change: null }, f.at));
  }

  /** Turns a judged observation into findings, incidents and heals. Runs in the service's lane. */
  private async handle(
    service: string,
    obs: Pick<Observation, 'finding' | 'change'> | null,
    at: number,
    flapCounts = true,
  ): Promise<void> {
    if (!obs) return;
    if (obs.finding) {
      this.bus.emit('finding', obs.finding);
      await this.findings.onFinding(obs.finding);
    }
    if (obs.change) {
      this.bus.emit('health', { ...obs.change, at });
      await this.findings.onHealth(service, obs.change, at, flapCounts);
    }
  }
}
