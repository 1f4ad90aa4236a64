import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();

/** LPUSHes `n` items on one connection, then returns LLEN. */
function pushJobs(port: number, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    s.on('error', reject);
    s.on('data', (d) => {
      buf += d.toString();
      const m = buf.match(/:(\d+)\r\n$/);
      if (buf.split('\r\n').length > n + 1 && m) {
        s.end();
        resolve(Number(m[1]));
      }
    });
    let cmds = '';
    for (let i = 0; i < n; i++) cmds += `*3\r\n$5\r\nLPUSH\r\n$4\r\njobs\r\n$${String(i).length}\r\n${i}\r\n`;
    s.write(`${cmds}*2\r\n$4\r\nLLEN\r\n$4\r\njobs\r\n`);
  });
}

/**
 * A backlog past a queue check's depth.down makes the broker's service `down`, and an ordinary "restart on
 * down" playbook matches it. Restarting a Redis without persistence would lose every queued job, turn the
 * check green (an empty queue) and read as healed. A backlog is the consumers' problem (stalled or
 * outpaced): the restart is refused at planning and the incident goes to a human, with the jobs kept.
 */
describe('a Redis queue backlog past depth.down', () => {
  it('is not healed by restarting the broker that holds it: the jobs stay, a human is told', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const yaml = `services:
  broker:
    role: cache
    run: { command: [redis-server, --port, "${port}", --save, "", --appendonly, "no"], ports: [${port}] }
    checks:
      - queue: { url: "redis://127.0.0.1:${port}/0", key: jobs, depth: { degraded: 20, down: 50 } }
        interval: 500ms
        timeout: 400ms
playbooks:
  restart-broker:
    when: { service: broker, kind: down }
    steps: [{ restart: {} }]
    verify: { within: 10s, stable_for: 500ms }
store: { dir: ./data }
`;
    const m = await start(dir, yaml);
    const pid = await waitFor('the broker running', () => m.supervisor.pid('broker'), 20_000);
    await waitFor('the broker healthy', () => m.health.get('broker') === 'healthy', 20_000);
    expect(await pushJobs(port, 200)).toBe(200);
    const incident = await waitFor(
      'the backlog incident escalated',
      async () => (await m.store.listIncidents({ service: 'broker', state: 'escalated' })).items[0],
      30_000,
    );
    const refused = (await m.store.listAudit({ limit: 200 })).filter((a) => a.event === 'plan.refused');
    expect(refused.map((a) => a.data['incident'])).toContain(incident.id);
    expect(String(refused[0]?.data['reason'])).toMatch(
      /would drop the backlog its queue check reports \(\d+ waiting in jobs\)/,
    );
    const restarts = (await m.store.listActions({ limit: 100 })).items.filter(
      (a) => a.service === 'broker' && a.kind === 'restart',
    );
    expect(restarts, 'no restart journaled').toEqual([]);
    expect(m.supervisor.pid('broker'), 'the broker kept running').toBe(pid);
    expect(await pushJobs(port, 0), 'the 200 queued jobs are kept').toBe(200);
  }, 60_000);
});
