import { readFile, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { SeriesConfig } from '../../config/schema/metrics.js';
import { CpuSampler, PromClient, readLoad, readMemory, scrapeMetrics } from '../../sources/metrics/index.js';

/** Reads one value of a series now; null when there is nothing to read (no process, no matching sample). */
export type Sampler = (now: number) => Promise<number | null>;

export interface SamplerContext {
  baseDir: string;
  /** The supervised process's pid, if it runs. */
  pid(): number | null;
}

/** Resident set size in bytes, from /proc/PID/status (null when the process is gone). */
export async function readRss(pid: number, proc = '/proc'): Promise<number | null> {
  try {
    const text = await readFile(`${proc}/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s*kB/m.exec(text);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export function samplerOf(s: SeriesConfig, ctx: SamplerContext): Sampler {
  if (s.scrape) {
    const sc = s.scrape;
    let prev: { at: number; value: number } | null = null;
    return async (now) => {
      const res = await scrapeMetrics(sc.url, {
        headers: sc.headers,
        now,
        timeoutMs: Math.max(1000, s.interval),
      });
      let sum = 0;
      let found = false;
      for (const x of res.samples) {
        if (x.name !== sc.metric) continue;
        if (Object.entries(sc.labels).some(([k, v]) => x.labels[k] !== v)) continue;
        sum += x.value;
        found = true;
      }
      if (!found) return null;
      if (!sc.rate) return sum;
      const last = prev;
      prev = { at: now, value: sum };
      // A counter that went down was reset (the process restarted): no rate across the reset.
      if (!last || sum < last.value || now <= last.at) return null;
      return ((sum - last.value) * 1000) / (now - last.at);
    };
  }
  if (s.promql) {
    const client = new PromClient({ baseUrl: s.promql.url, headers: s.promql.headers });
    const q = s.promql.query;
    return async () => {
      const series = await client.query(q);
      const p = series[0]?.points.at(-1);
      return p && Number.isFinite(p.value) ? p.value : null;
    };
  }
  if (s.host) {
    const h = s.host;
    if (h === 'cpu') {
      const cpu = new CpuSampler();
      return () => cpu.sample();
    }
    if (h === 'memory') return async () => (await readMemory()).usedRatio;
    if (h === 'memory_used_bytes') return async () => (await readMemory()).usedBytes;
    if (h === 'load1' || h === 'load5' || h === 'load15') return async () => (await readLoad())[h];
    const mount = h.slice('disk:'.length);
    return async () => {
      const st = await statfs(mount);
      const used = (st.blocks - st.bfree) * st.bsize;
      const avail = st.bavail * st.bsize;
      return used + avail > 0 ? used / (used + avail) : null;
    };
  }
  const rss = s.rss;
  if (rss === true) {
    return async () => {
      const pid = ctx.pid();
      return pid ? readRss(pid) : null;
    };
  }
  if (rss) {
    const file = path.resolve(ctx.baseDir, rss.pidfile);
    return async () => {
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      return Number.isInteger(pid) && pid > 0 ? readRss(pid) : null;
    };
  }
  throw new Error(`series ${s.name}: no source`);
}
