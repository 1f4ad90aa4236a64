import fs from 'node:fs/promises';
import path from 'node:path';
import type { LockedPackage } from './lockfile.js';
import { compareVersions } from './version.js';

/** An advisory in OSV's schema (https://ossf.github.io/osv-schema/), the parts a match reads. */
export interface OsvAdvisory {
  id: string;
  summary?: string;
  details?: string;
  aliases?: string[];
  severity?: { type: string; score: string }[];
  database_specific?: { severity?: string };
  affected?: {
    package?: { ecosystem?: string; name?: string };
    versions?: string[];
    ranges?: { type: string; events: Record<string, string>[] }[];
    database_specific?: { severity?: string };
  }[];
}

export interface AdvisorySource {
  /** The advisories that may concern each package (by `ecosystem/name`); matching versions is left to `affects`. */
  advisories(pkgs: readonly LockedPackage[]): Promise<OsvAdvisory[]>;
}

export class AdvisoryError extends Error {}

const key = (ecosystem: string, name: string) => `${ecosystem}/${name}`;

/** An advisory file holds one advisory, a list, or OSV's `{ "vulns": [...] }` answer. */
function advisoriesIn(file: string, text: string): OsvAdvisory[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new AdvisoryError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : ((doc as { vulns?: unknown }).vulns ?? [doc]);
  if (!Array.isArray(list)) throw new AdvisoryError(`${file}: "vulns" is not a list`);
  list.forEach((a, i) => {
    if (!a || typeof (a as OsvAdvisory).id !== 'string')
      throw new AdvisoryError(`${file}: advisory ${i} has no "id" (not OSV's format)`);
  });
  return list as OsvAdvisory[];
}

async function jsonFiles(p: string): Promise<string[]> {
  const st = await fs.stat(p).catch((err: NodeJS.ErrnoException) => {
    throw new AdvisoryError(`advisories: cannot read ${p}: ${err.code ?? err.message}`);
  });
  if (st.isFile()) return [p];
  const out: string[] = [];
  for (const e of await fs.readdir(p, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.json')) out.push(path.join(e.parentPath, e.name));
  }
  return out.sort();
}

/** Advisories from a local OSV file or directory (a mirror: one advisory a file), read once. */
export function localAdvisories(p: string): AdvisorySource {
  let index: Promise<Map<string, OsvAdvisory[]>> | null = null;
  const load = async () => {
    const byPackage = new Map<string, OsvAdvisory[]>();
    for (const file of await jsonFiles(p)) {
      for (const a of advisoriesIn(file, await fs.readFile(file, 'utf8'))) {
        const names = new Set(
          (a.affected ?? []).map((x) => key(x.package?.ecosystem ?? '', x.package?.name ?? '')),
        );
        for (const n of names) byPackage.set(n, [...(byPackage.get(n) ?? []), a]);
      }
    }
    return byPackage;
  };
  return {
    async advisories(pkgs) {
      index ??= load();
      const byPackage = await index;
      const out = new Map<string, OsvAdvisory>();
      for (const p of pkgs) for (const a of byPackage.get(key(p.ecosystem, p.name)) ?? []) out.set(a.id, a);
      return [...out.values()];
    },
  };
}

/**
 * OSV's API (or a mirror of it): `POST /v1/querybatch` with each package version, then `GET /v1/vulns/<id>`
 * for each advisory named (the batch answer carries ids only).
 */
export function osvApi(baseUrl: string, timeoutMs = 30_000): AdvisorySource {
  const base = baseUrl.replace(/\/+$/, '');
  const call = async (url: string, init?: RequestInit): Promise<unknown> => {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new AdvisoryError(`${init?.method ?? 'GET'} ${url} answered ${res.status}`);
    return res.json();
  };
  return {
    async advisories(pkgs) {
      if (pkgs.length === 0) return [];
      const answer = (await call(`${base}/v1/querybatch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          queries: pkgs.map((p) => ({
            package: { ecosystem: p.ecosystem, name: p.name },
            version: p.version,
          })),
        }),
      })) as { results?: { vulns?: { id: string }[] }[] };
      const ids = new Set((answer.results ?? []).flatMap((r) => (r.vulns ?? []).map((v) => v.id)));
      const out: OsvAdvisory[] = [];
      for (const id of ids)
        out.push((await call(`${base}/v1/vulns/${encodeURIComponent(id)}`)) as OsvAdvisory);
      return out;
    },
  };
}

/** Both sources together (a local mirror and the API), advisories told once by id. */
export function combinedSources(sources: readonly AdvisorySource[]): AdvisorySource {
  return {
    async advisories(pkgs) {
      const out = new Map<string, OsvAdvisory>();
      for (const s of sources) for (const a of await s.advisories(pkgs)) out.set(a.id, a);
      return [...out.values()];
    },
  };
}

/** The sources `deps.advisories` names: a local OSV file or directory (relative to `baseDir`), the API, or both. */
export function advisorySource(
  cfg: { path?: string | undefined; osv_url?: string | undefined },
  baseDir: string,
): AdvisorySource {
  const sources: AdvisorySource[] = [];
  if (cfg.path) sources.push(localAdvisories(path.resolve(baseDir, cfg.path)));
  if (cfg.osv_url) sources.push(osvApi(cfg.osv_url));
  return combinedSources(sources);
}

/** How an advisory concerns a locked version: null when it does not; else the lowest fixed version, if any. */
export function affects(a: OsvAdvisory, p: LockedPackage): { fixed: string | null } | null {
  let hit = false;
  const fixes: string[] = [];
  for (const x of a.affected ?? []) {
    if (x.package?.ecosystem !== p.ecosystem || x.package?.name !== p.name) continue;
    if (x.versions?.includes(p.version)) hit = true;
    for (const r of x.ranges ?? []) {
      if (r.type !== 'SEMVER' && r.type !== 'ECOSYSTEM') continue; // GIT ranges name commits
      const at = (e: Record<string, string>) => Object.values(e)[0] ?? '0';
      const events = [...r.events].sort((e, f) => compareVersions(at(e), at(f)));
      let inRange = false;
      let fixedHere: string | null = null;
      // Events in version order: the version's place among them says whether it is in a range.
      for (const e of events) {
        const below = compareVersions(p.version, at(e)) < 0;
        if (e['introduced'] !== undefined) {
          if (below) break;
          inRange = true;
        } else if (e['fixed'] !== undefined) {
          if (below) {
            if (inRange) fixedHere = e['fixed'];
            break;
          }
          inRange = false;
        } else if (e['last_affected'] !== undefined) {
          if (compareVersions(p.version, e['last_affected']) <= 0) break;
          inRange = false;
        } else if (e['limit'] !== undefined) {
          if (below) break;
          inRange = false;
        }
      }
      if (inRange) {
        hit = true;
        if (fixedHere) fixes.push(fixedHere);
      }
    }
  }
  if (!hit) return null;
  fixes.sort(compareVersions);
  return { fixed: fixes[0] ?? null };
}

/** The advisory's severity in words: its database's (GitHub's `MODERATE`…), else `unknown`. */
export function severityOf(a: OsvAdvisory): string {
  const s =
    a.database_specific?.severity ??
    a.affected?.find((x) => x.database_specific?.severity)?.database_specific?.severity;
  return s ? s.toLowerCase() : 'unknown';
}
