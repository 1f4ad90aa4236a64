import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/core/index.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { followProcess, freePort, settled, tempDir } from './helpers.js';

let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

/**
 * The promise of "never down silently", checked over simulated time: at every moment each unhealthy
 * service has a heal in progress or due, or its incident was sent to a human. Short gaps (detection and
 * diagnosis take a moment) are allowed up to GRACE_MS.
 */
const GRACE_MS = 3_000;

interface Scenario {
  name: string;
  policy: string;
  /** Applied once the service is first down. */
  after?: (m: Medic) => Promise<void>;
  /** Checked at the end. */
  expect: (r: { escalations: number; keepalives: number; heals: number }) => void;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'a service that dies on every start: heals, escalation, then keepalive starts',
    policy: '  max_failed_heals: 2',
    expect: (r) => {
      expect(r.heals).toBe(2);
      expect(r.escalations).toBeGreaterThanOrEqual(1);
      expect(r.keepalives).toBeGreaterThanOrEqual(3);
    },
  },
  {
    name: 'the stop switch on: no heal and no keepalive, and a human is told',
    policy: '  max_failed_heals: 2',
    after: async (m) => {
      await m.engine.stopHealing('test', 'hands off');
    },
    expect: (r) => {
      expect(r.escalations).toBeGreaterThanOrEqual(1);
      expect(r.keepalives).toBe(0);
    },
  },
  {
    name: 'the stop switch on, then off: the dead process is started again without anyone asking',
    policy: '  max_failed_heals: 2',
    after: async (m) => {
      await m.engine.stopHealing('test', 'hands off');
      // Lifted a simulated minute later (the loop below advances the clock).
      const clock = m.clock as SimulatedClock;
      clock.setTimeout(() => void m.engine.resumeHealing('test', 'done'), 60_000);
    },
    expect: (r) => {
      expect(r.keepalives + r.heals).toBeGreaterThanOrEqual(1);
    },
  },
  {
    name: 'the rate limit reached: the hold is sent to a human, the process still kept alive',
    policy: '  max_failed_heals: 5\n  rate_limit: { max_actions: 1, window: 1h }',
    expect: (r) => {
      expect(r.heals).toBe(1);
      expect(r.escalations).toBeGreaterThanOrEqual(1);
      expect(r.keepalives).toBeGreaterThanOrEqual(3);
    },
  },
  {
    name: 'approval needed: the request is sent, nothing runs without a human',
    policy: '  autonomy: approve',
    expect: (r) => {
      expect(r.heals).toBe(0);
      expect(r.escalations).toBeGreaterThanOrEqual(1);
    },
  },
];

async function setup(dir: string, policy: string): Promise<{ medic: Medic; clock: SimulatedClock }> {
  const file = path.join(dir, 'medic.yaml');
  await writeFile(
    file,
    `services:
  flaky:
    run: { command: [${JSON.stringify(process.execPath)}, -e, "setTimeout(() => process.exit(3), 50)"] }
playbooks:
  restart-flaky:
    when: { service: flaky, kind: down }
    steps: [{ restart: {} }]
    verify: { within: 30s, stable_for: 20s }
policy:
  backoff: { initial: 10s, factor: 2, max: 5m }
${policy}
notifiers: []
store: { dir: ./data }
`,
  );
  const clock = new SimulatedClock();
  const m = await createMedic({ configFile: file, clock, watch: false, logger: pino({ level: 'silent' }) });
  return { medic: m, clock };
}

describe('never down silently (simulated time)', () => {
  for (const sc of SCENARIOS) {
    it(sc.name, async () => {
      const { medic: m, clock } = await setup(await tempDir(), sc.policy);
      medic = m;
      const told = new Set<string>();
      m.bus.on('escalation', (e) => {
        if (e.incidentId) told.add(e.incidentId);
      });
      // Simulated time stands still while a process starts and dies (real time): on a loaded machine its start
      // would otherwise outlast a heal's stable_for, and the heal that failed count as verified.
      const flaky = followProcess(m.bus, 'flaky');
      await m.start();
      let silentSince: number | null = null;
      let worst = 0;
      let applied = false;
      const end = clock.now() + 12 * 60_000;
      while (clock.now() < end) {
        const step = clock.now() < end - 11 * 60_000 ? 200 : 1_000;
        await clock.advance(step);
        await new Promise((r) => setTimeout(r, 5));
        await settled(flaky.settling);
        const failing = ['down', 'degraded'].includes(m.health.get('flaky'));
        if (failing && !applied && sc.after) {
          applied = true;
          await sc.after(m);
        }
        const incident = failing ? await m.store.activeIncident('flaky') : null;
        const covered = !failing || m.healPending('flaky') || (incident !== null && told.has(incident.id));
        if (covered) silentSince = null;
        else {
          silentSince ??= clock.now();
          worst = Math.max(worst, clock.now() - silentSince);
        }
      }
      await m.engine.idle();
      expect(worst, 'longest time down with no heal due and nobody told').toBeLessThanOrEqual(GRACE_MS);
      const { items } = await m.store.listActions({ service: 'flaky', limit: 200 });
      const ran = items.filter((a) => a.state !== 'skipped' && a.state !== 'awaiting_approval');
      sc.expect({
        escalations: told.size,
        keepalives: ran.filter((a) => a.playbook === 'keepalive').length,
        heals: ran.filter((a) => a.playbook === 'restart-flaky').length,
      });
    }, 60_000);
  }
});

