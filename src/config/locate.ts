import type { Document, LineCounter, Node } from 'yaml';
import { isMap, isNode, isScalar, isSeq } from 'yaml';

export type PathSegment = string | number;

/** `['services', 'api', 'checks', 0, 'http']` → `services.api.checks[0].http`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

export interface Position {
  line: number;
  column: number;
}

export interface Located {
  /** Where to point the reader. */
  position: Position | null;
  /** True when every segment of the path exists in the document. */
  exact: boolean;
}

/**
 * Finds where a (zod) path lives in the YAML source. Walks the AST by hand rather than `doc.getIn` because it
 * also needs the key node of each step: a missing key is reported at its parent's key (the `http:` line), and
 * a collection at its key rather than at its first child, which reads better in an error message.
 * `pointAtKey` points at the last segment's key even when its value exists (unknown or invalid keys).
 */
export function locate(
  doc: Document,
  counter: LineCounter,
  path: readonly PathSegment[],
  pointAtKey = false,
): Located {
  let node: unknown = doc.contents;
  let keyNode: Node | null = null;
  let depth = 0;
  for (const seg of path) {
    const step = child(node, seg);
    if (!step) break;
    node = step.value;
    keyNode = step.key;
    depth++;
  }
  const exact = depth === path.length;
  let target: Node | null;
  if (exact && !pointAtKey && isScalar(node)) target = node;
  else target = keyNode ?? (isNode(node) ? node : null);
  const offset = target?.range?.[0];
  if (offset === undefined) return { position: null, exact };
  const pos = counter.linePos(offset);
  return { position: { line: pos.line, column: pos.col }, exact };
}

function child(node: unknown, seg: PathSegment): { key: Node | null; value: unknown } | null {
  if (isMap(node)) {
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(k) === String(seg)) return { key: isNode(pair.key) ? pair.key : null, value: pair.value };
    }
    return null;
  }
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg];
    return item === undefined ? null : { key: null, value: item };
  }
  return null;
}
