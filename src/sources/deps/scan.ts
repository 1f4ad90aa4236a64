import { type Lockfile, readLockfiles } from './lockfile.js';
import { type AdvisorySource, affects, severityOf } from './osv.js';

/** One locked package version an advisory names. */
export interface Vulnerability {
  ecosystem: string;
  package: string;
  version: string;
  /** The lowest version that fixes it above the locked one; null when the advisory names none. */
  fixed: string | null;
  advisory: string;
  aliases: string[];
  summary: string;
  severity: string;
  direct: boolean;
  lockfile: string;
}

export interface ScanResult {
  project: string;
  lockfiles: string[];
  packages: number;
  vulnerabilities: Vulnerability[];
}

/** Reads the project's lockfiles and matches each locked version against the advisories. */
export async function scanProject(dir: string, source: AdvisorySource): Promise<ScanResult> {
  const locks: Lockfile[] = await readLockfiles(dir);
  const pkgs = locks.flatMap((l) => l.packages);
  const advisories = await source.advisories(pkgs);
  const out: Vulnerability[] = [];
  for (const l of locks) {
    for (const p of l.packages) {
      for (const a of advisories) {
        const hit = affects(a, p);
        if (!hit) continue;
        out.push({
          ecosystem: p.ecosystem,
          package: p.name,
          version: p.version,
          fixed: hit.fixed,
          advisory: a.id,
          aliases: a.aliases ?? [],
          summary: a.summary ?? a.details?.split('\n')[0] ?? '',
          severity: severityOf(a),
          direct: p.direct,
          lockfile: l.file,
        });
      }
    }
  }
  out.sort((x, y) => x.package.localeCompare(y.package) || x.advisory.localeCompare(y.advisory));
  return { project: dir, lockfiles: locks.map((l) => l.file), packages: pkgs.length, vulnerabilities: out };
}
