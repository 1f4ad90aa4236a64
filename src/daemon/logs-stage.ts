import path from 'node:path';
import type { ServiceLogsConfig } from '../config/schema/logs.js';
import { errorMessage, type Finding, type TimerHandle } from '../core/index.js';
import {
  DockerLogSource,
  type DockerRecord,
  dockerPositionToTail,
  FileTailer,
  type LogRecord,
} from '../sources/logs/index.js';
import type { StageHost } from './host.js';
import type { Stage, StageFactory, StageKit } from './stage.js';
import { AbuseWatch, abuseCheck } from './telemetry/abuse-watch.js';
import type { TelemetryGate } from './telemetry/gate.js';
import type { TelemetryHub } from './telemetry/hub.js';
import { type LogItem, LogPipeline, lineParser } from './telemetry/log-pipeline.js';

interface Running {
  config: string;
  pipeline: LogPipeline;
  tailers: FileTailer[];
  dockers: DockerLogSource[];
  rateTimer: TimerHandle | undefined;
  abuse: AbuseWatch | null;
}

/** How long lines' retention pruning waits between runs. */
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Logs (issue 5): per service with a `logs` section, its files (tailed across rotation, resuming from the
 * position stored with the lines), its containers' logs (through the Docker Engine API, resuming from the
 * stamp stored with the lines), its supervised process's stdout and stderr, and pushed lines go through a
 * LogPipeline; new or spiking error templates become `pattern` findings, and the error rate a metric series.
 */
export class LogsStage implements Stage {
  readonly name = 'logs';
  private readonly running = new Map<string, Running>();
  private offs: (() => void)[] = [];
  private pruneTimer: TimerHandle | undefined;

  private readonly medic: StageHost;
  private readonly gate: TelemetryGate;
  private readonly hub: TelemetryHub;

  constructor(kit: StageKit) {
    this.medic = kit.host;
    this.gate = kit.gate;
    this.hub = kit.hub;
  }

  async start(): Promise<void> {
    this.gate.start();
    this.offs.push(
      this.medic.bus.on('signal', (s) => {
        if (s.kind !== 'log') return;
        const r = this.running.get(s.service);
        if (!r || !this.configOf(s.service)?.stdout) return;
        r.pipeline.offer({ text: s.line, at: s.at, source: s.stream });
      }),
      // A ban ends the address's abuse condition on every service it was seen on.
      this.medic.bus.on('action', (a) => {
        if (a.kind !== 'block' || (a.state !== 'applied' && a.state !== 'verified')) return;
        for (const service of this.running.keys())
          this.gate.clear(service, abuseCheck(String(a.params['address'])));
      }),
    );
    await this.apply();
    this.schedulePrune(0);
  }

  async reload(): Promise<void> {
    await this.apply();
  }

  async stop(): Promise<void> {
    for (const off of this.offs) off();
    this.offs = [];
    this.medic.clock.clearTimeout(this.pruneTimer);
    for (const name of [...this.running.keys()]) await this.stopService(name);
    this.gate.stop();
  }

  /** Queue and store counters per service (GET /api/logs/stats). */
  stats() {
    return [...this.running.values()].map((r) => r.pipeline.stats());
  }

  private configOf(service: string): ServiceLogsConfig | undefined {
    return this.medic.config().config.services[service]?.logs;
  }

  private async apply(): Promise<void> {
    const services = this.medic.config().config.services;
    const wanted = new Map<string, ServiceLogsConfig>();
    for (const [name, s] of Object.entries(services)) if (s.logs) wanted.set(name, s.logs);
    for (const [name, r] of this.running) {
      const cfg = wanted.get(name);
      if (!cfg || JSON.stringify(cfg) !== r.config) await this.stopService(name);
    }
    for (const [name, cfg] of wanted) {
      if (this.running.has(name)) continue;
      try {
        await this.startService(name, cfg);
      } catch (err) {
        this.medic.logger.error({ service: name, err: errorMessage(err) }, 'cannot start log ingestion');
      }
    }
    this.gate.setServices('logs', wanted.keys());
  }

