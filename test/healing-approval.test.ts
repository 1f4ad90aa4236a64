import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Action, JournalEntry } from '../src/core/index.js';
import { exited, freePort, getJson, startMedicProcess, tempDir, waitFor } from './helpers.js';

let medic: ChildProcess | null = null;
afterEach(async () => {
  if (medic && medic.exitCode === null) {
    medic.kill('SIGTERM');
    await exited(medic);
  }
  medic = null;
});

/** Three unsupervised services, each healthy while its marker file exists; the playbook's step creates it. */
function config(dir: string, apiPort: number): string {
  const svc = (name: string) => `  ${name}:
    checks:
      - command: { command: [test, -f, ${JSON.stringify(path.join(dir, name))}] }
        interval: 300ms
        timeout: 250ms
        down_after: 1`;
  return `services:
${['a', 'b', 'c'].map(svc).join('\n')}
playbooks:
  create-marker:
    when: { service: "*", kind: down }
    steps:
      - exec: { command: [${JSON.stringify(process.execPath)}, -e, "require('fs').writeFileSync(process.argv[1], 'x')", ${JSON.stringify(path.join(dir, '{{service.name}}'))}] }
    verify: { within: 5s, stable_for: 300ms }
policy:
  autonomy: approve
  approval_ttl: 6s
notifiers: []
server: { port: ${apiPort} }
store: { dir: ./data }
`;
}

describe('approval over the API', () => {
  it('runs an approved heal, never runs a rejected one, and expires one nobody decided on', async () => {
    const dir = await tempDir();
    const apiPort = await freePort();
    const file = path.join(dir, 'medic.yaml');
    await writeFile(file, config(dir, apiPort));
    medic = startMedicProcess(file);
    const api = `http://127.0.0.1:${apiPort}`;
    const waiting = (service: string) =>
      waitFor(`${service} waiting for approval`, async () => {
        const page = await getJson<{ items: Action[] }>(
          `${api}/api/actions?service=${service}&state=awaiting_approval`,
        );
        return page.items[0];
      });
    const [a, b, c] = [await waiting('a'), await waiting('b'), await waiting('c')];
    const post = (route: string) =>
      fetch(`${api}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });

    expect((await post(`/api/actions/${a.id}/approve`)).status).toBe(200);
    expect((await post(`/api/actions/${b.id}/reject`)).status).toBe(200);
    // A decided action cannot be decided again.
    expect((await post(`/api/actions/${b.id}/approve`)).status).toBe(409);

    const journal = (id: string) =>
      getJson<{ action: Action; journal: JournalEntry[] }>(`${api}/api/actions/${id}`);
    await waitFor('a verified', async () => (await journal(a.id)).action.state === 'verified', 15_000);
    expect((await journal(a.id)).journal.map((j) => j.state)).toEqual([
      'awaiting_approval',
      'planned',
      'applied',
      'verified',
    ]);
    expect(existsSync(path.join(dir, 'a'))).toBe(true);

    expect((await journal(b.id)).journal.map((j) => j.state)).toEqual(['awaiting_approval', 'skipped']);
    const expired = await waitFor(
      'c expired',
      async () => {
        const j = await journal(c.id);
        return j.action.state === 'skipped' ? j : null;
      },
      20_000,
    );
    expect(expired.journal.at(-1)?.message).toContain('expired');
    expect((await post(`/api/actions/${c.id}/approve`)).status).toBe(409);
    // Neither the rejected nor the expired heal ran.
    expect(existsSync(path.join(dir, 'b'))).toBe(false);
    expect(existsSync(path.join(dir, 'c'))).toBe(false);
    expect((await getJson<{ ok: boolean }>(`${api}/api/audit/verify`)).ok).toBe(true);
  }, 60_000);
});
