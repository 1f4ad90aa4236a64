import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reassignBoundMs } from '../src/cluster/index.js';
import type { Action, Incident, JournalEntry } from '../src/core/index.js';
import type { ServiceStatus } from '../src/daemon/index.js';
import { startTestPostgres, type TestPostgres } from '../src/store/pg.fixture.js';
import { CLI, exited, freePort, getJson, ROOT, tempDir, waitFor } from './helpers.js';

const SERVICES = Array.from({ length: 12 }, (_, i) => `s${i}`);

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

interface Replica {
  child: ChildProcess;
  api: string;
}

/** A replica as its own process group, so killing it takes its step's child processes with it. */
function startReplica(config: string, dataDir: string, port: number, storeUrl: string): Replica {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'run', '--config', config, '--port', String(port), '--data-dir', dataDir],
    {
      cwd: ROOT,
      env: { ...process.env, MEDIC_STORE_URL: storeUrl, MEDIC_LOG_LEVEL: 'warn', MEDIC_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    },
  );
  return { child, api: `http://127.0.0.1:${port}` };
}

type Status = { services: ServiceStatus[]; replica: { id: string; live: string[] } };

describe('three replicas on one PostgreSQL', () => {
  it('share the checks, survive a replica killed mid-step, and run every step once', async () => {
    const dir = await tempDir();
    const marker = path.join(dir, 'runs.log');
    const broken = new Set<string>();
    const target = http.createServer((req, res) => {
      const [, verb, svc] = (req.url ?? '').split('/');
      if (verb === 'fix' && svc) broken.delete(svc);
      res.statusCode = verb === 'health' && svc && broken.has(svc) ? 500 : 200;
      res.end();
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as AddressInfo).port;
    // The fix takes 8 s: long enough to kill the replica that runs it, even on a loaded machine.
    const fix = `require('fs').appendFileSync(process.argv[1], process.argv[2] + ' ' + process.pid + '\\n'); setTimeout(() => fetch('http://127.0.0.1:${port}/fix/' + process.argv[2]).then(() => process.exit(0)), 8000)`;
    const config = path.join(dir, 'medic.yaml');
    await writeFile(
      config,
      `services:
${SERVICES.map((s) => `  ${s}:\n    checks: [{ http: { url: "http://127.0.0.1:${port}/health/${s}" }, interval: 500ms, timeout: 400ms, down_after: 2 }]`).join('\n')}
playbooks:
  fix-it:
    when: { service: "*", kind: down }
    steps:
      - exec: { command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(fix)}, ${JSON.stringify(marker)}, "{{service.name}}"] }
        timeout: 15s
    verify: { within: 6s, stable_for: 500ms }
policy: { backoff: { initial: 1s } }
notifiers: []
`,
    );
    const storeUrl = await pg.createDatabase();
    const replicas: Replica[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        replicas.push(startReplica(config, path.join(dir, `r${i}`), await freePort(), storeUrl));
      }
      const statusOf = (r: Replica) => getJson<Status>(`${r.api}/api/status`);
      const shares = async (rs: Replica[]) => {
        const all = await Promise.all(rs.map(statusOf));
        return all.map((s) => s.services.filter((x) => x.local).map((x) => x.name));
      };
      // Every replica sees the other two, and the checks are split between all three, each run once.
      const spread = await waitFor(
        'checks spread over three replicas',
        async () => {
          const st = await Promise.all(replicas.map(statusOf));
          if (!st.every((s) => s.replica.live.length === 3)) return null;
          const sh = await shares(replicas);
          return sh.every((x) => x.length > 0) && sh.flat().length === SERVICES.length ? sh : null;
        },
        40_000,
        200,
      );
      expect(new Set(spread.flat())).toEqual(new Set(SERVICES));

      // Break a service of replica 0, and kill replica 0 while its fix step runs.
      const victim = spread[0]![0]!;
      broken.add(victim);
      const first = await waitFor('fix step started', async () => {
        const text = await readFile(marker, 'utf8').catch(() => '');
        if (!text.includes(victim)) return null;
        const page = await getJson<{ items: Action[] }>(`${replicas[1]!.api}/api/actions?service=${victim}`);
        return page.items[0];
      });
      // The machine dies: the replica and the fix it is running (its own process group) with it.
      const fixLine = (await readFile(marker, 'utf8')).split('\n').find((l) => l.startsWith(`${victim} `));
      const fixPid = Number(fixLine?.split(' ')[1]);
      process.kill(-replicas[0]!.child.pid!, 'SIGKILL');
      process.kill(-fixPid, 'SIGKILL');
      expect(broken.has(victim), 'the machine died before its fix ran').toBe(true);
      await exited(replicas[0]!.child);
      const killedAt = Date.now();
      const survivors = replicas.slice(1);

      // Its checks move to the survivors within the documented bound (plus scheduling slack).
      await waitFor(
        'checks moved to the survivors',
        async () => {
          const sh = await shares(survivors);
          return sh.flat().length === SERVICES.length && new Set(sh.flat()).size === SERVICES.length;
        },
        reassignBoundMs() + 5_000,
        100,
      );
      expect(Date.now() - killedAt).toBeLessThan(reassignBoundMs() + 5_000);

      // The service is healed by a survivor; the interrupted step is reconciled once, never re-run.
      await waitFor(
        'incident resolved',
        async () => {
          const page = await getJson<{ items: Incident[] }>(
            `${survivors[0]!.api}/api/incidents?service=${victim}`,
          );
          return page.items[0]?.state === 'resolved';
        },
        40_000,
        200,
      );
      const incidents = await getJson<{ items: Incident[]; total: number }>(
        // The victim's: on a loaded machine another service may see a slow probe of its own.
        `${survivors[0]!.api}/api/incidents?service=${victim}`,
      );
      const story = async (id: string) =>
        (
          await getJson<{ timeline: { state: string | null; message: string }[] }>(
            `${survivors[0]!.api}/api/incidents/${id}`,
          )
        ).timeline
          .map((t) => `${t.state ?? '-'} ${t.message}`)
          .join('\n');
      const told = (await Promise.all(incidents.items.map((i) => story(i.id)))).join('\n---\n');
      expect(incidents.total, told).toBe(1);
      expect(incidents.items[0]!.service).toBe(victim);

      // The killed step is reconciled by exactly one survivor: verified or failed, never applied again.
      const killed = await waitFor(
        'killed step reconciled',
        async () => {
          const { journal } = await getJson<{ journal: JournalEntry[] }>(
            `${survivors[0]!.api}/api/actions/${first.id}`,
          );
          return journal.length > 1 ? journal : null;
        },
        20_000,
        200,
      );
      expect(killed.map((j) => j.state)).toEqual(['planned', expect.stringMatching(/^(verified|failed)$/)]);
      expect(killed[1]!.message).toContain('reconciled');
      // The survivor's own heal finishes: its fix made the service healthy (which may already have resolved
      // the incident), then its step is journaled applied and verified.
      const actions = await waitFor(
        'the survivor heal verified',
        async () => {
          const { items } = await getJson<{ items: Action[] }>(
            `${survivors[0]!.api}/api/actions?service=${victim}&limit=100`,
          );
          return items.some((a) => a.id !== first.id && a.state === 'verified') ? items : null;
        },
        30_000,
        200,
      );
      const journals = await Promise.all(
        actions.map((a) => getJson<{ journal: JournalEntry[] }>(`${survivors[0]!.api}/api/actions/${a.id}`)),
      );
      for (const { journal } of journals) {
        expect(journal.filter((j) => j.state === 'applied').length).toBeLessThanOrEqual(1);
        expect(journal.filter((j) => j.message.includes('reconciled')).length).toBeLessThanOrEqual(1);
      }
      // One run of the fix per action: the killed one, and the survivor's own heal.
      const runs = (await readFile(marker, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0])
        .filter((name) => name === victim);
      expect(runs).toEqual(actions.map(() => victim));
      expect(actions).toHaveLength(2);
      expect(actions.find((a) => a.id !== first.id)?.state).toBe('verified');
    } finally {
      for (const r of replicas) {
        if (r.child.exitCode === null && r.child.signalCode === null) {
          r.child.kill('SIGTERM');
          await exited(r.child);
        }
      }
      target.close();
    }
  }, 120_000);
});
