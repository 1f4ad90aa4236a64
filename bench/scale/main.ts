/**
 * `npm run bench:scale -- [--checks 1000,10000] [--replicas 1,2] [--interval 10s] [--measure 30s] [--json]`
 *
 * Runs N HTTP checks at a fixed interval against a local target, on one replica (SQLite) and on several
 * (sharing an embedded PostgreSQL), each replica a real `medic run` process, and reports the scheduler lag
 * (p50, p99), Medic's CPU (cores, summed over replicas) and RSS (largest replica), and the store's probe
 * write rate over the measurement window.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../src/core/index.js';
import { openStore } from '../../src/store/index.js';
import { startPostgres } from './postgres.js';
import { cpuSeconds, freePort, rssMb, startTarget, stopChild } from './procs.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'src/cli/main.ts');

interface Result {
  checks: number;
  replicas: number;
  lag_p50_ms: number;
  lag_p99_ms: number;
  cpu_cores: number;
  rss_mb: number;
  writes_per_sec: number;
  checks_per_replica: number[];
  written_per_replica_per_sec: number[];
  dropped: number;
}

const { values } = parseArgs({
  options: {
    checks: { type: 'string', default: '1000,10000' },
    replicas: { type: 'string', default: '1,2' },
    interval: { type: 'string', default: '10s' },
    measure: { type: 'string', default: '30s' },
    json: { type: 'boolean', default: false },
  },
});
const say = (msg: string) => process.stderr.write(`bench:scale: ${msg}\n`);

function config(n: number, port: number, intervalMs: number): string {
  const lines = ['services:'];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  s${i}:`,
      `    checks: [{ http: { url: "http://127.0.0.1:${port}/s${i}" }, interval: ${intervalMs}, timeout: 2000 }]`,
    );
  }
  lines.push('notifiers: []', 'store: { dir: ./data }');
  return `${lines.join('\n')}\n`;
}

interface Health {
  scheduler: { checks: number; lagP50Ms: number; lagP99Ms: number };
  probes: { written: number; dropped: number };
}

async function health(port: number): Promise<Health> {
  const res = await fetch(`http://127.0.0.1:${port}/api/health`);
  return (await res.json()) as Health;
}

async function probeRows(url: string): Promise<number> {
  const store = await openStore(url, { migrate: false });
  try {
    const row = await store.db
      .selectFrom('probe_results')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await store.close();
  }
}

async function runOne(
  checks: number,
  replicas: number,
  intervalMs: number,
  measureMs: number,
): Promise<Result> {
  const dir = await mkdtemp(path.join(tmpdir(), 'medic-scale-'));
  const target = await startTarget();
  const pg = replicas > 1 ? await startPostgres() : null;
  const storeUrl = pg ? pg.url : `sqlite:${path.join(dir, 'data')}`;
  const file = path.join(dir, 'medic.yaml');
  await writeFile(file, config(checks, target.port, intervalMs));
  const procs: { child: ChildProcess; port: number }[] = [];
  try {
    for (let r = 0; r < replicas; r++) {
      const port = await freePort();
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          CLI,
          'run',
          '--config',
          file,
          '--port',
          String(port),
          '--data-dir',
          path.join(dir, `r${r}`),
        ],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            MEDIC_LOG_LEVEL: 'warn',
            MEDIC_LOG_FORMAT: 'json',
            MEDIC_STORE_URL: storeUrl,
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      procs.push({ child, port });
    }
    for (const p of procs) {
      for (let i = 0; ; i++) {
        try {
          await health(p.port);
          break;
        } catch {
          if (i > 600) throw new Error('a replica did not start');
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    say(`${checks} checks, ${replicas} replica(s): warming up for ${intervalMs * 2} ms`);
    await new Promise((r) => setTimeout(r, intervalMs * 2));
    const rows0 = await probeRows(storeUrl);
    const written0 = (await Promise.all(procs.map((p) => health(p.port)))).map((h) => h.probes.written);
    const cpu0 = procs.map((p) => cpuSeconds(p.child.pid!));
    const t0 = performance.now();
    say(`measuring for ${measureMs} ms`);
    await new Promise((r) => setTimeout(r, measureMs));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = procs.reduce((sum, p, i) => sum + cpuSeconds(p.child.pid!) - cpu0[i]!, 0) / seconds;
    const rss = Math.max(...procs.map((p) => rssMb(p.child.pid!)));
    const healths = await Promise.all(procs.map((p) => health(p.port)));
    const rows1 = await probeRows(storeUrl);
    return {
      checks,
      replicas,
      lag_p50_ms: round(Math.max(...healths.map((h) => h.scheduler.lagP50Ms))),
      lag_p99_ms: round(Math.max(...healths.map((h) => h.scheduler.lagP99Ms))),
      cpu_cores: round(cpu, 3),
      rss_mb: round(rss),
      writes_per_sec: round((rows1 - rows0) / seconds),
      checks_per_replica: healths.map((h) => h.scheduler.checks),
      written_per_replica_per_sec: healths.map((h, i) => round((h.probes.written - written0[i]!) / seconds)),
      dropped: healths.reduce((n, h) => n + h.probes.dropped, 0),
    };
  } finally {
    await Promise.all(procs.map((p) => stopChild(p.child)));
    await stopChild(target.child);
    await pg?.stop();
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const intervalMs = parseDuration(values.interval);
const measureMs = parseDuration(values.measure);
const results: Result[] = [];
for (const checks of values.checks.split(',').map(Number)) {
  for (const replicas of values.replicas.split(',').map(Number)) {
    const r = await runOne(checks, replicas, intervalMs, measureMs);
    results.push(r);
    if (!values.json) {
      console.log(
        `${String(checks).padStart(6)} checks  ${replicas} replica(s)  lag p50 ${r.lag_p50_ms} ms  p99 ${r.lag_p99_ms} ms  ` +
          `cpu ${r.cpu_cores} cores  rss ${r.rss_mb} MB  writes ${r.writes_per_sec}/s  shares ${r.checks_per_replica.join('+')}  ` +
          `written/s ${r.written_per_replica_per_sec.join('+')}  dropped ${r.dropped}`,
      );
    }
  }
}
if (values.json) console.log(JSON.stringify(results, null, 2));
