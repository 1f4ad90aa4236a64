import { checkName } from '../config/index.js';
import { errorMessage, type Finding, type TimerHandle } from '../core/index.js';
import { PROCESS_CHECK } from '../detect/index.js';
import {
  AlertChecks,
  type AlertMapping,
  mapAlerts,
  type PayloadError,
  parseAlertmanagerPayload,
} from '../sources/alerts/index.js';
import type { StageHost } from './host.js';
import type { Stage, StageFactory } from './stage.js';

export interface IngestAnswer {
  findings: number;
  resolved: number;
  unmapped: AlertMapping['unmapped'];
}

/**
 * Alertmanager's webhook at runtime: each firing alert is an `alert:<alertname>` check of its service, forced
 * down in the health model (so heals and verification see the service failing) and submitted as a finding of
 * kind `alert`; a resolved alert forces the check up again, which lets the incident resolve. The checks live
 * beside the configured ones and are declared again after a config reload; they are bounded per service and
 * removed an hour after their alert resolved (AlertChecks).
 */
export class AlertsStage implements Stage {
  readonly name = 'alerts';
  private readonly checks = new AlertChecks();
  private sweep: TimerHandle | null = null;
  private fullWarned = false;

  constructor(private readonly medic: StageHost) {}

  async start(): Promise<void> {}

  async reload(): Promise<void> {
    const services = this.medic.config().config.services;
    for (const service of this.checks.services()) {
      if (!services[service]) {
        this.checks.drop(service);
        continue;
      }
      this.declare(service);
      const at = this.medic.clock.now();
      for (const [check, firing] of this.checks.checks(service)) {
        this.medic.health.force(service, check, firing ? 'down' : 'up', at, `${check} (after reload)`, {});
      }
    }
  }

  async stop(): Promise<void> {
    this.medic.clock.clearTimeout(this.sweep ?? undefined);
    this.sweep = null;
  }

  /** Validates and applies one webhook payload; a malformed one is refused with the reason. */
  async ingest(
    body: unknown,
  ): Promise<{ ok: true; answer: IngestAnswer } | { ok: false; error: PayloadError }> {
    const parsed = parseAlertmanagerPayload(body);
    if (!parsed.ok) return parsed;
    const cfg = this.medic.config().config;
    const now = this.medic.clock.now();
    const mapping = mapAlerts(parsed.payload, {
      serviceLabels: cfg.alerts.service_labels,
      services: new Set(Object.keys(cfg.services)),
      now,
    });
    for (const f of mapping.findings) await this.fire(f);
    for (const r of mapping.resolutions) await this.resolve(r.service, r.check, r.alertname);
    if (mapping.unmapped.length > 0) {
      this.medic.logger.warn({ unmapped: mapping.unmapped }, 'alerts not mapped to a service');
    }
    return {
      ok: true,
      answer: {
        findings: mapping.findings.length,
        resolved: mapping.resolutions.length,
        unmapped: mapping.unmapped,
      },
    };
  }

  private async fire(f: Finding): Promise<void> {
    const { added } = this.checks.fire(f.service, f.check);
    if (added === 'new') this.declare(f.service);
    try {
      if (added === 'full') {
        // No room for another check: the alert is still a finding, only without a check of its own.
        if (!this.fullWarned)
          this.medic.logger.warn(
            { service: f.service, check: f.check },
            'too many alert checks firing on this service: new alert names go on as findings without a check',
          );
        this.fullWarned = true;
        await this.medic.submitFinding(f);
      } else await this.medic.applyCheck(f.service, f.check, 'down', f.summary, f.evidence, f);
    } catch (err) {
      this.medic.logger.error({ err: errorMessage(err), service: f.service }, 'alert finding failed');
    }
  }

  private async resolve(service: string, check: string, alertname: string): Promise<void> {
    // Not tracked: resolved before Medic saw it fire, or it never got a check.
    if (!this.checks.resolve(service, check, this.medic.clock.now())) return;
    await this.medic.applyCheck(service, check, 'up', `${alertname} resolved`, {});
    this.scheduleSweep();
  }

  /** Removes the checks whose alert resolved a grace period ago, at the next one's due time. */
  private scheduleSweep(): void {
    if (this.sweep) return;
    const due = this.checks.nextExpiry();
    if (due === null) return;
    this.sweep = this.medic.clock.setTimeout(
      () => {
        this.sweep = null;
        for (const service of this.checks.expire(this.medic.clock.now())) this.declare(service);
        this.scheduleSweep();
      },
      Math.max(0, due - this.medic.clock.now()),
    );
  }

  /** The service's configured checks (as the daemon declares them) plus its alert checks. */
  private declare(service: string): void {
    const s = this.medic.config().config.services[service];
    if (!s) return;
    const checks = s.checks.map((c, i) => ({
      name: checkName(c, i),
      opts: { downAfter: c.down_after, upAfter: c.up_after },
    }));
    if (s.run) checks.push({ name: PROCESS_CHECK, opts: { downAfter: 1, upAfter: 1 } });
    for (const [check] of this.checks.checks(service)) {
      checks.push({ name: check, opts: { downAfter: 1, upAfter: 1 } });
    }
    this.medic.health.define(service, checks);
  }
}

/** The stage's factory for stages.ts. */
export const alertsStage: StageFactory = (kit) => new AlertsStage(kit.host);
