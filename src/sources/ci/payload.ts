/** Small readers of untrusted JSON: a payload is `unknown` until each field is checked. */

export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null;
}

export function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** A number, or a string of digits (ids travel both ways). */
export function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return null;
}

export function time(v: unknown, fallback: number): number {
  if (typeof v === 'string') {
    const t = Date.parse(v.replace(/ UTC$/, 'Z').replace(' ', 'T'));
    if (Number.isFinite(t)) return t;
  }
  return fallback;
}

/** `refs/heads/main`, `origin/main` → `main`. */
export function branchOf(ref: string | null): string | null {
  if (!ref) return null;
  return ref.replace(/^refs\/heads\//, '').replace(/^origin\//, '');
}
