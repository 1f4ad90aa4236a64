/**
 * The accuracy metrics of the Loghub benchmarks, as NOTES.md states them from logparser's evaluators.
 * Lines are aligned by position; `truth[i]` and `parsed[i]` are the group keys (ids or template strings).
 */

/** Grouping accuracy: the share of lines whose parsed group is exactly their true group (same set of lines). */
export function groupingAccuracy(truth: readonly string[], parsed: readonly string[]): number {
  if (truth.length !== parsed.length)
    throw new Error(`${truth.length} truth rows vs ${parsed.length} parsed`);
  const trueSize = new Map<string, number>();
  for (const t of truth) trueSize.set(t, (trueSize.get(t) ?? 0) + 1);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i] as string;
    let g = groups.get(p);
    if (!g) {
      g = [];
      groups.set(p, g);
    }
    g.push(i);
  }
  let accurate = 0;
  for (const lines of groups.values()) {
    const first = truth[lines[0] as number] as string;
    if (lines.every((i) => truth[i] === first) && trueSize.get(first) === lines.length)
      accurate += lines.length;
  }
  return truth.length === 0 ? 0 : accurate / truth.length;
}

/** Parsing accuracy: the share of lines whose template text equals the true template exactly. */
export function parsingAccuracy(truth: readonly string[], parsed: readonly string[]): number {
  if (truth.length !== parsed.length)
    throw new Error(`${truth.length} truth rows vs ${parsed.length} parsed`);
  let same = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === parsed[i]) same++;
  return truth.length === 0 ? 0 : same / truth.length;
}
