/**
 * `npx tsx bench/scale/idle.ts [--interval 10s] [--measure 60s] [--json] [--tsx]`
 *
 * Medic watching one service, as pm2 or monit would: the compiled daemon (as `bin/medic.js` runs it)
 * supervising one small HTTP server with one HTTP check, on SQLite. Reports the cold start (spawn to the API
 * answering, and to the first check's result: the first run lands anywhere in the first interval, as the
 * scheduler spreads first runs), then, after the first interval, Medic's CPU (percent of one core) and RSS (mean and peak)
 * over the measurement window. The supervised server's own CPU and memory are not counted.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../src/core/index.js';
import { buildDaemon } from './build.js';
import { cpuSeconds, freePort, rssMb, stopChild } from './procs.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    interval: { type: 'string', default: '10s' },
    measure: { type: 'string', default: '60s' },
    json: { type: 'boolean', default: false },
    tsx: { type: 'boolean', default: false },
  },
});
const say = (msg: string) => process.stderr.write(`bench:idle: ${msg}\n`);

const intervalMs = parseDuration(values.interval);
const measureMs = parseDuration(values.measure);
const cli = values.tsx ? ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts')] : [await buildDaemon(ROOT)];
const dir = await mkdtemp(path.join(tmpdir(), 'medic-idle-'));
const [apiPort, appPort] = [await freePort(), await freePort()];
const server = `require('http').createServer((q, r) => r.end('ok')).listen(${appPort}, '127.0.0.1')`;
await writeFile(
  path.join(dir, 'medic.yaml'),
  [
    'services:',
    '  app:',
    `    run: { command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(server)}] }`,
    `    checks: [{ http: { url: "http://127.0.0.1:${appPort}/" }, interval: ${intervalMs}, timeout: ${Math.min(2000, intervalMs)} }]`,
    'notifiers: []',
    'store: { dir: ./data }',
    '',
  ].join('\n'),
);

interface Health {
  scheduler?: { runs: number };
}

const t0 = performance.now();
const child = spawn(
  process.execPath,
  [...cli, 'run', '--config', path.join(dir, 'medic.yaml'), '--port', String(apiPort)],
  {
    cwd: ROOT,
    env: { ...process.env, MEDIC_LOG_LEVEL: 'warn', MEDIC_LOG_FORMAT: 'json' },
    stdio: ['ignore', process.stderr, 'inherit'],
  },
);
try {
  let coldStartMs = 0;
  let apiReadyMs = 0;
  for (;;) {
    const h = (await fetch(`http://127.0.0.1:${apiPort}/api/health`)
      .then((r) => r.json())
      .catch(() => null)) as Health | null;
    if (h && apiReadyMs === 0) apiReadyMs = performance.now() - t0;
    if ((h?.scheduler?.runs ?? 0) > 0) {
      coldStartMs = performance.now() - t0;
      break;
    }
    if (child.exitCode !== null) throw new Error(`medic run exited with ${child.exitCode}`);
    if (performance.now() - t0 > 60_000) throw new Error('no check ran within 60 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  say(`first check after ${Math.round(coldStartMs)} ms; settling for ${intervalMs} ms`);
  await new Promise((r) => setTimeout(r, intervalMs));
  const cpu0 = cpuSeconds(child.pid!);
  const m0 = performance.now();
  const rss: number[] = [];
  say(`measuring for ${measureMs} ms`);
  while (performance.now() - m0 < measureMs) {
    rss.push(rssMb(child.pid!));
    await new Promise((r) => setTimeout(r, 1000));
  }
  const seconds = (performance.now() - m0) / 1000;
  const result = {
    api_ready_ms: Math.round(apiReadyMs),
    first_check_ms: Math.round(coldStartMs),
    cpu_percent: Math.round(((cpuSeconds(child.pid!) - cpu0) / seconds) * 1000) / 10,
    rss_mean_mb: Math.round(rss.reduce((a, b) => a + b, 0) / rss.length),
    rss_peak_mb: Math.round(Math.max(...rss)),
    check_interval_ms: intervalMs,
    measured_s: Math.round(seconds),
  };
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else
    console.log(
      `api ready ${result.api_ready_ms} ms  first check ${result.first_check_ms} ms  cpu ${result.cpu_percent} %  rss ${result.rss_mean_mb} MB (peak ${result.rss_peak_mb})`,
    );
} finally {
  await stopChild(child);
}
