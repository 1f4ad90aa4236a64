import path from 'node:path';
import type { MedicConfig } from '../config/index.js';
import type { EvidenceBundle } from '../diagnose/index.js';
import { dirUsage } from '../sources/index.js';

type ServiceConfig = MedicConfig['services'][string];
type Disk = NonNullable<EvidenceBundle['disk']>[number];

const MIB = 1024 * 1024;
/** A command check about space: its directory arguments are data directories, a number after one its limit. */
const SPACE_CHECK = /disk|dir|space|\bdu\b|quota/i;

/**
 * The service's data directories and how full each is: the run's DATA_DIR (against the filesystem it is
 * on), each `disk` check's path (against its max_size, else its filesystem), and each directory a disk-space
 * command check watches (against the check's limit in MiB, as `du -sm`
 * counts, when one follows it on the command line; else against its filesystem).
 */
export async function dataDirEvidence(svc: ServiceConfig | undefined, baseDir: string, now: number) {
  const dirs = new Map<string, number | null>();
  const runDir = path.resolve(baseDir, svc?.run?.cwd ?? '.');
  const dataDir = svc?.run?.env['DATA_DIR'];
  if (dataDir) dirs.set(path.resolve(runDir, dataDir), null);
  for (const c of svc?.checks ?? []) {
    if (c.disk) {
      const dir = path.resolve(baseDir, c.disk.path);
      const limit = c.disk.max_size;
      dirs.set(dir, limit !== undefined ? limit / MIB : (dirs.get(dir) ?? null));
      continue;
    }
    const cmd = c.command;
    if (!cmd || !SPACE_CHECK.test(`${c.name ?? ''} ${cmd.command.join(' ')}`)) continue;
    const cwd = path.resolve(baseDir, cmd.cwd ?? '.');
    cmd.command.forEach((arg, i) => {
      if (i === 0 || !/^[./~]|\//.test(arg)) return;
      const next = Number(cmd.command[i + 1]);
      const dir = path.resolve(cwd, arg);
      dirs.set(dir, Number.isFinite(next) && next > 0 ? next : (dirs.get(dir) ?? null));
    });
  }
  const out = await Promise.all(
    [...dirs].map(async ([dir, limitMb]): Promise<Disk | null> => {
      const u = await dirUsage(dir);
      if (!u) return null; // a file (the check's script), or not there
      if (limitMb !== null) {
        return {
          at: now,
          path: `${dir} (limit ${limitMb} MB)`,
          usedPercent: (u.bytes / (limitMb * MIB)) * 100,
        };
      }
      return u.fsUsedPercent === null ? null : { at: now, path: dir, usedPercent: u.fsUsedPercent };
    }),
  );
  return out.filter((d) => d !== null);
}
