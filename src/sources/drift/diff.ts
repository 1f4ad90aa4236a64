/**
 * A unified diff of two texts (the format of `diff -u`), small enough to read here: lines matched by their
 * shortest edit script (Myers' O(ND) algorithm, as GNU diff) after the common head and tail are set aside.
 * Past `MAX_EDITS` changed lines the middle is shown as removed then added whole (a rewrite, not an edit).
 */

const MAX_EDITS = 2_000;

type Op = { kind: ' ' | '-' | '+'; line: string };

export interface UnifiedDiffOptions {
  /** Lines of context around each change (default 3, as `diff -u`). */
  context?: number;
  /** Names on the `---` and `+++` lines. */
  from?: string;
  to?: string;
}

export interface DiffResult {
  /** The unified diff; empty when the texts are equal. */
  text: string;
  added: number;
  removed: number;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The edit script turning `a` into `b`. */
function edits(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const ma = a.slice(head, a.length - tail);
  const mb = b.slice(head, b.length - tail);
  const mid = middle(ma, mb) ?? [
    ...ma.map((line): Op => ({ kind: '-', line })),
    ...mb.map((line): Op => ({ kind: '+', line })),
  ];
  return [
    ...a.slice(0, head).map((line): Op => ({ kind: ' ', line })),
    ...mid,
    ...a.slice(a.length - tail).map((line): Op => ({ kind: ' ', line })),
  ];
}

/**
 * Myers' greedy forward search for the shortest edit script from `a` to `b`, deletions first where two
 * scripts are as short; null past MAX_EDITS.
 */
function middle(a: readonly string[], b: readonly string[]): Op[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDITS);
  const off = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    v = next;
  }
  if (found < 0) return null;
  // Walk back from (n, m) through the saved frontiers.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d >= 0; d--) {
    const pv = trace[d]!;
    const k = x - y;
    if (d === 0) {
      while (x > 0 && y > 0) {
        ops.push({ kind: ' ', line: a[--x]! });
        y--;
      }
      break;
    }
    const down = k === -d || (k !== d && pv[off + k - 1]! < pv[off + k + 1]!);
    const pk = down ? k + 1 : k - 1;
    const px = pv[off + pk]!;
    const py = px - pk;
    while (x > px && y > py) {
      ops.push({ kind: ' ', line: a[--x]! });
      y--;
    }
    if (down) ops.push({ kind: '+', line: b[--y]! });
    else ops.push({ kind: '-', line: a[--x]! });
  }
  return ops.reverse();
}

/** The unified diff from `before` to `after`. */
export function unifiedDiff(before: string, after: string, o: UnifiedDiffOptions = {}): DiffResult {
  const context = o.context ?? 3;
  const ops = edits(splitLines(before), splitLines(after));
  const added = ops.filter((x) => x.kind === '+').length;
  const removed = ops.filter((x) => x.kind === '-').length;
  if (added === 0 && removed === 0) return { text: '', added, removed };
  // Line numbers (1-based) of each op in the old and new text.
  const pos: { a: number; b: number }[] = [];
  let na = 1;
  let nb = 1;
  for (const x of ops) {
    pos.push({ a: na, b: nb });
    if (x.kind !== '+') na++;
    if (x.kind !== '-') nb++;
  }
  const out = [`--- ${o.from ?? 'before'}`, `+++ ${o.to ?? 'after'}`];
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k]!.kind === ' ') k++;
    if (k === ops.length) break;
    const start = Math.max(0, k - context);
    // Extend the hunk while the next change is within twice the context.
    let end = k;
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.kind === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const aLen = hunk.filter((x) => x.kind !== '+').length;
    const bLen = hunk.filter((x) => x.kind !== '-').length;
    const aStart = aLen === 0 ? pos[start]!.a - 1 : pos[start]!.a;
    const bStart = bLen === 0 ? pos[start]!.b - 1 : pos[start]!.b;
    out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`);
    for (const x of hunk) out.push(`${x.kind}${x.line}`);
    k = stop;
  }
  return { text: `${out.join('\n')}\n`, added, removed };
}
