import { lstat, readdir, statfs } from 'node:fs/promises';
import path from 'node:path';

/**
 * How full a data directory is: its own size (bytes under it, as `du` counts them) and the use of the
 * filesystem it lives on. Bounded, since it runs while a diagnosis waits: a walk that reaches `maxEntries`
 * or `budgetMs` stops and says so (the size is then a lower bound).
 */
export interface DirUsage {
  path: string;
  bytes: number;
  /** The walk stopped early: `bytes` is at least what it says. */
  partial: boolean;
  /** Used share of the filesystem holding the directory, in percent (null: unknown). */
  fsUsedPercent: number | null;
}

export async function dirUsage(
  dir: string,
  opts: { maxEntries?: number; budgetMs?: number } = {},
): Promise<DirUsage | null> {
  const top = await lstat(dir).catch(() => null);
  if (!top?.isDirectory()) return null;
  const maxEntries = opts.maxEntries ?? 20_000;
  const deadline = performance.now() + (opts.budgetMs ?? 300);
  let bytes = 0;
  let seen = 0;
  let partial = false;
  const queue = [dir];
  while (queue.length > 0) {
    // The time budget is for big trees: a loaded event loop must not cut a small directory's walk short.
    if (seen >= maxEntries || (seen >= 1000 && performance.now() > deadline)) {
      partial = true;
      break;
    }
    const d = queue.pop() as string;
    const names = await readdir(d).catch(() => [] as string[]);
    for (const n of names) {
      const p = path.join(d, n);
      const st = await lstat(p).catch(() => null);
      seen++;
      if (!st) continue;
      // Blocks, not length: a sparse file takes only what it wrote, as `du` counts it.
      bytes += st.blocks * 512;
      if (st.isDirectory()) queue.push(p);
    }
  }
  let fsUsedPercent: number | null = null;
  const fs = await statfs(dir).catch(() => null);
  if (fs) {
    const used = (fs.blocks - fs.bfree) * fs.bsize;
    const avail = fs.bavail * fs.bsize;
    fsUsedPercent = used + avail > 0 ? (used / (used + avail)) * 100 : null;
  }
  return { path: dir, bytes, partial, fsUsedPercent };
}
