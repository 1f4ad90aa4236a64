import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApi } from '../src/api/index.js';
import { tokenStoreOf } from '../src/api/tokens.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { blockAction } from '../src/remediate/actions/block.js';
import { testContext } from '../src/remediate/actions/testing.js';
import { CLI, ROOT, tempDir } from './helpers.js';
import { createNetns, requireNetnsTools, type TestNetns } from './netns.js';

const run = promisify(execFile);

let ns: TestNetns | null = null;
let medic: Medic | null = null;
let api: ApiServer | null = null;

beforeAll(async () => {
  requireNetnsTools(); // a missing nft or ip netns fails here, with what to install: never a skip
  ns = await createNetns();
});

afterAll(async () => {
  await api?.close();
  await medic?.stop();
  await ns?.destroy();
});

async function medicCli(token: string, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run('npx', ['tsx', CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, MEDIC_TOKEN: token },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/**
 * The bans in the CLI, through the daemon's API: `medic bans` lists what the kernel holds now in the
 * namespace the config bans in (address, ports, time left), `medic unblock` lifts one in one command,
 * journaled under the token's name; a viewer's unblock is refused, and a firewall no playbook bans in
 * cannot be named.
 */
describe('medic bans and medic unblock', () => {
  it('lists a ban with its time left, and lifts it in one command', async () => {
    const n = ns as TestNetns;
    const dir = await tempDir('medic-bans-cli-');
    await writeFile(
      path.join(dir, 'medic.yaml'),
      `services:
  sshd:
    logs: { files: [{ path: ./auth.log }], abuse: true }
playbooks:
  ban:
    when: { service: sshd, kind: abuse }
    steps:
      - block: { address: "{{ finding.labels.address }}", netns: ${n.name} }
notifiers: []
store: { dir: ./data }
`,
    );
    await writeFile(path.join(dir, 'auth.log'), '');
    medic = await createMedic({
      configFile: path.join(dir, 'medic.yaml'),
      watch: false,
      logger: pino({ level: 'silent' }),
    });
    const tokens = tokenStoreOf(medic.store);
    const operator = (await tokens.create('olga', 'operator')).token;
    const viewer = (await tokens.create('vic', 'viewer')).token;
    await medic.start();
    api = await startApi(medic, '127.0.0.1', 0);
    const { a, server } = n;
    await blockAction.apply(
      blockAction.plan(
        { block: { address: a.v4, netns: n.name, duration: '1h' }, timeout: 5_000 } as never,
        'sshd',
        {},
      ),
      testContext({ signal: AbortSignal.timeout(5_000) }),
    );
    expect(await n.connect(a.v4, server.v4)).toBe('refused');

    const listed = await medicCli(viewer, 'bans', '--url', api.url);
    expect(listed.code, listed.out).toBe(0);
    expect(listed.out).toContain(`network namespace ${n.name} (sshd):`);
    expect(listed.out).toMatch(
      new RegExp(`${a.v4.replaceAll('.', '\\.')}  every port  3\\d{3} s left of 3600 s`),
    );

    const refused = await medicCli(viewer, 'unblock', a.v4, '--netns', n.name, '--url', api.url);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('403');
    const elsewhere = await medicCli(operator, 'unblock', a.v4, '--url', api.url);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.out).toContain("no playbook of this config bans in the host's firewall");
    expect(await n.connect(a.v4, server.v4)).toBe('refused');

    const lifted = await medicCli(operator, 'unblock', a.v4, '--netns', n.name, '--url', api.url);
    expect(lifted.code, lifted.out).toBe(0);
    expect(lifted.out).toContain(`ban of ${a.v4} lifted in network namespace ${n.name}`);
    expect(await n.connect(a.v4, server.v4)).toBe('connected');
    expect((await medicCli(viewer, 'bans', '--url', api.url)).out).toContain('nobody is banned');
    const { items } = await medic.store.listActions({ limit: 10 });
    expect(items.find((x) => x.kind === 'unblock')).toMatchObject({ state: 'applied', playbook: 'manual' });
    const audit = await medic.store.listAudit({
      limit: 50,
      subject: items.find((x) => x.kind === 'unblock')!.id,
    });
    expect(audit.map((e) => e.actor)).toEqual(['olga', 'olga']);
  }, 240_000); // six CLI runs, each starting tsx: about 12 s apiece on a loaded machine
});
