import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../src/core/index.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { CLI, ROOT, tempDir, waitFor } from './helpers.js';

const run = promisify(execFile);

/**
 * A local npm registry (the registry's own wire format: a packument per package, tarballs under `/-/`), so
 * the real npm client resolves the update with no network. `tiny-lib` 1.0.0 is the vulnerable version, 1.0.1
 * the fix.
 */
async function npmRegistry(
  dir: string,
): Promise<{ url: string; close(): Promise<void>; requests: string[] }> {
  const tarballs = new Map<string, Buffer>();
  for (const version of ['1.0.0', '1.0.1']) {
    const pkg = path.join(dir, `tiny-lib-${version}`, 'package');
    await mkdir(pkg, { recursive: true });
    await writeFile(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: 'tiny-lib', version, main: 'index.js' }),
    );
    await writeFile(path.join(pkg, 'index.js'), `module.exports = ${JSON.stringify(version)};\n`);
    const tgz = path.join(dir, `tiny-lib-${version}.tgz`);
    execFileSync('tar', ['-czf', tgz, '-C', path.dirname(pkg), 'package']);
    tarballs.set(version, await readFile(tgz));
  }
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/tiny-lib') {
      const versions = Object.fromEntries(
        [...tarballs].map(([v, data]) => [
          v,
          {
            name: 'tiny-lib',
            version: v,
            main: 'index.js',
            dist: {
              tarball: `${base}/tiny-lib/-/tiny-lib-${v}.tgz`,
              shasum: createHash('sha1').update(data).digest('hex'),
              integrity: `sha512-${createHash('sha512').update(data).digest('base64')}`,
            },
          },
        ]),
      );
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name: 'tiny-lib', 'dist-tags': { latest: '1.0.1' }, versions }));
      return;
    }
    const m = /^\/tiny-lib\/-\/tiny-lib-(.+)\.tgz$/.exec(req.url ?? '');
    const data = m ? tarballs.get(m[1]!) : undefined;
    if (data) {
      res.setHeader('content-type', 'application/octet-stream');
      res.end(data);
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** An advisory in OSV's format, as GitHub's database publishes them. */
const ADVISORY = {
  schema_version: '1.6.0',
  id: 'GHSA-test-tiny-0001',
  aliases: ['CVE-2099-0001'],
  summary: 'Prototype pollution in tiny-lib',
  modified: '2099-01-01T00:00:00Z',
  affected: [
    {
      package: { ecosystem: 'npm', name: 'tiny-lib' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }],
    },
  ],
  database_specific: { severity: 'HIGH' },
};

let medic: Medic | null = null;
let registry: Awaited<ReturnType<typeof npmRegistry>> | null = null;
let dir = '';
let proj = '';

beforeAll(async () => {
  dir = await tempDir('medic-deps-');
  registry = await npmRegistry(path.join(dir, 'registry'));
  proj = path.join(dir, 'proj');
  await mkdir(proj);
  await writeFile(
    path.join(proj, '.npmrc'),
    `registry=${registry.url}\ncache=${path.join(dir, 'npm-cache')}\n`,
  );
  await writeFile(
    path.join(proj, 'package.json'),
    `${JSON.stringify({ name: 'fixture', version: '1.0.0', private: true, dependencies: { 'tiny-lib': '1.0.0' } }, null, 2)}\n`,
  );
  // The project's tests: they fail while ./tests-fail exists (a regression the update brings, say).
  await writeFile(
    path.join(proj, 'test.mjs'),
    `import { existsSync, readFileSync } from 'node:fs';
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const v = lock.packages['node_modules/tiny-lib'].version;
if (existsSync('tests-fail')) { console.error('1 failing: tiny-lib ' + v + ' breaks the parser'); process.exit(1); }
console.log('12 passing with tiny-lib ' + v);
`,
  );
  // A real lockfile, made by npm against the local registry.
  await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: proj,
  });
  await mkdir(path.join(dir, 'advisories'));
  await writeFile(path.join(dir, 'advisories', `${ADVISORY.id}.json`), JSON.stringify(ADVISORY, null, 2));
}, 120_000);

afterAll(async () => {
  await medic?.stop();
  await registry?.close();
});

async function scanCli(): Promise<{
  code: number;
  json: { projects: { vulnerabilities: Record<string, unknown>[] }[] };
}> {
  const args = ['tsx', CLI, 'deps', 'scan', proj, '--advisories', path.join(dir, 'advisories'), '--json'];
  try {
    const { stdout } = await run('npx', args, { cwd: ROOT });
    return { code: 0, json: JSON.parse(stdout) };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, json: JSON.parse(e.stdout) };
  }
}

const lockVersion = async () =>
  JSON.parse(await readFile(path.join(proj, 'package-lock.json'), 'utf8')).packages['node_modules/tiny-lib']
    .version;

