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

/** Precision, recall and their harmonic mean (0 when both are 0). */
export interface F1Score {
  precision: number;
  recall: number;
  f1: number;
}

function f1Of(correct: number, predicted: number, actual: number): F1Score {
  const precision = predicted === 0 ? 0 : correct / predicted;
  const recall = actual === 0 ? 0 : correct / actual;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** Line indices per label, in first-seen order. */
function groupsOf(labels: readonly string[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] as string;
    let g = groups.get(l);
    if (!g) {
      g = [];
      groups.set(l, g);
    }
    g.push(i);
  }
  return groups;
}

/**
 * Each parsed group with the true group it reproduces exactly (same set of lines), or null when its lines
 * come from several true groups or leave some of their true group out.
 */
function matchGroups(truth: readonly string[], parsed: readonly string[]) {
  if (truth.length !== parsed.length)
    throw new Error(`${truth.length} truth rows vs ${parsed.length} parsed`);
  const trueGroups = groupsOf(truth);
  const matches: Array<{ parsed: string; truth: string | null }> = [];
  for (const [key, lines] of groupsOf(parsed)) {
    const first = truth[lines[0] as number] as string;
    const exact = lines.every((i) => truth[i] === first) && trueGroups.get(first)?.length === lines.length;
    matches.push({ parsed: key, truth: exact ? first : null });
  }
  return { matches, trueGroups: trueGroups.size };
}

/**
 * FGA, the F1 of grouping accuracy (Khan et al., ICSE'22; Loghub-2.0): a parsed group is correct when its
 * lines are exactly the lines of one true group. Precision is over the parsed groups, recall over the true
 * ones. Unlike GA it counts templates, not lines, so splitting a rare template costs as much as a frequent one.
 */
export function groupingF1(truth: readonly string[], parsed: readonly string[]): F1Score {
  const { matches, trueGroups } = matchGroups(truth, parsed);
  const correct = matches.filter((m) => m.truth !== null).length;
  return f1Of(correct, matches.length, trueGroups);
}

/**
 * Template text compared up to how variables are written: whitespace runs are one space and adjacent
 * wildcards (`<*><*>`, as a value cut into several masked pieces prints) are one `<*>`.
 */
export function normaliseWildcards(template: string): string {
  let t = template.trim().replace(/\s+/g, ' ');
  while (t.includes('<*><*>')) t = t.replaceAll('<*><*>', '<*>');
  return t;
}

/**
 * FTA, the F1 of template accuracy (Khan et al., ICSE'22): a parsed template is correct when its group is
 * correct (as in FGA) and its text equals the true template's after `normaliseWildcards`. `truth` and
 * `parsed` are template texts, which are also the group keys. Stricter than Loghub-2.0's evaluator, which
 * does not ask the parsed group to hold all of its true group's lines.
 */
export function templateF1(truth: readonly string[], parsed: readonly string[]): F1Score {
  const { matches, trueGroups } = matchGroups(truth, parsed);
  const correct = matches.filter(
    (m) => m.truth !== null && normaliseWildcards(m.parsed) === normaliseWildcards(m.truth),
  ).length;
  return f1Of(correct, matches.length, trueGroups);
}
