import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { MedicConfig } from '../config/index.js';
import type { EvidenceBundle } from '../diagnose/index.js';

type Release = NonNullable<EvidenceBundle['releases']>[number];

/**
 * The symlinks on the paths a supervised service runs from (its working directory, and the program and
 * arguments that are paths), as a Capistrano- or Deployer-style `current` → `releases/<id>` is: each with
 * its target and when it was switched (its own mtime: a deploy makes a new link and renames it into place).
 * "What was deployed just before?" is the second question of any outage. Unreadable paths are left out.
 */
export async function releaseEvidence(
  svc: MedicConfig['services'][string] | undefined,
  baseDir: string,
  runStartedAt: number | null,
): Promise<Release[]> {
  if (!svc?.run) return [];
  const cwd = path.resolve(baseDir, svc.run.cwd ?? '.');
  const paths = new Set([cwd]);
  for (const arg of svc.run.command) {
    if (arg.includes('/') && !arg.startsWith('-')) paths.add(path.resolve(cwd, arg));
  }
  // Every directory on the way, below the root: the link may be any component (/srv/app/current/bin/x).
  const seen = new Set<string>();
  for (const p of paths) {
    for (let at = p; at !== path.dirname(at); at = path.dirname(at)) seen.add(at);
  }
  const out: Release[] = [];
  await Promise.all(
    [...seen].map(async (at) => {
      try {
        const st = await lstat(at);
        if (!st.isSymbolicLink()) return;
        const target = await readlink(at);
        const resolved = path.resolve(path.dirname(at), target);
        const names = (await readdir(path.dirname(resolved), { withFileTypes: true }))
          .filter((e) => e.isDirectory())
          .map((e) => e.name)
          .sort();
        const name = path.basename(resolved);
        const previous = names.filter((n) => n < name).at(-1) ?? null;
        const newest = names.at(-1) === name;
        out.push({ path: at, target, changedAt: st.mtimeMs, previous, newest, runStartedAt });
      } catch {
        // Missing or unreadable: says nothing.
      }
    }),
  );
  return out.sort((a, b) => a.changedAt - b.changedAt);
}
