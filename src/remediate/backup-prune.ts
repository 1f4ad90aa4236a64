import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupRecord, RetentionPolicy } from './backup-record.js';
import { fsyncDir } from './write-atomic.js';

/**
 * Splits records (newest first) into those a retention policy drops and those it keeps. The newest record
 * marked good of each path is always kept: it is what `config-rollback` restores.
 */
export function selectExpired(
  all: readonly BackupRecord[],
  policy: RetentionPolicy,
  now: number,
): { drop: BackupRecord[]; kept: BackupRecord[] } {
  const keepGood = new Set<string>();
  for (const r of all) {
    if (r.good && !keepGood.has(`path:${r.path}`)) {
      keepGood.add(`path:${r.path}`);
      keepGood.add(r.id);
    }
  }
  const perPath = new Map<string, number>();
  const drop: BackupRecord[] = [];
  const kept: BackupRecord[] = [];
  for (const r of all) {
    const n = (perPath.get(r.path) ?? 0) + 1;
    perPath.set(r.path, n);
    const old = policy.maxAgeMs !== undefined && now - r.createdAt > policy.maxAgeMs;
    const many = policy.keepPerPath !== undefined && n > policy.keepPerPath;
    if ((old || many) && !keepGood.has(r.id)) drop.push(r);
    else kept.push(r);
  }
  return { drop, kept };
}

/** Applies a retention policy to the records in `meta`; blobs no kept record uses go too. */
export async function pruneBackups(
  dirs: { meta: string; blobs: string },
  all: readonly BackupRecord[],
  policy: RetentionPolicy,
  now: number,
): Promise<{ records: number; blobs: number }> {
  const { drop, kept } = selectExpired(all, policy, now);
  for (const r of drop) await fs.rm(path.join(dirs.meta, `${r.id}.json`), { force: true });
  const used = new Set(kept.map((r) => r.hash));
  let blobs = 0;
  for (const b of await fs.readdir(dirs.blobs).catch(() => [] as string[])) {
    if (!used.has(b)) {
      await fs.rm(path.join(dirs.blobs, b), { force: true });
      blobs++;
    }
  }
  if (drop.length > 0) await fsyncDir(dirs.meta);
  return { records: drop.length, blobs };
}
