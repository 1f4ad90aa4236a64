import { resolve } from 'node:path';
import type { CheckConfig } from '../../config/index.js';
import { errorMessage, type ProbeResult } from '../../core/index.js';
import { startTimer, timedOut } from './common.js';
import { type HostReadings, readHost } from './host-readings.js';
import type { Probe, ProbeContext } from './probe.js';

type HostCheck = NonNullable<CheckConfig['host']>;
type Levels = { degraded?: number; down?: number };

/** "3.2 GiB": binary units, as `free -h` shows memory. */
function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  for (; v >= 1024 && i < units.length - 1; i++) v /= 1024;
  return `${Math.round(v * 10) / 10} ${units[i]}`;
}

interface Verdict {
  down: string[];
  degraded: string[];
  /** What was measured, for the message of a healthy host. */
  shown: string[];
}

/** Puts one measurement against its levels: the worse level passed wins, its key named in the message. */
function judge(v: Verdict, key: string, what: string, value: number, levels: Levels | undefined): void {
  if (levels?.down !== undefined && value > levels.down)
    v.down.push(`${what} over ${key}.down ${levels.down}`);
  else if (levels?.degraded !== undefined && value > levels.degraded)
    v.degraded.push(`${what} over ${key}.degraded ${levels.degraded}`);
  else v.shown.push(what);
}

/** Each measurement against the check's levels. Swap and open files are shown only when limited. */
export function judgeHost(h: HostCheck, r: HostReadings): Verdict {
  const v: Verdict = { down: [], degraded: [], shown: [] };
  judge(v, 'cpu_percent', `cpu ${r.cpuPercent}%`, r.cpuPercent, h.cpu_percent);
  judge(
    v,
    'memory_used_percent',
    `memory ${r.memoryUsedPercent}% used (${humanBytes(r.memoryAvailableBytes)} available)`,
    r.memoryUsedPercent,
    h.memory_used_percent,
  );
  if (h.swap_used_percent)
    judge(v, 'swap_used_percent', `swap ${r.swapUsedPercent}% used`, r.swapUsedPercent, h.swap_used_percent);
  judge(
    v,
    'load_per_core',
    `load ${r.loadPerCore} per core (${r.load1} on ${r.cores})`,
    r.loadPerCore,
    h.load_per_core,
  );
  if (h.open_files_percent)
    judge(
      v,
      'open_files_percent',
      `open files ${r.openFilesPercent}% (${r.openFiles} of ${r.maxOpenFiles})`,
      r.openFilesPercent,
      h.open_files_percent,
    );
  for (const m of r.mounts) {
    if (m.error !== undefined) {
      // A mount named in the config that cannot be read is no healthy disk: its data is not there.
      v.down.push(`${m.path}: cannot read its filesystem (${m.error})`);
      continue;
    }
    // A filesystem with no size (proc, some network mounts) has nothing to judge: unknown, not 0 %.
    if (m.usedPercent === null) {
      v.shown.push(`${m.path} size unknown`);
      continue;
    }
    judge(v, 'disk_used_percent', `${m.path} ${m.usedPercent}% used`, m.usedPercent, h.disk_used_percent);
    if (m.inodesUsedPercent !== null)
      judge(
        v,
        'inodes_used_percent',
        `${m.path} inodes ${m.inodesUsedPercent}% used`,
        m.inodesUsedPercent,
        h.inodes_used_percent,
      );
  }
  return v;
}

/**
 * The host itself, from Linux /proc and statfs: CPU busy since the previous run, memory used (MemAvailable),
 * swap, the load per core, open file handles, space and inodes of the given mounts. A `down` level passed
 * is `down`, a `degraded` one `degraded`, the message naming each key passed; the figures go in details for
 * rules and forecasts. A disk sitting flat at 99 % is a finding here, where a forecast sees no trend.
 */
export const hostProbe: Probe = {
  kind: 'host',
  async run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const h = check.host;
    if (!h) return { ok: false, latencyMs: 0, message: 'not a host check' };
    if (ctx.signal.aborted) return timedOut(check, 0);
    const elapsed = startTimer();
    const mounts = h.mounts.map((m) => resolve(ctx.baseDir, m));
    // Per service and check: two host checks with different limits each keep their own CPU window.
    const key = `${ctx.service}\0${check.name ?? ''}\0${JSON.stringify(h)}`;
    let r: HostReadings;
    try {
      r = await readHost(key, mounts, 3 * check.interval, ctx.signal);
    } catch (err) {
      if (ctx.signal.aborted) return timedOut(check, elapsed());
      return {
        ok: false,
        latencyMs: elapsed(),
        message: `cannot read the host's figures: ${errorMessage(err)}`,
      };
    }
    const details = { ...r } as Record<string, unknown>;
    const latencyMs = elapsed();
    const v = judgeHost(h, r);
    if (v.down.length > 0)
      return { ok: false, latencyMs, message: [...v.down, ...v.degraded].join('; '), details };
    if (v.degraded.length > 0)
      return { ok: false, degraded: true, latencyMs, message: v.degraded.join('; '), details };
    return { ok: true, latencyMs, message: v.shown.join('; '), details };
  },
};
