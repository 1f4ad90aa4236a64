import fs from 'node:fs/promises';
import path from 'node:path';

/** One package version a project locks. */
export interface LockedPackage {
  /** OSV's ecosystem name (`npm`, `crates.io`). */
  ecosystem: string;
  name: string;
  version: string;
  /** Named in the project's manifest (an update can set it), not only pulled in by another package. */
  direct: boolean;
}

export interface Lockfile {
  /** The lockfile read, absolute. */
  file: string;
  packages: LockedPackage[];
}

export class LockfileError extends Error {}

/** package-lock.json, lockfileVersion 1 (`dependencies`, nested) or 2 and 3 (`packages`, by install path). */
function npmLock(file: string, text: string): LockedPackage[] {
  let doc: {
    lockfileVersion?: number;
    packages?: Record<string, { version?: string; link?: boolean; dev?: boolean; name?: string }>;
    dependencies?: Record<string, { version?: string; dependencies?: unknown }>;
  };
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new LockfileError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const root = doc.packages?.[''] as
    | { dependencies?: object; devDependencies?: object; optionalDependencies?: object }
    | undefined;
  const direct = new Set(
    [root?.dependencies, root?.devDependencies, root?.optionalDependencies].flatMap((d) =>
      Object.keys(d ?? {}),
    ),
  );
  const out = new Map<string, LockedPackage>();
  const add = (name: string, version: string | undefined, top: boolean) => {
    if (!version || !name) return;
    const key = `${name}@${version}`;
    const seen = out.get(key);
    if (seen) seen.direct ||= top;
    else out.set(key, { ecosystem: 'npm', name, version, direct: top });
  };
  if (doc.packages) {
    for (const [where, p] of Object.entries(doc.packages)) {
      if (where === '' || p.link) continue;
      const name = p.name ?? where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
      add(name, p.version, where === `node_modules/${name}` && direct.has(name));
    }
    return [...out.values()];
  }
  const walk = (
    deps: Record<string, { version?: string; dependencies?: unknown }> | undefined,
    top: boolean,
  ) => {
    for (const [name, d] of Object.entries(deps ?? {})) {
      add(name, d.version, top);
      walk(d.dependencies as typeof deps, false);
    }
  };
  walk(doc.dependencies, true);
  return [...out.values()];
}

/** Cargo.lock: `[[package]]` tables with name and version (every one locked; the manifest says which are direct). */
function cargoLock(text: string): LockedPackage[] {
  const out: LockedPackage[] = [];
  for (const block of text.split(/^\[\[package\]\]\s*$/m).slice(1)) {
    const name = /^name\s*=\s*"([^"]+)"/m.exec(block)?.[1];
    const version = /^version\s*=\s*"([^"]+)"/m.exec(block)?.[1];
    const local = !/^source\s*=/m.test(block); // the project's own crates
    if (name && version && !local) out.push({ ecosystem: 'crates.io', name, version, direct: false });
  }
  return out;
}

/** The lockfiles Medic reads, by name, in the order looked for. */
const READERS: [string, (file: string, text: string) => LockedPackage[]][] = [
  ['package-lock.json', npmLock],
  ['npm-shrinkwrap.json', npmLock],
  ['Cargo.lock', (_f, t) => cargoLock(t)],
];

/** Every lockfile of the project directory Medic can read; an error when there is none. */
export async function readLockfiles(dir: string): Promise<Lockfile[]> {
  const out: Lockfile[] = [];
  for (const [name, read] of READERS) {
    const file = path.join(path.resolve(dir), name);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    out.push({ file, packages: read(file, text) });
  }
  if (out.length === 0)
    throw new LockfileError(`${dir} has no lockfile Medic reads (${READERS.map(([n]) => n).join(', ')})`);
  return out;
}
