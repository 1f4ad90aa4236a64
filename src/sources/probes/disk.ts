import { realpath, stat, statfs } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CheckConfig } from '../../config/index.js';
import { errorMessage, type ProbeResult } from '../../core/index.js';
import { dirUsage } from '../dir-usage.js';
import { startTimer, timedOut } from './common.js';
import type { Probe, ProbeContext } from './probe.js';

const MIB = 1024 * 1024;
/**
 * The size walk's time budget. It runs every interval, so it stays as cheap as the look a diagnosis takes
 * (dir-usage's own default) and within half the check's timeout; a bigger tree gives a lower bound.
 */
const WALK_BUDGET_MS = 300;

const round1 = (n: number) => Math.round(n * 10) / 10;

/** "96 KiB", "45.8 MiB": binary units, as `du -h` and the process probe's MB count. */
function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  for (; v >= 1024 && i < units.length - 1; i++) v /= 1024;
  return `${round1(v)} ${units[i]}`;
}

/** Used share of the filesystem holding `dir`, of its space (as dirUsage counts it) and of its inodes. */
async function fsUse(dir: string): Promise<{ usedPercent: number | null; inodesUsedPercent: number | null }> {
  const fs = await statfs(dir).catch(() => null);
  if (!fs) return { usedPercent: null, inodesUsedPercent: null };
  // Blocks reserved for root count as neither used nor available, as `df` shows them.
  const used = (fs.blocks - fs.bfree) * fs.bsize;
  const avail = fs.bavail * fs.bsize;
  return {
    usedPercent: used + avail > 0 ? (used / (used + avail)) * 100 : null,
    // Filesystems without a fixed inode table (btrfs, many network mounts) report none: unknown, not 0%.
    inodesUsedPercent: fs.files > 0 ? ((fs.files - fs.ffree) / fs.files) * 100 : null,
  };
}

/** The directory itself, symlinks followed (a data directory is often a link to a volume), or why not. */
async function openDir(path: string): Promise<{ dir: string } | { error: string }> {
  try {
    const dir = await realpath(path);
    if (!(await stat(dir)).isDirectory()) return { error: `${path} is not a directory` };
    return { dir };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      error: code === 'ENOENT' ? `no such directory: ${path}` : `cannot read ${path}: ${errorMessage(err)}`,
    };
  }
}

/**
 * A directory's size and the fill of its filesystem, against the check's limits, without forking a `du`
 * every interval. Over a limit is `degraded`, as the process probe's max_rss_mb is: the directory is there
 * and readable but out of bounds, so after `down_after` such answers the service is degraded and a playbook
 * whose `when.kind` includes `degraded` runs (to rotate or prune); `down` is kept for a directory that is
 * missing or unreadable, a different trouble with a different cure.
 */
export const diskProbe: Probe = {
  kind: 'disk',
  async run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const d = check.disk;
    if (!d) return { ok: false, latencyMs: 0, message: 'not a disk check' };
    if (ctx.signal.aborted) return timedOut(check, 0);
    const elapsed = startTimer();
    const path = resolve(ctx.baseDir, d.path);
    const opened = await openDir(path);
    if ('error' in opened)
      return { ok: false, latencyMs: elapsed(), message: opened.error, details: { path } };

    const details: Record<string, unknown> = { path };
    const parts: string[] = [];
    const over: string[] = [];
    // The walk is the costly part: only for a size limit. The filesystem's figures are one statfs.
    if (d.max_size !== undefined) {
      const budgetMs = Math.min(WALK_BUDGET_MS, check.timeout / 2);
      const usage = await dirUsage(opened.dir, { budgetMs });
      if (ctx.signal.aborted) return timedOut(check, elapsed(), details);
      if (!usage) return { ok: false, latencyMs: elapsed(), message: `${path} is gone`, details };
      // sizeMb counts MiB, as the process probe's rssMb and `du -sm` do.
      Object.assign(details, {
        bytes: usage.bytes,
        sizeMb: round1(usage.bytes / MIB),
        partial: usage.partial,
      });
      // A partial walk is a lower bound: over the limit already is over; under it proves nothing, so say so.
      const size = `${usage.partial ? 'at least ' : ''}${humanBytes(usage.bytes)}`;
      if (usage.bytes > d.max_size) over.push(`size ${size} over ${humanBytes(d.max_size)}`);
      else parts.push(`${size} of ${humanBytes(d.max_size)}${usage.partial ? ' (walk stopped early)' : ''}`);
    }
    const fs = await fsUse(opened.dir);
    details.usedPercent = fs.usedPercent === null ? null : round1(fs.usedPercent);
    details.inodesUsedPercent = fs.inodesUsedPercent === null ? null : round1(fs.inodesUsedPercent);
    const judge = (what: string, value: number | null, limit: number | undefined) => {
      if (value === null) {
        if (limit !== undefined) parts.push(`${what} unknown`);
      } else if (limit !== undefined && value > limit) {
        over.push(`${what} ${round1(value)}% over ${limit}%`);
      } else parts.push(`${what} ${round1(value)}%`);
    };
    judge('filesystem used', fs.usedPercent, d.max_used_percent);
    judge('inodes used', fs.inodesUsedPercent, d.max_inodes_used_percent);

    const latencyMs = elapsed();
    if (over.length > 0) {
      return { ok: false, degraded: true, latencyMs, message: `${d.path}: ${over.join(', ')}`, details };
    }
    return { ok: true, latencyMs, message: `${d.path}: ${parts.join(', ')}`, details };
  },
};
