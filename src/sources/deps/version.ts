/**
 * Version order for advisories' ranges: semver (npm, crates.io, Go's `v1.2.3`) with pre-releases, tolerant
 * of missing parts (`1.2` is `1.2.0`). OSV's `"0"` is below every version. Not a range parser: OSV lists
 * events (introduced, fixed, last_affected), so ordering is all a match needs.
 */

interface Parsed {
  nums: number[];
  pre: (string | number)[];
}

function parse(v: string): Parsed {
  const core = v.trim().replace(/^[v=]/, '').split('+')[0] ?? '';
  const dash = core.indexOf('-');
  const main = dash < 0 ? core : core.slice(0, dash);
  const pre = dash < 0 ? [] : core.slice(dash + 1).split('.');
  return {
    nums: main.split('.').map((n) => (/^\d+$/.test(n) ? Number(n) : 0)),
    pre: pre.map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
  };
}

/** Negative when a < b, zero when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length, 3); i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  // A pre-release comes before its release.
  if (x.pre.length === 0 || y.pre.length === 0) return Math.sign(y.pre.length - x.pre.length);
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return Math.sign(p - q);
    if (typeof p === 'number') return -1;
    if (typeof q === 'number') return 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** A version string as a lockfile or advisory writes it (refuses what could act as a program's option). */
export function isVersion(v: string): boolean {
  return /^v?\d+(\.\d+){0,3}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(v);
}
