import type { Bus, Clock, ServiceHealth } from '../core/index.js';
import { formatDuration } from '../core/index.js';

export interface VerifyDeps {
  bus: Bus;
  clock: Clock;
  health(service: string): ServiceHealth;
  /** Runs the service's checks now and waits until their results are judged. */
  recheck(service: string): Promise<void>;
  pollMs: number;
}

export interface Verification {
  ok: boolean;
  reason: string;
}

/**
 * Re-checks the service until it is healthy or the window closes. An unexpected exit of its process during
 * the window fails at once: a service that dies on start is not healed, whatever a stale check says.
 */
export async function verifyHealthy(
  deps: VerifyDeps,
  service: string,
  window: { within: number; stable_for: number },
  signal?: AbortSignal,
): Promise<Verification> {
  const withinMs = window.within;
  const started = deps.clock.now();
  const deadline = started + withinMs;
  let healthySince: number | null = null;
  let exit: string | null = null;
  const off = deps.bus.on('signal', (s) => {
    if (s.kind === 'exit' && s.service === service && !s.expected) {
      exit = s.signal ? `killed by ${s.signal}` : `exit code ${s.code}`;
    }
  });
  try {
    for (;;) {
      if (signal?.aborted) return { ok: false, reason: 'verification interrupted: Medic is stopping' };
      await deps.recheck(service);
      if (exit) return { ok: false, reason: `${service} exited again during verification (${exit})` };
      const health = deps.health(service);
      const now = deps.clock.now();
      healthySince = health === 'healthy' ? (healthySince ?? now) : null;
      if (healthySince !== null && now - healthySince >= window.stable_for) {
        return { ok: true, reason: `${service} healthy after ${formatDuration(healthySince - started)}` };
      }
      // The stability wait may run past the window: the service made it in time.
      const left = (healthySince === null ? deadline : healthySince + window.stable_for) - now;
      if (left <= 0)
        return { ok: false, reason: `${service} still ${health} after ${formatDuration(withinMs)}` };
      try {
        await deps.clock.sleep(Math.min(deps.pollMs, left), signal);
      } catch {
        return { ok: false, reason: 'verification interrupted: Medic is stopping' };
      }
    }
  } finally {
    off();
  }
}
