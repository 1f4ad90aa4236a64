import { checkName } from '../config/index.js';
import { PROCESS_CHECK } from '../detect/index.js';
import type { StageHost } from './host.js';

type CiCheckState = 'down' | 'up';

/**
 * The CI checks of each service (`ci:<pipeline>`) and their states, declared in the health model beside the
 * service's own checks. A CI check is declared only once its pipeline has failed, so a service whose
 * pipeline was never red is not held "unknown" by it.
 */
export class CiChecks {
  /** service → CI check → its state. */
  private readonly checks = new Map<string, Map<string, CiCheckState>>();

  constructor(private readonly host: Pick<StageHost, 'config' | 'health' | 'clock'>) {}

  state(service: string, check: string): CiCheckState | undefined {
    return this.checks.get(service)?.get(check);
  }

  set(service: string, check: string, state: CiCheckState): void {
    const checks = this.checks.get(service) ?? new Map<string, CiCheckState>();
    const known = checks.has(check);
    checks.set(check, state);
    this.checks.set(service, checks);
    if (!known || !this.host.health.checks(service).some((c) => c.name === check)) this.declare(service);
  }

  /**
   * After a config reload: a removed service's CI checks go; the others are declared again (the reload
   * redefined the service's checks) and held in the state they had.
   */
  reload(): void {
    const services = this.host.config().config.services;
    for (const [service, checks] of this.checks) {
      if (!services[service]) {
        this.checks.delete(service);
        continue;
      }
      this.declare(service);
      for (const [check, state] of checks)
        this.host.health.force(service, check, state, this.host.clock.now(), `${check} (after reload)`, {});
    }
  }

  /**
   * The service's checks as the health model holds them, plus its CI checks. Checks declared by others (the
   * configured ones, alert checks) are kept with their thresholds.
   */
  private declare(service: string): void {
    const s = this.host.config().config.services[service];
    if (!s) return;
    const configured = new Map(
      s.checks.map((c, i) => [checkName(c, i), { downAfter: c.down_after, upAfter: c.up_after }] as const),
    );
    if (s.run) configured.set(PROCESS_CHECK, { downAfter: 1, upAfter: 1 });
    const names = new Set([
      ...configured.keys(),
      ...this.host.health.checks(service).map((c) => c.name),
      ...(this.checks.get(service)?.keys() ?? []),
    ]);
    this.host.health.define(
      service,
      [...names].map((name) => ({ name, opts: configured.get(name) ?? { downAfter: 1, upAfter: 1 } })),
    );
  }
}
