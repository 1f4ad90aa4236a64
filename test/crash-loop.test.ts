import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Action, type Signal, SimulatedClock } from '../src/core/index.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { advanceSettled, followProcess, tempDir } from './helpers.js';

let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

describe('a service that dies on every start', () => {
  it('is restarted with growing delays, then Medic escalates, stops its playbooks and keeps starting it (simulated time)', async () => {
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
    const exits: number[] = [];
    const escalations: number[] = [];
    medic.bus.on('signal', (s: Signal) => {
      if (s.kind === 'start') starts.push(clock.now());
      if (s.kind === 'exit') exits.push(clock.now());
    });
    medic.bus.on('escalation', (e) => escalations.push(e.at));
    // Simulated time stands still while a process starts and dies (real time): it dies on start, whatever the
    // machine's speed. Were the clock to run on, a start of 300 ms on a loaded machine would read as a process
    // up for most of a minute, healthy long enough that its exit is a new failure to tell.
    const flaky = followProcess(medic.bus, 'flaky');
    await medic.start();

    // Long enough for 3 heals with 10 s and 20 s backoff, then fifteen quiet minutes: the keepalive delays
    // (10 s doubling: 10+20+40+80+160 s) reach the 5-minute cap about ten minutes after the escalation.
    await advanceSettled(clock, 120_000, 100, flaky.settling);
    await advanceSettled(clock, 900_000, 1000, flaky.settling);
    await medic.engine.idle();

    const actions = (await medic.store.listActions({ service: 'flaky', limit: 100 })).items as Action[];
    const heals = actions
      .filter((a) => a.playbook === 'restart-flaky')
      .sort((a, b) => a.createdAt - b.createdAt);
    expect(heals).toHaveLength(3);
    expect(heals.every((a) => a.state === 'failed')).toBe(true);
    const gaps = heals.slice(1).map((a, i) => a.createdAt - heals[i]!.createdAt);
    // Each gap is the backoff (10 s, then 20 s) plus the failed verification before it.
    expect(gaps[0]).toBeGreaterThanOrEqual(10_000);
    expect(gaps[1]).toBeGreaterThanOrEqual(20_000);
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!);

    // One escalation, sent once: the same failure again is not news.
    expect(escalations).toHaveLength(1);
    const incidents = await medic.store.listIncidents({ service: 'flaky' });
    expect(incidents.items).toHaveLength(1);
    expect(incidents.items[0]!.state).toBe('escalated');
    const guard = await medic.store.getGuardState('flaky');
    expect(guard).toMatchObject({ escalated: true, failedHeals: 3 });

    // The escalation stopped the playbooks, not the supervision: the dead process is started again, with a
    // delay that grows from 10 s and never passes the 5-minute cap, each start journaled.
    const keep = actions.filter((a) => a.playbook === 'keepalive').sort((a, b) => a.createdAt - b.createdAt);
    expect(keep.length).toBeGreaterThanOrEqual(4);
    expect(keep.every((a) => a.createdAt > escalations[0]!)).toBe(true);
    // Each start is journaled failed, the process having died: a crash loop's starts are not "verified".
    expect(keep.map((a) => a.state)).toEqual(keep.map(() => 'failed'));
    const keepGaps = keep.slice(1).map((a, i) => a.createdAt - keep[i]!.createdAt);
    // Growing until the cap, then at the cap.
    for (let i = 1; i < keepGaps.length; i++)
      if (keepGaps[i - 1]! < 300_000) expect(keepGaps[i]!).toBeGreaterThan(keepGaps[i - 1]!);
      else expect(keepGaps[i]!).toBeGreaterThanOrEqual(300_000);
    expect(Math.max(...keepGaps)).toBeGreaterThanOrEqual(300_000);
    // From the exit Medic heard of to the next start, never more than the cap (plus the 1-second steps of
    // simulated time and the keeper's look-again). Measured from the exit before the start's own (which
    // follows it at the same simulated moment), not from the last start: the delay runs from the exit.
    const delays = keep.map((a) => a.createdAt - Math.max(...exits.filter((e) => e < a.createdAt)));
    expect(Math.max(...delays)).toBeLessThanOrEqual(300_000 + 5_000);
    expect(Math.max(...delays)).toBeGreaterThanOrEqual(300_000);
    expect(starts.length).toBe(1 + heals.length + keep.length);
    expect((await medic.store.verifyAudit()).ok).toBe(true);
  }, 90_000);
});