/**
 * Issue 18's dependency Done-when: `medic deps scan` on a project with a known-vulnerable pinned version (a
 * real npm lockfile, an OSV advisory file made here) reports it with the fixed version; the daemon's scan
 * raises a `vulnerable` finding whose playbook updates the package with npm, backed up first: failing tests
 * roll it back byte for byte, passing tests keep it, and the incident resolves once the scan is clean.
 */
describe('vulnerable dependencies', () => {
  it('scans, updates through a playbook, rolls back on failing tests, keeps on passing ones', async () => {
    const before = await scanCli();
    expect(before.code).toBe(1);
    expect(before.json.projects[0]!.vulnerabilities).toEqual([
      expect.objectContaining({
        package: 'tiny-lib',
        version: '1.0.0',
        fixed: '1.0.1',
        advisory: 'GHSA-test-tiny-0001',
        severity: 'high',
        direct: true,
      }),
    ]);

    const manifest0 = await readFile(path.join(proj, 'package.json'), 'utf8');
    const lock0 = await readFile(path.join(proj, 'package-lock.json'), 'utf8');
    await writeFile(path.join(proj, 'tests-fail'), '');
    await writeFile(
      path.join(dir, 'medic.yaml'),
      `services:
  app:
    checks:
      - name: up
        command: { command: ["true"] }
        interval: 1s
        timeout: 1s
deps:
  every: 1h
  advisories: { path: ./advisories }
  projects: [{ path: ./proj, service: app }]
playbooks:
  update-deps:
    when: { service: app, kind: vulnerable }
    steps:
      - update_dependency:
          project: "{{ finding.labels.project }}"
          package: "{{ finding.labels.package }}"
          version: "{{ finding.labels.fixed }}"
          test: [node, test.mjs]
        timeout: 60s
    verify: { within: 30s, stable_for: 300ms }
policy: { autonomy: auto, backoff: { initial: 3s, factor: 1, max: 3s }, max_failed_heals: 5 }
notifiers: []
store: { dir: ./data }
`,
    );
    const m = await createMedic({
      configFile: path.join(dir, 'medic.yaml'),
      watch: false,
      verifyPollMs: 100,
      logger: pino({ level: 'silent' }),
    });
    medic = m;
    const findings: Finding[] = [];
    m.bus.on('finding', (f) => findings.push(f));
    await m.start();

    const vuln = await waitFor(
      'vulnerable finding',
      () => findings.find((f) => f.kind === 'vulnerable'),
      20_000,
    );
    expect(vuln.service).toBe('app');
    expect(vuln.evidence['labels']).toMatchObject({ package: 'tiny-lib', version: '1.0.0', fixed: '1.0.1' });
    await waitFor('app held degraded', () => m.health.get('app') === 'degraded', 10_000);

    // First heal: npm updates, the tests fail, the backup goes back.
    const failed = await waitFor(
      'the update rolled back',
      async () =>
        (await m.store.listActions({ limit: 20 })).items.find(
          (a) => a.kind === 'update-dependency' && (a.state === 'rolled_back' || a.state === 'failed'),
        ),
      60_000,
      100,
    );
    await rm(path.join(proj, 'tests-fail'));
    const journal = await m.store.journal(failed.id);
    expect(journal.map((j) => j.state)).toContain('backed_up');
    expect(journal.map((j) => j.message).join('\n')).toMatch(
      /tests failed after updating tiny-lib to 1\.0\.1.*breaks the parser/,
    );
    await waitFor(
      'lockfile back',
      async () => (await readFile(path.join(proj, 'package-lock.json'), 'utf8')) === lock0,
      10_000,
    );
    expect(await readFile(path.join(proj, 'package.json'), 'utf8')).toBe(manifest0);
    const backups = await m.engine.backups.list({ actionId: failed.id });
    expect(backups.map((b) => path.basename(b.path)).sort()).toEqual(['package-lock.json', 'package.json']);

    // The retry, tests passing: kept, verified, and the incident resolves once the scan is clean.
    const kept = await waitFor(
      'the update verified',
      async () =>
        (await m.store.listActions({ limit: 20 })).items.find(
          (a) => a.kind === 'update-dependency' && a.state === 'verified',
        ),
      60_000,
      100,
    );
    expect(await lockVersion()).toBe('1.0.1');
    expect(JSON.parse(await readFile(path.join(proj, 'package.json'), 'utf8')).dependencies['tiny-lib']).toBe(
      '1.0.1',
    );
    expect((await m.store.journal(kept.id)).map((j) => j.message).join('\n')).toMatch(
      /tests passed: 12 passing with tiny-lib 1\.0\.1/,
    );
    await waitFor('incident resolved', async () => (await m.store.activeIncident('app')) === null, 20_000);
    expect(m.health.get('app')).toBe('healthy');

    const after = await scanCli();
    expect(after.code).toBe(0);
    expect(after.json.projects[0]!.vulnerabilities).toEqual([]);
    expect(registry!.requests.some((r) => r.startsWith('GET /tiny-lib'))).toBe(true);
  }, 180_000);
});
