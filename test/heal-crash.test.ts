import { type ChildProcess, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Action, AuditEntry, Incident, JournalEntry, TimelineEntry } from '../src/core/index.js';
import {
  CLI,
  exited,
  firstServiceHealthy,
  freePort,
  getJson,
  ROOT,
  startMedicProcess,
  tempDir,
  waitFor,
  writeDemoConfig,
} from './helpers.js';

let medic: (ChildProcess & { output(): string }) | null = null;

afterEach(async () => {
  if (medic && medic.exitCode === null) {
    medic.kill('SIGTERM');
    await exited(medic);
  }
  medic = null;
});

describe('medic run heals a crashed service', () => {
  it('opens an incident, journals a restart, verifies it, resolves, and audits every step', async () => {
    const dir = await tempDir();
    const [demoPort, apiPort] = [await freePort(), await freePort()];
    const config = await writeDemoConfig(dir, {
      demoPort,
      apiPort,
      env: { STATE_FILE: path.join(dir, 'starts.jsonl') },
    });
    medic = startMedicProcess(config);
    const api = `http://127.0.0.1:${apiPort}`;

    const healthy = () => firstServiceHealthy(api);
    const before = await waitFor('demo healthy under medic', healthy);
    expect(before.pid).toBeGreaterThan(0);

    process.kill(before.pid!, 'SIGKILL');

    const resolved = await waitFor('incident resolved', async () => {
      const page = await getJson<{ items: Incident[] }>(`${api}/api/incidents?state=resolved`);
      return page.items[0];
    });
    const after = await waitFor('demo healthy again', healthy);
    expect(after.pid).not.toBe(before.pid);
    const res = await fetch(`http://127.0.0.1:${demoPort}/health`);
    expect(res.status).toBe(200);

    const detail = await getJson<{ incident: Incident; timeline: TimelineEntry[]; actions: Action[] }>(
      `${api}/api/incidents/${resolved.id}`,
    );
    expect(detail.incident.service).toBe('demo');
    const states = detail.timeline.filter((t) => t.kind === 'transition').map((t) => t.state);
    expect(states).toEqual(['open', 'remediating', 'verifying', 'resolved']);
    expect(detail.timeline.find((t) => t.kind === 'finding')?.message).toContain('killed by SIGKILL');

    expect(detail.actions).toHaveLength(1);
    const restart = detail.actions[0]!;
    expect(restart).toMatchObject({ kind: 'restart', state: 'verified', playbook: 'restart-demo' });
    const { journal } = await getJson<{ journal: JournalEntry[] }>(`${api}/api/actions/${restart.id}`);
    expect(journal.map((j) => j.state)).toEqual(['planned', 'applied', 'verified']);

    const { items: audit } = await getJson<{ items: AuditEntry[] }>(`${api}/api/audit?limit=1000`);
    const events = audit
      .slice()
      .reverse()
      .filter((e) => e.subject === resolved.id || e.subject === restart.id || e.event.startsWith('guard.'))
      .map((e) => e.event);
    expect(events).toEqual([
      'incident.opened',
      'guard.run',
      // Its steps are journaled and claimed, then the incident is remediating (a heal this replica cannot
      // claim runs nothing and leaves the incident as it was).
      'action.planned',
      'incident.remediating',
      'action.applied',
      'incident.verifying',
      'action.verified',
      'incident.resolved',
    ]);
    const verify = await getJson<{ ok: boolean; entries: number }>(`${api}/api/audit/verify`);
    expect(verify.ok).toBe(true);
    expect(verify.entries).toBe(audit.length);

    // The CLI reads the same through the API.
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args, '--url', api], {
        cwd: ROOT,
        encoding: 'utf8',
      });
    const status = cli('status');
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/demo\s+healthy/);
    const list = cli('incidents');
    expect(list.stdout).toContain(resolved.id);
    const show = cli('incidents', 'show', resolved.id);
    expect(show.stdout).toContain('→ resolved');
    expect(show.stdout).toMatch(/restart\s+verified/);
  }, 60_000); // a medic process and three CLI runs, each a cold tsx start on a loaded machine
});
