import type { MedicConfig } from '../config/index.js';
import { checkName } from '../config/index.js';
import { type HealthModel, PROCESS_CHECK } from '../detect/index.js';
import type { ScheduledCheck } from '../sources/index.js';

/** Every configured check, named, in config order. */
export function scheduledChecks(config: MedicConfig): ScheduledCheck[] {
  return Object.entries(config.services).flatMap(([service, s]) =>
    s.checks.map((c, i) => ({ service, name: checkName(c, i), config: c })),
  );
}

/** Declares every service's checks to the health model; a supervised service also gets its process check. */
export function defineHealth(model: HealthModel, config: MedicConfig): void {
  for (const name of model.services()) if (!config.services[name]) model.remove(name);
  for (const [service, s] of Object.entries(config.services)) {
    const checks = s.checks.map((c, i) => ({
      name: checkName(c, i),
      opts: { downAfter: c.down_after, upAfter: c.up_after },
    }));
    if (s.run) checks.push({ name: PROCESS_CHECK, opts: { downAfter: 1, upAfter: 1 } });
    model.define(service, checks);
  }
}
