import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Action, type Signal, SimulatedClock } from '../src/core/index.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { tempDir } from './helpers.js';

let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

/** Advances simulated time in small steps, letting real child processes start and exit in between. */
async function advance(clock: SimulatedClock, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await clock.advance(step);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a service that dies on every start', () => {
  it('is restarted with growing delays, then Medic escalates and stops acting (simulated time)', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'medic.yaml');
    await writeFile(
      file,
      `services:
  flaky:
    run: { command: [${JSON.stringify(process.execPath)}, -e, "process.exit(3)"] }
playbooks:
  restart-flaky:
    when: { service: flaky, kind: down }
    steps: [{ restart: {} }]
    verify: { within: 30s, stable_for: 20s }
policy:
  max_failed_heals: 3
  backoff: { initial: 10s, factor: 2, max: 5m }
  rate_limit: { max_actions: 100, window: 1h }
notifiers: []
store: { dir: ./data }
`,
    );
    const clock = new SimulatedClock();
    medic = await createMedic({ configFile: file, clock, watch: false, logger: pino({ level: 'silent' }) });
    const starts: number[] = [];
    const escalations: number[] = [];
    medic.bus.on('signal', (s: Signal) => {
      if (s.kind === 'start') starts.push(clock.now());
    });
    medic.bus.on('escalation', (e) => escalations.push(e.at));
    const t0 = clock.now();
    await medic.start();

    // Long enough for 3 heals with 10 s and 20 s backoff, then ten quiet minutes. The long stable_for gives
    // a slow machine 200 real-time turns to see each restarted process exit before it would count as healed.
    await advance(clock, 120_000);
    await advance(clock, 600_000, 1000);
    await medic.engine.idle();

    const restarts = starts.slice(1).map((t) => t - t0); // the first start is Medic starting the service
    expect(restarts).toHaveLength(3);
    const gaps = restarts.slice(1).map((t, i) => t - restarts[i]!);
    // Each gap is the backoff (10 s, then 20 s) plus the failed verification before it.
    expect(gaps[0]).toBeGreaterThanOrEqual(10_000);
    expect(gaps[1]).toBeGreaterThanOrEqual(20_000);
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!);

    expect(escalations).toHaveLength(1);
    const incidents = await medic.store.listIncidents({ service: 'flaky' });
    expect(incidents.items).toHaveLength(1);
    expect(incidents.items[0]!.state).toBe('escalated');
    const actions = (await medic.store.listActions({ service: 'flaky' })).items as Action[];
    expect(actions).toHaveLength(3);
    expect(actions.every((a) => a.state === 'failed')).toBe(true);
    const guard = await medic.store.getGuardState('flaky');
    expect(guard).toMatchObject({ escalated: true, failedHeals: 3 });
    const timeline = await medic.store.timeline(incidents.items[0]!.id);
    expect(timeline.some((t) => t.message.includes('not run: escalated'))).toBe(false); // no new findings while dead
    expect((await medic.store.verifyAudit()).ok).toBe(true);
  });
});
