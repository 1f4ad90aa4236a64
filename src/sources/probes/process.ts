import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckConfig } from '../../config/index.js';
import { errorMessage, type ProbeResult } from '../../core/index.js';
import { startTimer, timedOut } from './common.js';
import type { Probe, ProbeContext } from './probe.js';
import { CLK_TCK, listPids, readCmdline, readComm, readRssBytes, readStat } from './procfs.js';

/** How long CPU use is sampled over: long enough for a few clock ticks, short against a check timeout. */
const CPU_SAMPLE_MS = 200;

type Target = { pid: number; how: string; matches?: number[] } | { error: string };

/** Parses a pidfile: a bare number, or the JSON {pid, argv} the supervisor writes. */
function parsePidfile(text: string): number | null {
  const t = text.trim();
  const pid = t.startsWith('{') ? Number((JSON.parse(t) as { pid?: unknown }).pid) : Number(t);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

async function findByName(name: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await listPids()) {
    if (pid === process.pid) continue; // Medic's own command line may well mention the name.
    const comm = await readComm(pid);
    if (comm === name) {
      found.push(pid);
      continue;
    }
    const argv = await readCmdline(pid);
    if (argv?.join(' ').includes(name)) found.push(pid);
  }
  return found;
}

async function resolveTarget(check: CheckConfig, ctx: ProbeContext): Promise<Target> {
  const p = check.process ?? {};
  if (p.pid !== undefined) return { pid: p.pid, how: `pid ${p.pid}` };
  if (p.pidfile !== undefined) {
    const path = resolve(ctx.baseDir, p.pidfile);
    try {
      const pid = parsePidfile(await readFile(path, 'utf8'));
      return pid === null ? { error: `pidfile ${path} holds no pid` } : { pid, how: `pidfile ${p.pidfile}` };
    } catch (err) {
      return { error: `cannot read pidfile ${path}: ${errorMessage(err)}` };
    }
  }
  if (p.name !== undefined) {
    const pids = await findByName(p.name);
    // Several matches: report the oldest-started (lowest pid is a fair stand-in), list the rest in details.
    const pid = pids.sort((a, b) => a - b)[0];
    if (pid === undefined) return { error: `no process named "${p.name}"` };
    return { pid, how: `"${p.name}"`, matches: pids.length > 1 ? pids : undefined };
  }
  const pid = ctx.supervisedPid();
  return pid === null ? { error: 'service is not running' } : { pid, how: 'supervised process' };
}

export const processProbe: Probe = {
  kind: 'process',
  async run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const elapsed = startTimer();
    if (ctx.signal.aborted) return timedOut(check, 0);
    const target = await resolveTarget(check, ctx);
    if ('error' in target) return { ok: false, latencyMs: elapsed(), message: target.error };
    const { pid } = target;

    const first = await readStat(pid);
    if (!first)
      return {
        ok: false,
        latencyMs: elapsed(),
        message: `process ${pid} (${target.how}) is not running`,
        details: { pid },
      };
    const details: Record<string, unknown> = { pid, comm: first.comm, state: first.state };
    if (target.matches) details.matches = target.matches;
    if (first.state === 'Z' || first.state === 'X') {
      return {
        ok: false,
        latencyMs: elapsed(),
        message: `process ${pid} is a zombie (exited, not reaped)`,
        details,
      };
    }
    if (first.state === 'T' || first.state === 't') {
      return { ok: false, latencyMs: elapsed(), message: `process ${pid} is stopped`, details };
    }

    const limits = check.process ?? {};
    const rss = await readRssBytes(pid);
    const rssMb = rss === null ? null : Math.round((rss / (1024 * 1024)) * 10) / 10;
    details.rssMb = rssMb;

    let cpu: number | null = null;
    if (limits.max_cpu_percent !== undefined) {
      // CPU time is real time: this sample has to wait on the wall clock, not the injected one.
      const t0 = performance.now();
      try {
        await sleep(CPU_SAMPLE_MS, undefined, { signal: ctx.signal });
      } catch {
        return timedOut(check, elapsed(), details);
      }
      const second = await readStat(pid);
      if (!second) return { ok: false, latencyMs: elapsed(), message: `process ${pid} exited`, details };
      const seconds = (performance.now() - t0) / 1000;
      cpu = Math.round(((second.cpuTicks - first.cpuTicks) / CLK_TCK / seconds) * 1000) / 10;
      details.cpuPercent = cpu;
    }

    const latencyMs = elapsed();
    const usage = [rssMb === null ? null : `rss ${rssMb} MB`, cpu === null ? null : `cpu ${cpu}%`]
      .filter(Boolean)
      .join(', ');
    const summary = `process ${pid} running${usage ? ` (${usage})` : ''}`;
    const over: string[] = [];
    // The limit is compared with the exact size; the tenth of a megabyte is for the message.
    if (limits.max_rss_mb !== undefined && rss !== null && rss > limits.max_rss_mb * 1024 * 1024) {
      over.push(`rss ${rssMb} MB over ${limits.max_rss_mb} MB`);
    }
    if (limits.max_cpu_percent !== undefined && cpu !== null && cpu > limits.max_cpu_percent) {
      over.push(`cpu ${cpu}% over ${limits.max_cpu_percent}%`);
    }
    if (over.length > 0) {
      return { ok: false, degraded: true, latencyMs, message: `process ${pid}: ${over.join(', ')}`, details };
    }
    return { ok: true, latencyMs, message: summary, details };
  },
};