  private async startService(service: string, cfg: ServiceLogsConfig): Promise<void> {
    const { store, clock, logger } = this.medic;
    const gate = this.gate;
    const known = await store.listLogTemplates({ service, merged: true });
    const submit = (f: Finding) =>
      void this.medic
        .submitFinding(f)
        .catch((err) => logger.error({ err: errorMessage(err), service }, 'log finding not handled'));
    const abuse = AbuseWatch.create({
      service,
      abuse: cfg.abuse,
      config: () => this.medic.config(),
      gate,
      submit,
      clock,
      busy: async () => (await store.activeIncident(service)) !== null,
      warn: (message) => logger.warn({ service }, message),
    });
    const pipeline = new LogPipeline({
      service,
      config: cfg,
      store,
      clock,
      logger,
      known: known.items.map((t) => t.templateId),
      ...(abuse ? { onLine: (text: string, at: number) => abuse.observe(text, at) } : {}),
      // A pattern holds the service degraded while its lines keep coming, until they stop for `quiet`: the
      // errors of an upstream's outage end with it, and so does the dependent's hold.
      onTemplateLine: (id, at) => gate.extend(service, `logs:${id}`, at + cfg.novelty.quiet),
      onFinding: (f) => {
        gate.mark(service, f.check, clock.now() + cfg.novelty.quiet, f.summary);
        void this.medic
          .submitFinding(f)
          .catch((err) => logger.error({ err: errorMessage(err), service }, 'log finding not handled'));
      },
    });
    const r: Running = {
      config: JSON.stringify(cfg),
      pipeline,
      tailers: [],
      dockers: [],
      rateTimer: undefined,
      abuse,
    };
    this.running.set(service, r);
    this.hub.sinks.set(service, pipeline);
    pipeline.start();
    const baseDir = this.medic.config().baseDir;
    for (const f of cfg.files) {
      const file = path.resolve(baseDir, f.path);
      const key = `${service}:${file}`;
      // The pipeline parses with the service's format; a file with its own is parsed here.
      const parse = f.format === cfg.format ? null : lineParser(f.format);
      const tailer = new FileTailer({
        path: file,
        clock,
        pollMs: f.poll,
        fromEnd: f.from === 'end',
        continuation:
          f.multiline === true ? undefined : f.multiline === false ? null : new RegExp(f.multiline),
        onRecords: (records) => pipeline.pushRecords(records, key, `file:${file}`, parse),
      });
      tailer.resumeAt(await store.getLogOffset(key));
      r.tailers.push(tailer);
      await tailer.start();
    }
    for (const d of cfg.docker) {
      const key = `${service}:docker:${d.container}`;
      const source = `docker:${d.container}`;
      // The pipeline parses with the service's format; an entry with its own is parsed here.
      const parse = d.format === cfg.format ? null : lineParser(d.format);
      const docker = new DockerLogSource({
        container: d.container,
        socketPath: d.socket_path ?? null,
        url: d.url ?? null,
        stdout: d.stdout,
        stderr: d.stderr,
        fromEnd: d.from === 'end',
        clock,
        logger: logger.child({ service }),
        continuation:
          d.multiline === true ? undefined : d.multiline === false ? null : new RegExp(d.multiline),
        onRecords: (records) => pushDockerRecords(pipeline, records, key, source, parse),
      });
      docker.resumeAt(await store.getLogOffset(key));
      r.dockers.push(docker);
      await docker.start();
    }
    const tickRate = () => {
      const rates = pipeline.takeRates(cfg.rate_interval);
      const now = clock.now();
      const hub = this.hub;
      hub.publish(service, 'logs.error_rate', now, rates.errors);
      hub.publish(service, 'logs.lines_rate', now, rates.lines);
      r.rateTimer = clock.setTimeout(tickRate, cfg.rate_interval);
    };
    r.rateTimer = clock.setTimeout(tickRate, cfg.rate_interval);
  }

  private async stopService(service: string): Promise<void> {
    const r = this.running.get(service);
    if (!r) return;
    this.running.delete(service);
    this.medic.clock.clearTimeout(r.rateTimer);
    r.abuse?.stop();
    const hub = this.hub;
    if (hub.sinks.get(service) === r.pipeline) hub.sinks.delete(service);
    for (const t of r.tailers) await t.stop();
    for (const d of r.dockers) await d.stop();
    await r.pipeline.stop();
    const s = r.pipeline.stats();
    this.medic.logger.info({ ...s }, 'log ingestion stopped');
  }

  private schedulePrune(delay: number): void {
    this.pruneTimer = this.medic.clock.setTimeout(() => {
      void this.prune().finally(() => {
        if (this.offs.length > 0) this.schedulePrune(PRUNE_EVERY_MS);
      });
    }, delay);
  }

  private async prune(): Promise<void> {
    const configs = Object.values(this.medic.config().config.services).flatMap((s) =>
      s.logs ? [s.logs] : [],
    );
    if (configs.length === 0) return;
    const keep = Math.max(...configs.map((c) => c.retention));
    try {
      await this.medic.store.pruneLogs(this.medic.clock.now() - keep);
    } catch (err) {
      this.medic.logger.warn({ err: errorMessage(err) }, 'log retention: prune failed');
    }
  }
}

/**
 * Like pipeline.pushRecords for a tailed file (wait for room, the position stored with the lines), except that
 * a line keeps Docker's time: its stamp was cut from the text, so the stored time is the only one left.
 */
function pushDockerRecords(
  pipeline: LogPipeline,
  records: DockerRecord[],
  key: string,
  source: string,
  parse: ((text: string) => LogRecord) | null,
): Promise<void> {
  return pipeline.pushItems(
    records.map((r) => {
      const item: LogItem = { text: r.text, at: r.time, source };
      if (r.position) {
        const p = dockerPositionToTail(r.position);
        item.fileKey = key;
        item.tail = { dev: p.dev, ino: p.ino, end: p.offset };
      }
      if (parse) item.parsed = parse(r.text);
      return item;
    }),
  );
}

export const logsStage: StageFactory = (kit) => new LogsStage(kit);
