import { describe, expect, it } from 'vitest';
import { Bus, type ServiceHealth, SimulatedClock } from '../core/index.js';
import type { CheckState } from '../detect/index.js';
import { type VerifyDeps, verifyHealthy } from './verify.js';

/** A world of services and check states the test changes as simulated time passes. */
function world() {
  const clock = new SimulatedClock();
  const bus = new Bus();
  const health = new Map<string, ServiceHealth>();
  const checks = new Map<string, CheckState>();
  const rechecked: string[] = [];
  const deps: VerifyDeps = {
    bus,
    clock,
    health: (s) => health.get(s) ?? 'unknown',
    checkState: (s, c) => checks.get(`${s}/${c}`),
    recheck: async (s) => {
      rechecked.push(s);
    },
    pollMs: 100,
  };
  return { clock, bus, health, checks, rechecked, deps };
}

/** The healed process exits on its own (not stopped by Medic): its pid and exit code. */
function exitAgain(w: ReturnType<typeof world>, pid: number, code: number): void {
  w.bus.emit('signal', {
    kind: 'exit',
    service: 'api',
    at: w.clock.now(),
    pid,
    code,
    signal: null,
    expected: false,
  });
}

describe('verifyHealthy', () => {
  it('fails a heal whose process is gone at the end of stable_for, before its exit is reported', async () => {
    const w = world();
    let gone = false;
    w.deps.processGone = (s) => s === 'api' && gone;
    w.health.set('api', 'healthy');
    const v = verifyHealthy(w.deps, 'api', { within: 5_000, stable_for: 1_000 });
    await w.clock.advance(900);
    // The process died; its exit signal waits for its last output, and its checks have not failed yet.
    gone = true;
    await w.clock.advance(500);
    expect(await v).toEqual({
      ok: false,
      reason: 'api exited again during verification (its process is gone)',
    });
  });

  it('by default waits for the whole service to be healthy for stable_for', async () => {
    const w = world();
    w.health.set('api', 'down');
    const v = verifyHealthy(w.deps, 'api', { within: 5_000, stable_for: 1_000 });
    await w.clock.advance(500);
    w.health.set('api', 'healthy');
    await w.clock.advance(2_000);
    expect(await v).toEqual({ ok: true, reason: 'api healthy after 600ms' });
  });

  it('with checks: passes on the named checks while another check of the service still fails', async () => {
    const w = world();
    w.health.set('api', 'down');
    w.checks.set('api/health', 'down');
    w.checks.set('api/disk', 'down');
    const v = verifyHealthy(w.deps, 'api', { within: 5_000, stable_for: 500, checks: ['health'] });
    await w.clock.advance(300);
    w.checks.set('api/health', 'up');
    await w.clock.advance(1_000);
    expect(await v).toEqual({ ok: true, reason: 'api/health passing after 400ms' });
    expect(w.health.get('api')).toBe('down');
  });

  it('with checks of another service: re-checks that service too, and names the check that kept failing', async () => {
    const w = world();
    w.checks.set('api/health', 'up');
    w.checks.set('web/upstream', 'down');
    const v = verifyHealthy(w.deps, 'api', {
      within: 2_000,
      stable_for: 500,
      checks: ['health', 'web/upstream'],
    });
    await w.clock.advance(3_000);
    expect(await v).toEqual({ ok: false, reason: 'web/upstream still down after 2.00s' });
    expect(new Set(w.rechecked)).toEqual(new Set(['api', 'web']));
  });

  it('a check the service does not have never passes', async () => {
    const w = world();
    const v = verifyHealthy(w.deps, 'api', { within: 1_000, stable_for: 0, checks: ['nope'] });
    await w.clock.advance(1_500);
    expect(await v).toEqual({ ok: false, reason: 'api/nope still unknown after 1.00s' });
  });

  it('fails at once when the healed process exits again, whatever the checks say', async () => {
    const w = world();
    w.checks.set('api/health', 'up');
    const v = verifyHealthy(w.deps, 'api', { within: 5_000, stable_for: 1_000, checks: ['health'] });
    await w.clock.advance(200);
    exitAgain(w, 1, 1);
    await w.clock.advance(200);
    expect(await v).toEqual({ ok: false, reason: 'api exited again during verification (exit code 1)' });
  });

  it('names what the exited process said last on stderr', async () => {
    const w = world();
    w.deps.lastWords = (s, pid) =>
      s === 'api' && pid === 7 ? ": can't run as root without the -u switch" : '';
    w.checks.set('api/health', 'up');
    const v = verifyHealthy(w.deps, 'api', { within: 5_000, stable_for: 1_000, checks: ['health'] });
    await w.clock.advance(200);
    exitAgain(w, 7, 64);
    await w.clock.advance(200);
    expect(await v).toEqual({
      ok: false,
      reason: "api exited again during verification (exit code 64: can't run as root without the -u switch)",
    });
  });
});
