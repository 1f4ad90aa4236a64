import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.js';
import { CLI, DEMO, freePort, tempDir } from './helpers.js';
import { requireNetnsTools } from './netns.js';
import { runNode } from './stack-helpers.js';

const NETNS = `medic-drill-${process.pid % 100_000}`;

afterAll(() => {
  spawnSync('ip', ['netns', 'del', NETNS]); // only if a failed run left it
});

const hostTable = () => spawnSync('nft', ['list', 'table', 'inet', 'medic'], { encoding: 'utf8' }).stdout;

interface Run {
  ok: boolean;
  healed: boolean;
  detected_as_expected: boolean | null;
  cause: string | null;
  root_cause_ok: boolean;
  collateral_actions: number;
  note?: string;
}

/**
 * `medic drill brute-force` through the CLI on a small config (the demo service, its auth log tailed with
 * abuse detection, a ban playbook naming a network namespace): each run writes failed logins from one
 * address until it is banned in that namespace's firewall, checks the ban refuses that address only and
 * expires by itself (else the run fails), and the second ban of the same address is longer. The namespace
 * is gone afterwards, and the host's firewall was never touched.
 */
describe('drill brute-force', () => {
  it('banned, refused, expired, twice, the second ban longer; diagnosed brute_force', async () => {
    requireNetnsTools();
    const dir = await tempDir('medic-drill-bf-');
    const [web, medic] = [await freePort(), await freePort()];
    const config = path.join(dir, 'medic.yaml');
    await writeFile(
      config,
      `services:
  web:
    role: app
    run:
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(DEMO)}]
      env: { PORT: "${web}", DATA_DIR: ./web-data }
      ports: [${web}]
    checks:
      - name: health
        http: { url: http://127.0.0.1:${web}/health, status: 200 }
        interval: 1s
        timeout: 900ms
        down_after: 2
    logs:
      files: [{ path: ./auth.log, poll: 100ms }]
      abuse: { max_failures: 5, window: 1m }
playbooks:
  ban:
    when: { service: web, kind: abuse }
    steps:
      - block: { address: "{{ finding.labels.address }}", duration: 2s, factor: 2, max: 10s, remember: 10m, netns: ${NETNS} }
        timeout: 15s
    verify: { within: 10s, stable_for: 200ms, checks: [telemetry] }
policy: { autonomy: auto }
notifiers: []
server: { host: 127.0.0.1, port: ${medic} }
store: { dir: ./data }
`,
    );
    const before = hostTable();
    const r = await runNode(
      [
        '--import',
        'tsx',
        CLI,
        'drill',
        'brute-force',
        '--config',
        config,
        '--runs',
        '2',
        '--json',
        '--data-dir',
        path.join(dir, 'drill-data'),
      ],
      240_000,
    );
    const runs = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Run);
    const why = `${JSON.stringify(runs, null, 1)}\n${r.stderr
      .split('\n')
      .filter((l) => l.startsWith('drill:'))
      .join('\n')}`;
    expect(r.status, why).toBe(0);
    expect(runs, why).toHaveLength(2);
    for (const x of runs) {
      expect(x.ok, why).toBe(true);
      expect(x.note, why).toBeUndefined(); // an injection that saw no ban, no refusal or no expiry notes it
      expect(x.detected_as_expected, why).toBe(true);
      expect(x.cause, why).toBe('brute_force');
      expect(x.root_cause_ok, why).toBe(true);
      expect(x.collateral_actions, why).toBe(0);
    }

    // The journal: one ban per run, the repeat offender's twice as long.
    const store = await openStore({ kind: 'sqlite', dir: path.join(dir, 'drill-data') });
    try {
      const { items } = await store.listActions({ limit: 20 });
      const blocks = items.filter((a) => a.kind === 'block').reverse();
      expect(
        blocks.map((a) => a.state),
        why,
      ).toEqual(['verified', 'verified']);
      const applied = await Promise.all(
        blocks.map(async (a) => (await store.journal(a.id)).find((e) => e.state === 'applied')?.message),
      );
      expect(applied[0]).toMatch(
        /for 2\.00s \(first ban; banned4_ports .* in network namespace medic-drill-/,
      );
      expect(applied[1]).toMatch(/for 4\.00s \(ban 2 within/);
    } finally {
      await store.close();
    }
    // The drill's namespace is gone; the host's own firewall is as it was.
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(NETNS);
    expect(hostTable()).toBe(before);
  }, 300_000);
});
