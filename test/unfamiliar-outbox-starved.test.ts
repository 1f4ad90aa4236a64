import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, tempDir, waitFor, webhookReceiver } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();
const WORKERS = 20;

/**
 * A bad minute on a stack of many small workers: each crash and heal is an "opened" and a "resolved" notice,
 * which wait for their group (group_wait: 5 minutes here). An escalation is critical and goes at once,
 * even when more notices than one outbox pass claims are waiting for their groups.
 */
describe('an escalation while many grouped notices wait', () => {
  it('is sent within seconds, not after the groups are due', async () => {
    const dir = await tempDir();
    const hook = await webhookReceiver();
    const port = await freePort();
    const door = net.createServer((s) => s.end());
    await new Promise<void>((r) => door.listen(port, '127.0.0.1', r));
    const workers = Array.from({ length: WORKERS }, (_, i) => `w${i}`);
    const yaml = `services:
${workers.map((w) => `  ${w}:\n    run: { command: [sleep, "600"], stop_timeout: 1s }`).join('\n')}
  door:
    checks:
      - tcp: { host: 127.0.0.1, port: ${port} }
        interval: 250ms
        timeout: 200ms
        down_after: 1
playbooks:
${workers.map((w) => `  restart-${w}:\n    when: { service: ${w}, kind: down }\n    steps: [{ restart: {} }]\n    verify: { within: 5s, stable_for: 200ms }`).join('\n')}
  knock:
    when: { service: door, kind: down }
    steps: [{ exec: { command: ["false"] } }]
    verify: { within: 1s, stable_for: 200ms }
policy:
  max_failed_heals: 1
  blast_radius: { max_in_flight: ${WORKERS + 1} }
  rate_limit: { max_actions: 500, window: 1h }
correlation:
  max_changes_per_hour: 100
notifiers:
  - name: one
    webhook: { url: "${hook.url}" }
    group_wait: 5m
  - name: two
    webhook: { url: "${hook.url}" }
    group_wait: 5m
store: { dir: ./data }
`;
    try {
      const m = await start(dir, yaml);
      await waitFor('every worker running', () => workers.every((w) => m.supervisor.pid(w)), 20_000);
      await waitFor('the door healthy', () => m.health.get('door') === 'healthy', 10_000);
      for (const w of workers) process.kill(m.supervisor.pid(w)!, 'SIGKILL');
      await waitFor(
        'every crash healed',
        async () => (await m.store.listIncidents({ state: 'resolved', limit: 100 })).total >= WORKERS,
        30_000,
      );
      // Four notices a worker (opened and resolved, two channels) wait for their groups (5 minutes: however
      // slow the machine, none is due before the escalation).
      expect((await m.store.notificationCounts()).pending).toBeGreaterThanOrEqual(50);

      const t0 = Date.now();
      door.close();
      await waitFor(
        'the door escalated',
        async () => (await m.store.listIncidents({ service: 'door', state: 'escalated' })).items[0],
      );
      const sent = await waitFor(
        'the escalation sent',
        () => hook.got.find((e) => e.event === 'incident.escalated' && e.service === 'door'),
        40_000,
      );
      // Not after the groups (minutes); the bound leaves a loaded machine its detection and failed heal.
      expect(sent.t - t0, 'escalation delivered within 20 s of the failure').toBeLessThan(20_000);
    } finally {
      door.close();
      hook.close();
    }
  }, 90_000);
});
