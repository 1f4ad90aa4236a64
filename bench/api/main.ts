/**
 * `npm run bench:api -- [--incidents 10000] [--json]`
 *
 * With N incidents stored, measures how fast the incident list's first page answers over real HTTP (p50,
 * p99 of 100 requests) and how long the dashboard takes to render it in Debian's chromium (median of 5 loads
 * from navigation to the 50th row drawn). Targets: < 50 ms and < 1 s.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startApi } from '../../src/api/index.js';
import { createMedic } from '../../src/daemon/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const { values } = parseArgs({
  options: { incidents: { type: 'string', default: '10000' }, json: { type: 'boolean', default: false } },
});
const n = Number(values.incidents);
const say = (m: string) => process.stderr.write(`bench:api: ${m}\n`);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}
const round = (x: number) => Math.round(x * 10) / 10;

const dir = await mkdtemp(path.join(tmpdir(), 'medic-bench-api-'));
const file = path.join(dir, 'medic.yaml');
await writeFile(file, 'services: {}\nnotifiers: []\nstore: { dir: ./data }\n');
const medic = await createMedic({ configFile: file, watch: false, logger: pino({ level: 'silent' }) });
await medic.start();
say(`seeding ${n} incidents`);
const base = Date.now() - n * 1000;
for (let i = 0; i < n; i += 500) {
  const rows = Array.from({ length: Math.min(500, n - i) }, (_, j) => ({
    id: `inc_bench${String(i + j).padStart(8, '0')}`,
    service: `svc-${(i + j) % 50}`,
    state: (i + j) % 2 === 0 ? 'resolved' : 'escalated',
    title: `incident ${i + j}`,
    severity: 'critical',
    root_cause: null,
    opened_at: base + (i + j) * 1000,
    updated_at: base + (i + j) * 1000,
    resolved_at: (i + j) % 2 === 0 ? base + (i + j) * 1000 + 500 : null,
    dedup_key: null,
  }));
  await medic.store.db.insertInto('incidents').values(rows).execute();
}
const api = await startApi(medic, '127.0.0.1', 0);
try {
  const url = `${api.url}/api/incidents?limit=50`;
  for (let i = 0; i < 10; i++) await (await fetch(url)).arrayBuffer();
  const times: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    times.push(performance.now() - t0);
  }
  const result: Record<string, number | string | null> = {
    incidents: n,
    first_page_p50_ms: round(percentile(times, 0.5)),
    first_page_p99_ms: round(percentile(times, 0.99)),
    render_median_ms: null,
  };
  if (!existsSync(path.join(ROOT, 'web/dist/index.html'))) {
    say('building the dashboard');
    const { build } = await import('vite');
    await build({ configFile: path.join(ROOT, 'web/vite.config.ts'), logLevel: 'warn' });
  }
  if (existsSync(CHROMIUM)) {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const renders: number[] = [];
      for (let i = 0; i < 6; i++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const t0 = performance.now();
        await page.goto(`${api.url}/#/incidents`);
        await page.locator('[data-testid=incident-row]').nth(49).waitFor({ timeout: 30_000 });
        if (i > 0) renders.push(performance.now() - t0); // the first load warms the browser's caches
        await page.close();
      }
      result['render_median_ms'] = round(percentile(renders, 0.5));
    } finally {
      await browser.close();
    }
  } else {
    result['render_note'] = `no browser at ${CHROMIUM}: render not measured`;
  }
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(
      `${n} incidents: first page p50 ${result['first_page_p50_ms']} ms, p99 ${result['first_page_p99_ms']} ms (target < 50 ms); ` +
        `dashboard render median ${result['render_median_ms'] ?? '-'} ms (target < 1000 ms)`,
    );
  }
} finally {
  await api.close();
  await medic.stop();
}