describe('a failure no playbook covers (simulated time)', () => {
  it('is sent to a human once, and the guard is left as it was (nothing failed)', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const file = path.join(dir, 'medic.yaml');
    // The process runs; the port it should answer on is closed: a failure no playbook names.
    await writeFile(
      file,
      `services:
  quiet:
    run: { command: [${JSON.stringify(process.execPath)}, -e, "setInterval(() => {}, 1000)"] }
    checks:
      - name: port
        tcp: { host: 127.0.0.1, port: ${port} }
        interval: 1s
        timeout: 500ms
playbooks:
  restart-on-exit:
    when: { service: quiet, kind: down, labels: { check: running } }
    steps: [{ restart: {} }]
notifiers: []
store: { dir: ./data }
`,
    );
    const clock = new SimulatedClock();
    const m = await createMedic({ configFile: file, clock, watch: false, logger: pino({ level: 'silent' }) });
    medic = m;
    const told: string[] = [];
    m.bus.on('escalation', (e) => {
      if (e.incidentId) told.push(e.incidentId);
    });
    await m.start();
    let silentSince: number | null = null;
    let worst = 0;
    const end = clock.now() + 60_000;
    while (clock.now() < end) {
      await clock.advance(200);
      await new Promise((r) => setTimeout(r, 5));
      const failing = ['down', 'degraded'].includes(m.health.get('quiet'));
      const incident = failing ? await m.store.activeIncident('quiet') : null;
      const covered = !failing || m.healPending('quiet') || (incident !== null && told.includes(incident.id));
      if (covered) silentSince = null;
      else {
        silentSince ??= clock.now();
        worst = Math.max(worst, clock.now() - silentSince);
      }
    }
    expect(m.health.get('quiet')).toBe('down');
    expect(worst, 'longest time down with no heal due and nobody told').toBeLessThanOrEqual(GRACE_MS);
    expect(told).toHaveLength(1);
    const incident = await m.store.activeIncident('quiet');
    expect(incident?.state).toBe('escalated');
    const timeline = await m.store.timeline(incident!.id);
    expect(timeline.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/no playbook matches its down finding .*a human is needed/),
    );
    // The guard was not told to stop: nothing failed.
    expect((await m.store.getGuardState('quiet'))?.escalated ?? false).toBe(false);
  }, 60_000);
});

describe('a human resets an escalated service (simulated time)', () => {
  it('its process is started again at once, not at the end of the keepalive backoff', async () => {
    const { medic: m, clock } = await setup(await tempDir(), '  max_failed_heals: 2');
    medic = m;
    let escalated = false;
    m.bus.on('escalation', () => {
      escalated = true;
    });
    const flaky = followProcess(m.bus, 'flaky');
    await m.start();
    const starts = async () =>
      (await m.store.listActions({ service: 'flaky', limit: 500 })).items.filter(
        (a) => a.playbook === 'keepalive' && a.state !== 'skipped',
      ).length;
    // Escalated, and the keepalive's backoff grown: a start pending more than 20 s away.
    let pendingSince: number | null = null;
    for (let i = 0; i < 3_000; i++) {
      await clock.advance(200);
      await new Promise((r) => setTimeout(r, 5));
      await settled(flaky.settling);
      const due = m.engine.healDue('flaky');
      pendingSince = due ? (pendingSince ?? clock.now()) : null;
      if (escalated && (await starts()) >= 3 && due && clock.now() - (pendingSince ?? 0) < 1_000) break;
    }
    expect(escalated).toBe(true);
    expect(m.engine.healDue('flaky')).toBe(true);
    const resetAt = clock.now();
    await m.engine.resetGuard('flaky', 'test', 'fixed by hand');
    for (let i = 0; i < 10; i++) {
      await clock.advance(100);
      await new Promise((r) => setTimeout(r, 10));
    }
    // Started within a second of the reset: by the keepalive, or by its playbook now allowed again.
    const started = (await m.store.listActions({ service: 'flaky', limit: 500 })).items.filter(
      (a) => a.state !== 'skipped' && a.createdAt >= resetAt && a.createdAt <= resetAt + 1_000,
    );
    expect(started.length).toBeGreaterThan(0);
  }, 60_000);
});
