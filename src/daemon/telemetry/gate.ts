import { checkName, type MedicConfig } from '../../config/index.js';
import type { TimerHandle } from '../../core/index.js';
import { PROCESS_CHECK } from '../../detect/index.js';
import type { StageHost } from '../host.js';

/** The pseudo-check through which log and metric findings count in a service's health. */
export const TELEMETRY_CHECK = 'telemetry';

/**
 * Holds a service `degraded` while a log or metric condition is active (a new error pattern within its window,
 * an anomaly episode, a forecast that sees the limit coming), through a `telemetry` check in the health
 * model. Without it a playbook could never act on a `pattern`, `anomaly` or `forecast` finding: the heal
 * engine does nothing for a service whose checks all pass, and verifies a heal by the service being healthy
 * again. A restart of the service's process clears its conditions (the new process starts from no evidence).
 */
export class TelemetryGate {
  private readonly marks = new Map<string, Map<string, { until: number; reason: string }>>();
  private timer: TimerHandle | undefined;
  private services = new Set<string>();
  private readonly owners = new Map<string, Set<string>>();
  private offs: (() => void)[] = [];
  private users = 0;
  /** The state a queued forceCheck will set, so the 200 ms tick does not queue it again. */
  private readonly pending = new Map<string, 'degraded' | 'up'>();

  constructor(private readonly medic: StageHost) {}

  /** Starts with its first user (the log or the metric stage), stops with its last. */
  start(): void {
    if (this.users++ > 0) return;
    this.offs.push(
      this.medic.bus.on('signal', (s) => {
        if (s.kind === 'start') this.marks.delete(s.service);
      }),
    );
    this.tick();
  }

  stop(): void {
    if (--this.users > 0) return;
    this.medic.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const off of this.offs) off();
    this.offs = [];
  }

  /** The services that have logs or metrics: they get the telemetry check. */
  setServices(owner: string, services: Iterable<string>): void {
    this.owners.set(owner, new Set(services));
    this.services = new Set([...this.owners.values()].flatMap((x) => [...x]));
    this.define();
    this.sync();
  }

  mark(service: string, key: string, until: number, reason: string): void {
    let m = this.marks.get(service);
    if (!m) {
      m = new Map();
      this.marks.set(service, m);
    }
    m.set(key, { until, reason });
    this.sync();
  }

  /** Moves an active mark's end later (its condition goes on); an ended or absent mark stays so. */
  extend(service: string, key: string, until: number): void {
    const m = this.marks.get(service)?.get(key);
    if (m && m.until > this.medic.clock.now() && until > m.until) m.until = until;
  }

  clear(service: string, key: string): void {
    if (this.marks.get(service)?.delete(key)) this.sync();
  }

  /** Why the service is held degraded, if it is. */
  reasons(service: string): string[] {
    const now = this.medic.clock.now();
    return [...(this.marks.get(service)?.values() ?? [])].filter((m) => m.until > now).map((m) => m.reason);
  }

  /** (Re)declares the check beside the configured ones: defineHealth drops checks it does not know. */
  define(): void {
    const config = this.medic.config().config;
    for (const service of this.services) {
      if (!config.services[service]) continue;
      const present = this.medic.health.checks(service).some((c) => c.name === TELEMETRY_CHECK);
      if (present) continue;
      this.medic.health.define(service, [
        ...checksOf(config, service),
        { name: TELEMETRY_CHECK, opts: { downAfter: 1, upAfter: 1 } },
      ]);
    }
  }

  private tick(): void {
    this.define();
    this.sync();
    this.timer = this.medic.clock.setTimeout(() => this.tick(), 200);
  }

  /** Moves each service's telemetry check to what its marks say, in the service's lane (see forceCheck). */
  private sync(): void {
    for (const service of this.services) {
      const state = this.medic.health.checks(service).find((c) => c.name === TELEMETRY_CHECK)?.state;
      if (state === undefined) continue;
      const active = this.reasons(service);
      const want = active.length > 0 ? 'degraded' : 'up';
      if (state === want || this.pending.get(service) === want) continue;
      this.pending.set(service, want);
      void this.medic
        .forceCheck(service, TELEMETRY_CHECK, want, active[0] ?? 'no log or metric condition', {
          reasons: active,
        })
        .catch((err) =>
          this.medic.logger.warn({ err: String(err), service }, 'telemetry health change failed'),
        )
        .finally(() => {
          if (this.pending.get(service) === want) this.pending.delete(service);
        });
    }
  }
}

/** The checks wiring.defineHealth declares for a service, with their thresholds. */
function checksOf(config: MedicConfig, service: string) {
  const s = config.services[service];
  if (!s) return [];
  const checks = s.checks.map((c, i) => ({
    name: checkName(c, i),
    opts: { downAfter: c.down_after, upAfter: c.up_after },
  }));
  if (s.run) checks.push({ name: PROCESS_CHECK, opts: { downAfter: 1, upAfter: 1 } });
  return checks;
}
