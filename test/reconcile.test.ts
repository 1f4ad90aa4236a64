import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Action, AuditEntry, Incident, JournalEntry } from '../src/core/index.js';
import type { ServiceStatus } from '../src/daemon/index.js';
import {
  countStarts,
  exited,
  freePort,
  getJson,
  startMedicProcess,
  tempDir,
  waitFor,
  writeDemoConfig,
} from './helpers.js';

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await exited(c);
    }
  }
});

describe('Medic killed with SIGKILL during a restart step', () => {
  it('reconciles the step at start-up without repeating it, and loses no incident or audit entry', async () => {
    const dir = await tempDir();
    const stateFile = path.join(dir, 'starts.jsonl');
    const [demoPort, apiPort] = [await freePort(), await freePort()];
    // The demo takes 3 s to stop on SIGTERM: the restart step is still running when Medic dies.
    const config = await writeDemoConfig(dir, {
      demoPort,
      apiPort,
      env: { STATE_FILE: stateFile, SHUTDOWN_DELAY_MS: '3000' },
    });
    const api = `http://127.0.0.1:${apiPort}`;
    const status = async () =>
      (await getJson<{ services: ServiceStatus[] }>(`${api}/api/status`)).services[0];

    const first = startMedicProcess(config);
    children.push(first);
    await waitFor('demo healthy', async () => (await status())?.health === 'healthy');
    expect(await countStarts(stateFile)).toBe(1);

    // Unhealthy but alive: every /health answers 500, so the playbook restarts it.
    await fetch(`http://127.0.0.1:${demoPort}/fault/errors?count=100000`, { method: 'POST' });
    const planned = await waitFor('restart step planned', async () => {
      const page = await getJson<{ items: Action[] }>(`${api}/api/actions`);
      return page.items.find((a) => a.kind === 'restart' && a.state === 'planned');
    });
    first.kill('SIGKILL');
    await exited(first);

    const second = startMedicProcess(config);
    children.push(second);
    const reconciled = await waitFor(
      'step reconciled',
      async () => {
        const { action, journal } = await getJson<{ action: Action; journal: JournalEntry[] }>(
          `${api}/api/actions/${planned.id}`,
        );
        return action.state === 'verified' ? { action, journal } : null;
      },
      30_000,
    );
    expect(reconciled.journal.map((j) => j.state)).toEqual(['planned', 'verified']);
    expect(reconciled.journal[1]!.message).toContain('reconciled at start-up');
    expect(reconciled.journal[1]!.message).toContain('not repeated');

    const incidents = await waitFor('incident resolved', async () => {
      const page = await getJson<{ items: Incident[]; total: number }>(`${api}/api/incidents`);
      return page.items[0]?.state === 'resolved' ? page : null;
    });
    expect(incidents.total).toBe(1);
    expect(incidents.items[0]!.id).toBe(planned.incidentId);

    // One restart was planned and none repeated: starts are the first Medic's and the second's own.
    const { items: actions } = await getJson<{ items: Action[] }>(`${api}/api/actions`);
    expect(actions).toHaveLength(1);
    expect(await countStarts(stateFile)).toBe(2);
    expect((await status())?.health).toBe('healthy');

    const { items: audit } = await getJson<{ items: AuditEntry[] }>(`${api}/api/audit?limit=1000`);
    const events = audit.map((e) => e.event);
    for (const e of ['medic.started', 'incident.opened', 'action.planned', 'action.verified'])
      expect(events).toContain(e);
    expect(events.filter((e) => e === 'medic.started')).toHaveLength(2);
    expect(events).not.toContain('action.applied');
    expect((await getJson<{ ok: boolean }>(`${api}/api/audit/verify`)).ok).toBe(true);
  });
});
