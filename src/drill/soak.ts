import { type ChildProcess, spawn } from 'node:child_process';
import type { LoadedConfig } from '../config/index.js';
import type { Medic } from '../daemon/index.js';
import { waitAllHealthy } from './runner.js';

export interface SoakOptions {
  durationMs: number;
  /** What the load generator requests (GET); null: no load. */
  loadUrl: string | null;
  /** Requests a second. */
  rps: number;
  /** Longest to wait for every service to be healthy before the soak starts (default 120 s). */
  healthyTimeoutMs?: number;
  onProgress?(msg: string): void;
}

export interface SoakResult {
  duration_ms: number;
  findings: number;
  incidents: number;
  actions: number;
  /** Load generator: requests made and those that failed (network error or status ≥ 400). */
  requests: number;
  request_errors: number;
  load_url: string | null;
  rps: number;
  /** Medic's own process (not its children nor the load generator): CPU in % of one core, RSS in MB. */
  cpu_percent: number;
  rss_mb_max: number;
  rss_mb_end: number;
  /** Zero findings, incidents and actions. */
  ok: boolean;
  /** The first few of each, to say what went wrong. */
  details: { findings: string[]; incidents: string[]; actions: string[] };
}

const DETAILS = 20;

/** The load generator: a separate process, so its CPU is not counted as Medic's. */
const LOAD = `
const [url, rps] = [process.argv[1], Number(process.argv[2])];
let requests = 0, errors = 0, inFlight = 0;
const errorsBy = {};
const hit = async () => {
  if (inFlight >= 20) { requests++; errors++; errorsBy.overload = (errorsBy.overload ?? 0) + 1; return; }
  inFlight++; requests++;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    if (res.status >= 400) { errors++; errorsBy[res.status] = (errorsBy[res.status] ?? 0) + 1; }
  } catch (err) { errors++; const k = err?.name ?? 'error'; errorsBy[k] = (errorsBy[k] ?? 0) + 1; }
  finally { inFlight--; }
};
const timer = setInterval(hit, 1000 / rps);
process.on('SIGTERM', async () => {
  clearInterval(timer);
  const until = Date.now() + 5000;
  while (inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  process.stdout.write(JSON.stringify({ requests, errors, errorsBy }) + '\\n');
  process.exit(0);
});
`;

/** Where the load goes by default: `/api/work` of the proxy in front (role proxy), else of the app. */
export function defaultLoadUrl(loaded: LoadedConfig): string | null {
  const services = Object.values(loaded.config.services);
  const origin = (roles: string[]) => {
    const s = services.find((x) => x.role && roles.includes(x.role) && x.checks.some((c) => c.http));
    const url = s?.checks.find((c) => c.http)?.http?.url;
    return url ? new URL(url).origin : null;
  };
  const any = services.find((x) => x.run && x.checks.some((c) => c.http))?.checks.find((c) => c.http)
    ?.http?.url;
  const base =
    origin(['proxy', 'lb', 'nginx']) ?? origin(['api', 'app', 'web']) ?? (any ? new URL(any).origin : null);
  return base ? `${base}/api/work` : null;
}

function startLoad(url: string, rps: number): ChildProcess {
  return spawn(process.execPath, ['-e', LOAD, url, String(rps)], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function stopLoad(child: ChildProcess): Promise<{ requests: number; errors: number }> {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 8_000))]);
  try {
    return JSON.parse(out.trim()) as { requests: number; errors: number };
  } catch {
    return { requests: 0, errors: 1 };
  }
}

/**
 * Runs the system healthy under light load for `durationMs` and counts what Medic reported: findings,
 * incidents opened and actions, all of which must be zero on a healthy system. Measures Medic's own CPU and
 * RSS meanwhile (Medic is this process).
 */
export async function runSoak(medic: Medic, opts: SoakOptions): Promise<SoakResult> {
  opts.onProgress?.('waiting for every service to be healthy');
  await waitAllHealthy(medic, opts.healthyTimeoutMs ?? 120_000);
  const findings: string[] = [];
  const incidents: string[] = [];
  const actions = new Map<string, string>();
  const offs = [
    medic.bus.on('finding', (f) => findings.push(`${f.service}/${f.check}:${f.kind} ${f.summary}`)),
    medic.bus.on('incident', ({ incident, change }) => {
      if (change === 'opened') incidents.push(`${incident.id} ${incident.service}: ${incident.title}`);
    }),
    medic.bus.on('action', (a) => {
      actions.set(a.id, `${a.service} ${a.playbook}#${a.step} ${a.kind}`);
    }),
  ];
  const load = opts.loadUrl ? startLoad(opts.loadUrl, opts.rps) : null;
  opts.onProgress?.(
    `soaking for ${Math.round(opts.durationMs / 1000)} s${opts.loadUrl ? ` under ${opts.rps} req/s on ${opts.loadUrl}` : ''}`,
  );
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rssMax = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }, 1_000);
  const progress = setInterval(
    () =>
      opts.onProgress?.(
        `${Math.round((performance.now() - t0) / 1000)} s: ${findings.length} findings, ${incidents.length} incidents, ${actions.size} actions`,
      ),
    60_000,
  );
  try {
    await new Promise((r) => setTimeout(r, opts.durationMs));
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
  }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const rssEnd = process.memoryUsage().rss;
  rssMax = Math.max(rssMax, rssEnd);
  const loadResult = load ? await stopLoad(load) : { requests: 0, errors: 0 };
  for (const off of offs) off();
  const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
  return {
    duration_ms: Math.round(wallMs),
    findings: findings.length,
    incidents: incidents.length,
    actions: actions.size,
    requests: loadResult.requests,
    request_errors: loadResult.errors,
    load_url: opts.loadUrl,
    rps: opts.rps,
    cpu_percent: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10,
    rss_mb_max: mb(rssMax),
    rss_mb_end: mb(rssEnd),
    ok: findings.length === 0 && incidents.length === 0 && actions.size === 0,
    details: {
      findings: findings.slice(0, DETAILS),
      incidents: incidents.slice(0, DETAILS),
      actions: [...actions.values()].slice(0, DETAILS),
    },
  };
}
