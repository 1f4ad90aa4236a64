import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { type SmallPostgres, startSmallPostgres } from '../src/sources/probes/postgres.fixture.js';
import { CLI, DEMO, exited, freePort, ROOT, tempDir, waitFor } from './helpers.js';

const REDIS = '/usr/bin/redis-server';
const NGINX_SH = path.join(ROOT, 'examples/stack/bin/nginx.sh');

/** `medic …` as a user runs it; resolves with its exit code and output. */
function medic(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

// The services of examples/stack, each started here on a free port: PostgreSQL, Redis, the demo API
// (backed by both) and nginx in front of it.
let pg: SmallPostgres;
const children: ChildProcess[] = [];
const ports = { db: 0, cache: 0, api: 0, nginx: 0 };

function start(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'ignore' });
  children.push(child);
  return child;
}

const answers = (url: string) => async () => (await fetch(url).catch(() => null))?.ok === true;

beforeAll(async () => {
  // No silent skip: a missing program fails, naming its package (scripts/system-deps.sh installs them).
  if (!existsSync(REDIS)) throw new Error(`${REDIS} missing: apt-get install redis-server`);
  pg = await startSmallPostgres(20);
  ports.db = Number(new URL(pg.url).port);
  ports.cache = await freePort();
  ports.api = await freePort();
  ports.nginx = await freePort();
  start(REDIS, ['--port', String(ports.cache), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  start(process.execPath, [DEMO], {
    PORT: String(ports.api),
    DATABASE_URL: pg.url,
    REDIS_URL: `redis://127.0.0.1:${ports.cache}`,
  });
  const nginxDir = await tempDir('medic-init-nginx-');
  start('sh', [NGINX_SH], {
    DATA_DIR: nginxDir,
    NGINX_PORT: String(ports.nginx),
    API_PORT: String(ports.api),
  });
  await waitFor(
    'the API, healthy with its database and cache',
    answers(`http://127.0.0.1:${ports.api}/health`),
  );
  await waitFor('nginx, proxying to the API', answers(`http://127.0.0.1:${ports.nginx}/health`));
}, 90_000);

afterAll(async () => {
  for (const c of children) {
    c.kill('SIGTERM');
    await exited(c);
  }
  await pg?.stop();
});

it('finds the four services of the stack with the probe that speaks each, in a config that validates', async () => {
  const dir = await tempDir('medic-init-');
  const file = path.join(dir, 'medic.yaml');
  const run = await medic(['init', '--out', file]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);

  const validate = await medic(['config', 'validate', file]);
  expect(validate.stderr).toBe('');
  expect(validate.code).toBe(0);
  expect(validate.stdout).toContain(': valid (');

  const { config } = await loadConfig(file);
  const services = Object.entries(config.services);
  /** The service with a check of `kind` on `port`, from the config as written. */
  const find = (kind: 'postgres' | 'redis' | 'http', port: number) =>
    services.find(([, s]) =>
      s.checks.some((c) => {
        const target = c[kind] as { url?: string } | undefined;
        return target?.url !== undefined && new URL(target.url).port === String(port);
      }),
    );
  const db = find('postgres', ports.db);
  const cache = find('redis', ports.cache);
  const api = find('http', ports.api);
  const web = find('http', ports.nginx);
  expect(db?.[1].role).toBe('database');
  expect(cache?.[1].role).toBe('cache');
  expect(api?.[1].checks[0]?.http?.url).toBe(`http://127.0.0.1:${ports.api}/health`);
  expect(web?.[1].checks[0]?.http?.url).toBe(`http://127.0.0.1:${ports.nginx}/health`);
  // Four different services, none found twice.
  expect(new Set([db?.[0], cache?.[0], api?.[0], web?.[0]]).size).toBe(4);
  // Who talks to whom, from the connections open while it looked: the API holds its pool and Redis client,
  // nginx its keep-alive connections to the API.
  expect(api?.[1].depends_on).toEqual(expect.arrayContaining([db?.[0], cache?.[0]]));
  expect(web?.[1].depends_on).toContain(api?.[0]);
  // The checks as written pass against the running services (the database's password from PGPASSWORD, as
  // the file's comment advises). Other services of this machine may come and go: only ours are read.
  const check = await medic(['check', '--config', file, '--json'], {
    PGPASSWORD: new URL(pg.url).password,
  });
  const results = JSON.parse(check.stdout) as { service: string; ok: boolean; message: string }[];
  for (const name of [db?.[0], cache?.[0], api?.[0], web?.[0]]) {
    const mine = results.filter((r) => r.service === name);
    expect(mine.length, `${name} checked`).toBe(1);
    expect(mine[0], `${name} passes`).toMatchObject({ ok: true });
  }
  // The file says where each came from.
  const text = await readFile(file, 'utf8');
  expect(text).toMatch(new RegExp(`# listens on 127\\.0\\.0\\.1:${ports.db}\\n`));
  expect(text).toContain('# medic.yaml written by `medic init`');
}, 90_000);

it('never overwrites a file without --force; --dry-run prints the config and writes nothing', async () => {
  const dir = await tempDir('medic-init-');
  const file = path.join(dir, 'medic.yaml');
  const only = ['--ports', `${ports.cache},${ports.api}`];

  const dry = await medic(['init', '--out', file, '--dry-run', ...only]);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain(`redis: { url: redis://127.0.0.1:${ports.cache} }`);
  expect(dry.stdout).toContain(`http: { url: http://127.0.0.1:${ports.api}/health }`);
  expect(existsSync(file)).toBe(false);

  expect((await medic(['init', '--out', file, ...only])).code).toBe(0);
  const first = await stat(file);
  const again = await medic(['init', '--out', file, ...only]);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain('exists: not overwritten (--force to replace it');
  expect((await stat(file)).mtimeMs).toBe(first.mtimeMs);

  const forced = await medic(['init', '--out', file, '--force', '--ports', String(ports.cache)]);
  expect(forced.code).toBe(0);
  const { config } = await loadConfig(file);
  expect(Object.values(config.services).map((s) => Object.keys(s.checks[0] ?? {}))).toEqual([
    expect.arrayContaining(['redis']),
  ]);
}, 90_000);
