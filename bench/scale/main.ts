/**
 * `npm run bench:scale -- [--checks 1000,10000] [--replicas 1,2] [--interval 10s] [--measure 30s] [--json]
 * [--tsx]`
 *
 * Runs N HTTP checks at a fixed interval against a local target, on one replica (SQLite) and on several
 * (sharing an embedded PostgreSQL), each replica a real `medic run` process of the compiled daemon (as
 * `bin/medic.js` runs it; `--tsx` runs the sources through tsx instead), and reports over the measurement
 * window: the scheduler lag (p50, p99), Medic's CPU (cores, summed over replicas), its RSS (the largest
 * replica's peak, sampled each second), the checks run per second (summed over replicas), the store's probe
 * writes per second, the probe results dropped since start, and the double runs: results stored in the window
 * less than half an interval after the same check's previous one (a check run by two replicas at once).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { parseDuration } from '../../src/core/index.js';
import { openStore } from '../../src/store/index.js';
import { buildDaemon } from './build.js';
import { startPostgres } from './postgres.js';
import { cpuSeconds, freePort, rssMb, startTarget, stopChild } from './procs.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Result {
  checks: number;
  replicas: number;
  lag_p50_ms: number;
  lag_p99_ms: number;
  cpu_cores: number;
  rss_mb: number;
  checks_run_per_sec: number;
  writes_per_sec: number;
  checks_per_replica: number[];
  written_per_replica_per_sec: number[];
  dropped: number;
  double_runs: number;
}

const { values } = parseArgs({
  options: {
    checks: { type: 'string', default: '1000,10000' },
    replicas: { type: 'string', default: '1,2' },
    interval: { type: 'string', default: '10s' },
    measure: { type: 'string', default: '30s' },
    json: { type: 'boolean', default: false },
    tsx: { type: 'boolean', default: false },
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
  scheduler: { checks: number; runs: number; lagP50Ms: number; lagP99Ms: number };
  probes: { written: number; dropped: number };
}

/** Medic's own health; 503 (lagging) still carries the figures. Retries a busy daemon's timeouts. */
async function health(port: number, attempts = 10): Promise<Health> {
  for (let i = 1; ; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(30_000) });
      const body = (await res.json()) as Partial<Health>;
      if (body.scheduler && body.probes) return body as Health;
      throw new Error(`/api/health answered ${res.status}`);
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
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

/** Results of [from, to) stored less than `gapMs` after the same check's previous result. */
async function doubleRuns(url: string, from: number, to: number, gapMs: number): Promise<number> {
  const store = await openStore(url, { migrate: false });
  try {
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from (
        select at, at - lag(at) over (partition by service, "check" order by at) as gap
        from probe_results where at >= ${from - gapMs} and at < ${to}
      ) g where at >= ${from} and gap < ${gapMs}`.execute(store.db);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await store.close();
  }
}

async function runOne(
  cli: string[],
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
        [...cli, 'run', '--config', file, '--port', String(port), '--data-dir', path.join(dir, `r${r}`)],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            MEDIC_LOG_LEVEL: 'warn',
            MEDIC_LOG_FORMAT: 'json',
            MEDIC_STORE_URL: storeUrl,
          },
          // Its log (warnings only) goes to stderr: this process's stdout is the report.
          stdio: ['ignore', process.stderr, 'inherit'],
        },
      );
      procs.push({ child, port });
    }
    for (const p of procs) {
      for (let i = 0; ; i++) {
        try {
          await health(p.port, 1);
          break;
        } catch {
          if (i > 1200) throw new Error('a replica did not start');
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    say(`${checks} checks, ${replicas} replica(s): warming up for ${intervalMs * 2} ms`);
    await new Promise((r) => setTimeout(r, intervalMs * 2));
    const rows0 = await probeRows(storeUrl);
    const healths0 = await Promise.all(procs.map((p) => health(p.port)));
    const cpu0 = procs.map((p) => cpuSeconds(p.child.pid!));
    const t0 = performance.now();
    const wall0 = Date.now();
    say(`measuring for ${measureMs} ms`);
    let rss = 0;
    const sampleRss = () => {
      rss = Math.max(rss, ...procs.map((p) => rssMb(p.child.pid!)));
    };
    const sampler = setInterval(sampleRss, 1000);
    await new Promise((r) => setTimeout(r, measureMs));
    clearInterval(sampler);
    sampleRss();
    const healths = await Promise.all(procs.map((p) => health(p.port)));
    const rows1 = await probeRows(storeUrl);
    const seconds = (performance.now() - t0) / 1000;
    const doubles = await doubleRuns(storeUrl, wall0, Date.now(), intervalMs / 2);
    const cpu = procs.reduce((sum, p, i) => sum + cpuSeconds(p.child.pid!) - cpu0[i]!, 0) / seconds;
    const delta = (f: (h: Health) => number) => healths.map((h, i) => f(h) - f(healths0[i]!));
    return {
      checks,
      replicas,
      lag_p50_ms: round(Math.max(...healths.map((h) => h.scheduler.lagP50Ms))),
      lag_p99_ms: round(Math.max(...healths.map((h) => h.scheduler.lagP99Ms))),
      cpu_cores: round(cpu, 3),
      rss_mb: round(rss),
      checks_run_per_sec: round(delta((h) => h.scheduler.runs).reduce((a, b) => a + b, 0) / seconds),
      writes_per_sec: round((rows1 - rows0) / seconds),
      checks_per_replica: healths.map((h) => h.scheduler.checks),
      written_per_replica_per_sec: delta((h) => h.probes.written).map((n) => round(n / seconds)),
      dropped: healths.reduce((n, h) => n + h.probes.dropped, 0),
      double_runs: doubles,
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
const cli = values.tsx ? ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts')] : [await buildDaemon(ROOT)];
const measureMs = parseDuration(values.measure);
const results: Result[] = [];
for (const checks of values.checks.split(',').map(Number)) {
  for (const replicas of values.replicas.split(',').map(Number)) {
    const r = await runOne(cli, checks, replicas, intervalMs, measureMs);
    results.push(r);
    if (!values.json) {
      console.log(
        `${String(checks).padStart(6)} checks  ${replicas} replica(s)  lag p50 ${r.lag_p50_ms} ms  p99 ${r.lag_p99_ms} ms  ` +
          `cpu ${r.cpu_cores} cores  rss ${r.rss_mb} MB  runs ${r.checks_run_per_sec}/s  writes ${r.writes_per_sec}/s  shares ${r.checks_per_replica.join('+')}  ` +
          `written/s ${r.written_per_replica_per_sec.join('+')}  dropped ${r.dropped}  double runs ${r.double_runs}`,
      );
    }
  }
}
if (values.json) console.log(JSON.stringify(results, null, 2));
