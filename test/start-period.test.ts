import { afterEach, describe, expect, it } from 'vitest';
import type { Medic } from '../src/daemon/index.js';
import { DEMO, freePort, tempDir, waitFor } from './helpers.js';
import { startMedic } from './incidents-helpers.js';

let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

/** A service that listens only 2.5 s after it starts (a JVM, a large app booting). */
function slow(name: string, port: number, startPeriod: string | null): string {
  return `  ${name}:
    run:
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(DEMO)}]
      env: { PORT: "${port}", STARTUP_DELAY_MS: "2500" }
      stop_timeout: 2s
${startPeriod ? `      start_period: ${startPeriod}\n` : ''}    checks:
      - { name: health, http: { url: "http://127.0.0.1:${port}/health" }, interval: 300ms, timeout: 250ms, down_after: 1 }
    metrics:
      detect: [{ metric: probe.health.latency_ms }]
`;
}

describe('a service slow to start', () => {
  it('is not judged down while it boots within its start period; one without it is', async () => {
    const dir = await tempDir();
    const [a, b] = [await freePort(), await freePort()];
    medic = await startMedic(
      dir,
      `services:
${slow('patient', a, '8s')}${slow('eager', b, null)}playbooks:
  restart-patient:
    when: { service: patient, kind: down }
    steps: [{ restart: {} }]
    verify: { within: 15s, stable_for: 500ms }
notifiers: []
server: { port: 0 }
store: { dir: ./data }
`,
    );
    const m = medic;
    // Held failures are marked on their signal, and kept out of the probe's latency series.
    const held = new Set<number>();
    m.bus.on('signal', (sg) => {
      if (sg.kind === 'probe' && sg.service === 'patient' && sg.starting) held.add(sg.at);
    });
    await waitFor(
      'both healthy',
      async () => ['patient', 'eager'].every((s) => m.health.get(s) === 'healthy'),
      20_000,
    );
    const incidents = async (service: string) => (await m.store.listIncidents({ service })).items;
    // Its checks failed for 2.5 s, one failure being enough for down: only the start period held them.
    expect(await incidents('patient')).toEqual([]);
    expect((await incidents('eager')).length).toBeGreaterThan(0);
    expect(held.size).toBeGreaterThan(0);
    const latencies = await waitFor(
      'latency samples stored',
      async () => {
        const s = await m.store.metricSamples('patient', 'probe.health.latency_ms', 0);
        return s.length > 0 ? s : null;
      },
      10_000,
      200,
    );
    expect(latencies.filter((x) => held.has(x.at))).toEqual([]);

    // Once up, a failure counts at once: a kill is healed, and the new process boots within its period
    // without being judged down again (the heal verifies, one action).
    const pid = m.supervisor.pid('patient')!;
    process.kill(pid, 'SIGKILL');
    const action = await waitFor(
      'the heal verified',
      async () =>
        (await m.store.listActions({ service: 'patient' })).items.find(
          (x) => x.state !== 'planned' && x.state !== 'applied',
        ),
      30_000,
    );
    expect(action).toMatchObject({ playbook: 'restart-patient', state: 'verified' });
    expect(m.supervisor.pid('patient')).not.toBe(pid);
    const actions = (await m.store.listActions({ service: 'patient' })).items;
    expect(actions.map((x) => [x.playbook, x.state])).toEqual([['restart-patient', 'verified']]);
  }, 60_000);
});
