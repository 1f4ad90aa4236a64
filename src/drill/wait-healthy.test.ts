import { describe, expect, it } from 'vitest';
import type { ServiceHealth } from '../core/index.js';
import { waitAllHealthy } from './runner.js';

/** What waitAllHealthy reads of a running Medic: health, heals in flight, active incidents. */
function view(health: () => ServiceHealth, incident: () => boolean) {
  return {
    config: () => ({ config: { services: { api: {}, db: {} } } }),
    health: { get: health },
    engine: { busy: () => false },
    store: { activeIncident: async () => (incident() ? { id: 'inc_1' } : null) },
  } as unknown as Parameters<typeof waitAllHealthy>[0];
}

describe('waitAllHealthy', () => {
  it('with stableMs, waits for the stack to stay calm that long: a blip starts the wait over', async () => {
    const t0 = Date.now();
    // Healthy, then an incident from 150 ms to 450 ms (a slow first check), then calm.
    const incident = () => {
      const t = Date.now() - t0;
      return t >= 150 && t < 450;
    };
    await waitAllHealthy(
      view(() => 'healthy', incident),
      10_000,
      600,
    );
    // Calm from 450 ms on at the earliest, for 600 ms: not before 1,050 ms.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
  });

  it('without it, returns at the first calm moment, and names the services that never were', async () => {
    const t0 = Date.now();
    await waitAllHealthy(
      view(
        () => 'healthy',
        () => false,
      ),
      10_000,
    );
    expect(Date.now() - t0).toBeLessThan(1_000);
    await expect(
      waitAllHealthy(
        view(
          () => 'down',
          () => false,
        ),
        300,
      ),
    ).rejects.toThrow(/not all healthy within 300ms \(api down, db down/);
  });
});
