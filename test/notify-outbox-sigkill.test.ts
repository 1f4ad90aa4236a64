import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type OutboxEntry, openSqliteStore } from '../src/store/index.js';
import { exited, freePort, getJson, startMedicProcess, tempDir, waitFor } from './helpers.js';

const children: ChildProcess[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await exited(c);
    }
  }
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A webhook receiver on `port` that records each notification's key. */
async function receiver(port: number): Promise<{ keys: string[]; events: string[] }> {
  const got = { keys: [] as string[], events: [] as string[] };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    req.on('end', () => {
      const body = JSON.parse(raw) as { key: string; event: string };
      got.keys.push(body.key);
      got.events.push(body.event);
      res.end('ok');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return got;
}

describe('notifications across a kill -9 of Medic', () => {
  it('delivers every notification decided before the kill exactly once, after a restart, when the receiver is up', async () => {
    const dir = await tempDir();
    const [deadPort, hookPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const config = path.join(dir, 'medic.yaml');
    // A service that is down from the start, whose heal waits for approval: an incident opens, an escalation
    // and an approval request are decided, while the webhook receiver is not listening at all.
    await writeFile(
      config,
      `services:
  api:
    restart: { command: [${JSON.stringify(process.execPath)}, -e, "0"] }
    checks:
      - name: port
        tcp: { host: 127.0.0.1, port: ${deadPort} }
        interval: 300ms
        timeout: 200ms
        down_after: 1
playbooks:
  restart-api:
    when: { service: api, kind: down }
    steps:
      - restart: {}
policy:
  autonomy: approve
notifiers:
  - name: hook
    webhook: { url: "http://127.0.0.1:${hookPort}/hook", timeout: 1s }
    events: [incident.opened, incident.escalated, action]
    group_wait: 0s # the opening is decided and stored at once, like the escalation
    group_interval: 0s
server: { host: 127.0.0.1, port: ${apiPort} }
store: { dir: ./data }
`,
    );
    const api = `http://127.0.0.1:${apiPort}`;
    const pending = () =>
      getJson<{ items: OutboxEntry[] }>(`${api}/api/notifications?state=pending&limit=100`).then(
        (p) => p.items,
      );

    const first = startMedicProcess(config);
    children.push(first);
    // Decided, stored, and tried at least once against the closed port.
    const decided = await waitFor(
      'three notifications stored and refused',
      async () => {
        const rows = await pending();
        const events = new Set(rows.map((r) => r.event));
        const ready =
          ['incident.opened', 'incident.escalated', 'action.awaiting_approval'].every((e) => events.has(e)) &&
          rows.every((r) => r.attempts >= 1);
        return ready ? rows : null;
      },
      20_000,
    );
    expect((await getJson<{ delivered: number }>(`${api}/api/notifications/counts`)).delivered).toBe(0);
    const approval = decided.find((r) => r.event === 'action.awaiting_approval')!;
    expect(approval.lastError).toMatch(/ECONNREFUSED/);
    expect((approval.payload['data'] as { approve: { cli: string } }).approve.cli).toMatch(
      /^medic approve act_/,
    );
    first.kill('SIGKILL');
    await exited(first);
    // The rows as the kill left them (nothing runs now): each one's attempts so far, by key.
    const killed = await openSqliteStore({ dir: path.join(dir, 'data'), migrate: false });
    const atKill = new Map(
      (await killed.listNotifications({ limit: 100 })).items.map((r) => [r.key, r.attempts]),
    );
    await killed.close();
    for (const k of decided.map((r) => r.key)) expect(atKill.get(k), k).toBeGreaterThanOrEqual(1);

    const got = await receiver(hookPort);
    const second = startMedicProcess(config);
    children.push(second);
    const keys = decided.map((r) => r.key);
    await waitFor(
      'every decided notification delivered',
      async () => keys.every((k) => got.keys.includes(k)),
      30_000,
    );
    // Room for a duplicate to show: the catch-up at start-up decides the approval request again, and any
    // retry still scheduled would fire within this.
    await new Promise((r) => setTimeout(r, 2_500));
    for (const k of keys) expect(got.keys.filter((g) => g === k)).toHaveLength(1);
    expect(new Set(got.keys).size).toBe(got.keys.length);
    // The stored rows say the same without resting on the sleep: one row per key, delivered, and sent once
    // after the restart (the receiver was up by then: one more attempt than at the kill, and that one landed).
    const rows = (await getJson<{ items: OutboxEntry[] }>(`${api}/api/notifications?limit=100`)).items;
    for (const k of keys) {
      const mine = rows.filter((r) => r.key === k);
      expect(mine, k).toHaveLength(1);
      expect(mine[0], k).toMatchObject({ state: 'delivered', attempts: atKill.get(k)! + 1 });
    }
    for (const r of rows.filter((r) => r.state === 'delivered'))
      expect(
        got.keys.filter((g) => g === r.key),
        r.key,
      ).toHaveLength(1);
    const counts = await getJson<{ pending: number; dead: number }>(`${api}/api/notifications/counts`);
    expect(counts).toMatchObject({ pending: 0, dead: 0 });
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/^medic_notifications_dead_letters 0$/m);
  }, 90_000);
});
