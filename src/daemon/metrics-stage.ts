import type { ServiceMetricsConfig } from '../config/schema/metrics.js';
import { errorMessage, type Finding, type TimerHandle } from '../core/index.js';
import { AnomalyMonitor, detectors, forecastFinding, TrendForecaster } from '../detect/index.js';
import type { MetricSample } from '../store/index.js';
import type { StageHost } from './host.js';
import type { Stage, StageFactory, StageKit } from './stage.js';
import type { TelemetryGate } from './telemetry/gate.js';
import type { TelemetryHub } from './telemetry/hub.js';
import { type Sampler, samplerOf } from './telemetry/samplers.js';

interface Watch {
  monitor: AnomalyMonitor;
  metric: string;
  threshold: number;
  /** How long an anomaly holds the service degraded after its last anomalous sample. */
  holdMs: number;
}

interface Forecast {
  metric: string;
  cfg: ServiceMetricsConfig['forecast'][number];
  trend: TrendForecaster;
  samples: number;
  episode: boolean;
  timer: TimerHandle | undefined;
}

interface ServiceMetrics {
  config: string;
  cfg: ServiceMetricsConfig;
  timers: TimerHandle[];
  watches: Watch[];
  forecasts: Forecast[];
  /** Series whose values belong to one process: reset when it restarts. */
  perProcess: Set<string>;
  stopped: boolean;
}

const FLUSH_MS = 1000;
const MAX_BUFFERED = 200_000;
const HOUSEKEEP_MS = 60_000;

/**
 * Metrics (issue 4): per service with a `metrics` section, series sampled on their interval (Prometheus
 * scrape, PromQL, host, process RSS) and series other stages derive (the log error rate) are stored in
 * batches (raw for a window, then downsampled), watched by streaming detectors (`anomaly` findings) and by
 * trend forecasts re-evaluated on an interval (`forecast` findings). A restart of the service's process
 * resets what watches its per-process series (RSS): the new process starts from its own baseline.
 */
