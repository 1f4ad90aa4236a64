import type { Bus, Clock, ServiceHealth } from '../core/index.js';
import { formatDuration } from '../core/index.js';
import type { CheckState } from '../detect/index.js';

export interface VerifyDeps {
  bus: Bus;
  clock: Clock;
  health(service: string): ServiceHealth;
  checkState(service: string, check: string): CheckState | undefined;
  /** Runs the service's checks now and waits until their results are judged. */
  recheck(service: string): Promise<void>;
  pollMs: number;
  /**
   * True when the service is supervised and its process is not running now. Its exit is reported after its
   * last output is read (up to a few hundred milliseconds later), so a heal must not be judged by the report
   * alone: a process that died at the end of a short `stable_for` would pass. Absent: not asked.
   */
  processGone?(service: string): boolean;
  /** What the exited process `pid` said last on stderr (`: <line>`), for the failure's reason. Absent: nothing. */
  lastWords?(service: string, pid: number): string;
}

export interface Verification {
  ok: boolean;
  reason: string;
}

export interface VerifyWindow {
  within: number;
  stable_for: number;
  /** Only these must pass: `check` (of the healed service) or `service/check`; absent: the whole service. */
  checks?: readonly string[] | undefined;
}

/** What a verification watches: the whole service, or named checks (of it or of other services). */
interface Target {
  service: string;
  check: string | null;
}

function targetsOf(service: string, checks: readonly string[] | undefined): Target[] {
  if (!checks || checks.length === 0) return [{ service, check: null }];
  return checks.map((c) => {
    const slash = c.indexOf('/');
    return slash < 0 ? { service, check: c } : { service: c.slice(0, slash), check: c.slice(slash + 1) };
  });
}

const label = (t: Target) => (t.check === null ? t.service : `${t.service}/${t.check}`);

/**
 * Re-checks until the service is healthy (or, with `checks`, each named check passes) for `stable_for`, or
 * the window closes. An unexpected exit of the healed service's process during the window fails at once: a
 * service that dies on start is not healed, whatever a stale check says. So does a failing service that
 * `superseded` says is failing for another reason than the heal's (diagnosed since, a cause it does not treat).
 */
export async function verifyHealthy(
  deps: VerifyDeps,
  service: string,
  window: VerifyWindow,
  signal?: AbortSignal,
  /** Polled each round: a reason ends the verification as failed (what the heal was for is not the trouble). */
  superseded?: () => string | null,
): Promise<Verification> {
  const withinMs = window.within;
  const started = deps.clock.now();
  const deadline = started + withinMs;
  const targets = targetsOf(service, window.checks);
  const services = [...new Set(targets.map((t) => t.service))];
  const what = targets.map(label).join(', ');
  let passingSince: number | null = null;
  let exit: string | null = null;
  const off = deps.bus.on('signal', (s) => {
    if (s.kind === 'exit' && s.service === service && !s.expected) {
      // Its last words go with it: the escalation a human reads says why it would not stay up.
      const said = deps.lastWords?.(service, s.pid) ?? '';
      exit = `${s.signal ? `killed by ${s.signal}` : `exit code ${s.code}`}${said}`;
    }
  });
  /** The first target not passing now, with its state; null when all pass. */
  const failing = (): string | null => {
    for (const t of targets) {
      if (t.check === null) {
        const h = deps.health(t.service);
        if (h !== 'healthy') return `${t.service} still ${h}`;
      } else {
        const state = deps.checkState(t.service, t.check) ?? 'unknown';
        if (state !== 'up') return `${label(t)} still ${state}`;
      }
    }
    return null;
  };
  try {
    for (;;) {
      if (signal?.aborted) return { ok: false, reason: 'verification interrupted: Medic is stopping' };
      for (const s of services) await deps.recheck(s);
      if (exit) return { ok: false, reason: `${service} exited again during verification (${exit})` };
      const why = failing();
      const moot = why === null ? null : superseded?.();
      if (moot) return { ok: false, reason: moot };
      const now = deps.clock.now();
      passingSince = why === null ? (passingSince ?? now) : null;
      if (passingSince !== null && now - passingSince >= window.stable_for) {
        if (deps.processGone?.(service))
          return { ok: false, reason: `${service} exited again during verification (its process is gone)` };
        const pass = window.checks ? `${what} passing` : `${service} healthy`;
        return { ok: true, reason: `${pass} after ${formatDuration(passingSince - started)}` };
      }
      // The stability wait may run past the window: the service made it in time.
      const left = (passingSince === null ? deadline : passingSince + window.stable_for) - now;
      if (left <= 0)
        return { ok: false, reason: `${why ?? `${what} not stable`} after ${formatDuration(withinMs)}` };
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
