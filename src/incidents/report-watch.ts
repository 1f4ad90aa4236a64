import type { AuditEntry } from '../core/index.js';

/** A half-open time span [from, to) in epoch ms. */
export type Span = readonly [from: number, to: number];

/**
 * When Medic was watching inside [since, until), from its own `medic.started` / `medic.stopped` audit entries:
 * uptime is a share of the time somebody looked, not of the calendar (15 minutes watched with 4.5 minutes
 * down is 70 % up, not 99.956 % of a week).
 *
 * A start opens a watch that the next stop ends; a start while already watching (the process before it died
 * without a stop, or a second replica) changes nothing. A stop with no start before it in the entries means
 * Medic was watching from the window's beginning. No lifecycle entries at all (a history written by a drill
 * or a test without a daemon): the whole window, as before. Known limit: with several replicas, the first
 * replica to stop ends the watch (a stop does not say which replica it was).
 */
export function watchedSpans(audit: readonly AuditEntry[], since: number, until: number): Span[] {
  const life = audit
    .filter((e) => e.event === 'medic.started' || e.event === 'medic.stopped')
    .filter((e) => e.at < until)
    .sort((a, b) => a.at - b.at || a.seq - b.seq);
  if (life.length === 0) return since < until ? [[since, until]] : [];
  const spans: Span[] = [];
  let from: number | null = life[0]!.event === 'medic.stopped' ? Number.NEGATIVE_INFINITY : null;
  for (const e of life) {
    if (e.event === 'medic.started') from ??= e.at;
    else if (from !== null) {
      spans.push([from, e.at]);
      from = null;
    }
  }
  if (from !== null) spans.push([from, until]);
  return clip(spans, since, until);
}

/** The spans cut to [since, until), empty ones dropped. */
export function clip(spans: readonly Span[], since: number, until: number): Span[] {
  return spans.map(([a, b]): Span => [Math.max(a, since), Math.min(b, until)]).filter(([a, b]) => b > a);
}

/** Total length of the union of the spans. */
export function unionLength(spans: readonly Span[]): number {
  return union(spans).reduce((s, [a, b]) => s + (b - a), 0);
}

/** The spans merged where they overlap, sorted. */
export function union(spans: readonly Span[]): Span[] {
  const sorted = spans.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The parts of `spans` inside `within` (both any spans; the result is a union). */
export function intersect(spans: readonly Span[], within: readonly Span[]): Span[] {
  const out: Span[] = [];
  const w = union(within);
  for (const [a, b] of union(spans)) {
    for (const [c, d] of w) {
      const from = Math.max(a, c);
      const to = Math.min(b, d);
      if (to > from) out.push([from, to]);
    }
  }
  return out;
}