export class MetricsStage implements Stage {
  readonly name = 'metrics';
  private readonly services = new Map<string, ServiceMetrics>();
  private buffer: MetricSample[] = [];
  private flushTimer: TimerHandle | undefined;
  private houseTimer: TimerHandle | undefined;
  private writing: Promise<void> = Promise.resolve();
  private offs: (() => void)[] = [];
  dropped = 0;
  written = 0;

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
      this.hub.onSeries((service, metric, at, value) => this.ingest(service, metric, at, value)),
      this.medic.bus.on('signal', (s) => {
        if (s.kind === 'start') this.resetProcess(s.service);
        // Probe latencies are series too, for services that have a metrics section: a latency creeping up
        // is caught by a detector long before a threshold trips. A booting process's failures are not its
        // latency (its start period's timeouts would read as an anomaly at every start).
        else if (s.kind === 'probe' && !s.starting && this.services.has(s.service)) {
          this.ingest(s.service, `probe.${s.check}.latency_ms`, s.at, s.result.latencyMs);
        }
      }),
    );
    this.apply();
    this.houseTimer = this.medic.clock.setTimeout(() => this.housekeep(), HOUSEKEEP_MS);
  }

  async reload(): Promise<void> {
    this.apply();
  }

  async stop(): Promise<void> {
    for (const off of this.offs) off();
    this.offs = [];
    this.medic.clock.clearTimeout(this.houseTimer);
    for (const name of [...this.services.keys()]) this.stopService(name);
    await this.flush();
    this.gate.stop();
  }

  /** One sample of a series: stored, and shown to the detectors and forecasts that watch it. */
  ingest(service: string, metric: string, at: number, value: number): void {
    if (!Number.isFinite(value)) return;
    this.buffer.push({ service, metric, at, value });
    if (this.buffer.length > MAX_BUFFERED) {
      const excess = this.buffer.length - MAX_BUFFERED;
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
    this.flushTimer ??= this.medic.clock.setTimeout(() => void this.flush(), FLUSH_MS);
    const s = this.services.get(service);
    if (!s) return;
    const gate = this.gate;
    for (const w of s.watches) {
      if (w.metric !== metric) continue;
      const v = w.monitor.observe(at, value);
      if (v.score >= w.threshold) {
        gate.mark(service, w.monitor.check, at + w.holdMs, `${metric} anomalous`);
      }
      if (v.finding) this.submit(v.finding);
    }
    for (const f of s.forecasts) {
      if (f.metric !== metric) continue;
      f.trend.observe(at, value);
      f.samples++;
    }
  }

  /** Writes what is buffered in one transaction. */
  flush(): Promise<void> {
    this.medic.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.medic.store.recordMetricSamples(batch);
        this.written += batch.length;
      } catch (err) {
        this.dropped += batch.length;
        this.medic.logger.warn(
          { err: errorMessage(err), samples: batch.length },
          'could not store metric samples',
        );
      }
    });
    return this.writing;
  }

  private submit(f: Finding): void {
    void this.medic
      .submitFinding(f)
      .catch((err) =>
        this.medic.logger.error({ err: errorMessage(err), service: f.service }, 'metric finding not handled'),
      );
  }

  private apply(): void {
    const services = this.medic.config().config.services;
    const wanted = new Map<string, ServiceMetricsConfig>();
    for (const [name, s] of Object.entries(services)) if (s.metrics) wanted.set(name, s.metrics);
    for (const [name, s] of this.services) {
      const cfg = wanted.get(name);
      if (!cfg || JSON.stringify(cfg) !== s.config) this.stopService(name);
    }
    for (const [name, cfg] of wanted) if (!this.services.has(name)) this.startService(name, cfg);
    this.gate.setServices('metrics', wanted.keys());
  }

  private startService(service: string, cfg: ServiceMetricsConfig): void {
    const { clock, logger } = this.medic;
    const s: ServiceMetrics = {
      config: JSON.stringify(cfg),
      cfg,
      timers: [],
      watches: [],
      forecasts: [],
      perProcess: new Set(cfg.series.filter((x) => x.rss === true).map((x) => x.name)),
      stopped: false,
    };
    this.services.set(service, s);
    this.buildWatchers(service, s);
    cfg.series.forEach((series, i) => {
      let sample: Sampler;
      try {
        sample = samplerOf(series, {
          baseDir: this.medic.config().baseDir,
          pid: () => this.medic.supervisor.pid(service),
        });
      } catch (err) {
        logger.error({ service, series: series.name, err: errorMessage(err) }, 'metric series not started');
        return;
      }
      let failing = false;
      const tick = async () => {
        if (s.stopped) return;
        const now = clock.now();
        try {
          const v = await sample(now);
          if (v !== null) this.ingest(service, series.name, now, v);
          failing = false;
        } catch (err) {
          if (!failing)
            logger.warn({ service, series: series.name, err: errorMessage(err) }, 'metric sample failed');
          failing = true;
        }
        if (!s.stopped) s.timers[i] = clock.setTimeout(() => void tick(), series.interval);
      };
      s.timers[i] = clock.setTimeout(() => void tick(), 0);
    });
  }

  private buildWatchers(service: string, s: ServiceMetrics): void {
    const { cfg } = s;
    const intervalOf = (metric: string) => cfg.series.find((x) => x.name === metric)?.interval ?? 10_000;
    for (const f of s.forecasts) this.medic.clock.clearTimeout(f.timer);
    s.watches = cfg.detect.map((d) => ({
      metric: d.metric,
      threshold: d.threshold,
      holdMs: intervalOf(d.metric) * d.clear_after,
      monitor: new AnomalyMonitor(service, `metric:${d.metric}`, detectors.get(d.detector)(d.options), {
        threshold: d.threshold,
        clearAfter: d.clear_after,
        severity: d.severity,
      }),
    }));
    s.forecasts = cfg.forecast.map((c) => {
      const f: Forecast = {
        metric: c.metric,
        cfg: c,
        trend: new TrendForecaster(c.horizon),
        samples: 0,
        episode: false,
        timer: undefined,
      };
      const evaluate = () => {
        if (s.stopped) return;
        this.evaluate(service, f);
        f.timer = this.medic.clock.setTimeout(evaluate, c.every);
      };
      f.timer = this.medic.clock.setTimeout(evaluate, c.every);
      return f;
    });
  }

  private evaluate(service: string, f: Forecast): void {
    const { clock } = this.medic;
    const gate = this.gate;
    const check = `forecast:${f.metric}`;
    const now = clock.now();
    const e =
      f.samples >= f.cfg.min_samples ? f.trend.forecast(f.cfg.limit, { now, horizonMs: f.cfg.within }) : null;
    if (!e || e.etaMs > f.cfg.within) {
      if (f.episode) gate.clear(service, check);
      f.episode = false;
      return;
    }
    // A band still open (the trend could yet be flat: a ramp that just began on a long flat line) waits for a
    // few more samples to close it, unless the limit is a quarter of `within` away: a finding from a surer
    // forecast is one Medic can act on without asking.
    if (!f.episode && !Number.isFinite(e.latest) && e.etaMs > f.cfg.within / 4) return;
    const what = `${service} ${f.metric} reaches ${formatValue(f.metric, f.cfg.limit)}`;
    gate.mark(service, check, now + f.cfg.every * 3, what);
    if (f.episode) return;
    f.episode = true;
    this.submit(forecastFinding(service, check, what, e, now, f.cfg.within));
  }

  /** The service's process restarted: what watched its per-process series starts again from nothing. */
  private resetProcess(service: string): void {
    const s = this.services.get(service);
    if (!s || s.perProcess.size === 0) return;
    for (const f of s.forecasts) {
      if (!s.perProcess.has(f.metric)) continue;
      f.trend = new TrendForecaster(f.cfg.horizon);
      f.samples = 0;
      f.episode = false;
    }
    for (const w of s.watches) {
      if (!s.perProcess.has(w.metric)) continue;
      const d = s.cfg.detect.find((x) => `metric:${x.metric}` === w.monitor.check);
      if (d)
        w.monitor = new AnomalyMonitor(service, w.monitor.check, detectors.get(d.detector)(d.options), {
          threshold: d.threshold,
          clearAfter: d.clear_after,
          severity: d.severity,
        });
    }
  }

  private stopService(service: string): void {
    const s = this.services.get(service);
    if (!s) return;
    s.stopped = true;
    for (const t of s.timers) this.medic.clock.clearTimeout(t);
    for (const f of s.forecasts) this.medic.clock.clearTimeout(f.timer);
    this.services.delete(service);
  }

  /** Retention: raw samples older than the window are downsampled, rollups older than theirs deleted. */
  private async housekeep(): Promise<void> {
    const cfgs = Object.values(this.medic.config().config.services).flatMap((s) =>
      s.metrics ? [s.metrics] : [],
    );
    const raw = cfgs.length ? Math.max(...cfgs.map((c) => c.retention.raw)) : 86_400_000;
    const step = cfgs.length ? Math.min(...cfgs.map((c) => c.retention.step)) : 60_000;
    const rollup = cfgs.length ? Math.max(...cfgs.map((c) => c.retention.rollup)) : 30 * 86_400_000;
    const now = this.medic.clock.now();
    try {
      await this.flush();
      await this.medic.store.downsampleMetrics(now - raw, step);
      await this.medic.store.pruneMetricRollups(now - rollup);
    } catch (err) {
      this.medic.logger.warn({ err: errorMessage(err) }, 'metric retention failed');
    }
    if (this.offs.length > 0)
      this.houseTimer = this.medic.clock.setTimeout(() => void this.housekeep(), HOUSEKEEP_MS);
  }
}

function formatValue(metric: string, v: number): string {
  if (/rss|bytes|mem/i.test(metric) && v >= 1024) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let x = v;
    let i = 0;
    while (x >= 1024 && i < units.length - 1) {
      x /= 1024;
      i++;
    }
    return `the ${Number(x.toPrecision(3))} ${units[i]} limit`;
  }
  return `the limit ${Number(v.toPrecision(4))}`;
}

export const metricsStage: StageFactory = (kit) => new MetricsStage(kit);
