import { WILDCARD } from './mask.js';

/**
 * Drain's parse tree (He et al., ICWS'17): lines are routed by token count, then by their first tokens, to a
 * leaf whose clusters they are compared with; a line joins the most similar cluster at or above the
 * threshold and the positions where they differ become `<*>`. Children per node are bounded (extra tokens
 * share a `<*>` branch) and so is the number of clusters (the least recently seen are dropped).
 */

export interface TreeOptions {
  similarity: number;
  depth: number;
  maxChildren: number;
  maxClusters: number;
}

export interface Cluster {
  /** Masked tokens, `<*>` where its lines differ. */
  tokens: string[];
  lastUsed: number;
  /** Bumped whenever `tokens` change (and by the miner when its words do): invalidates cached texts. */
  rev: number;
  /** Set when the cluster was dropped from the tree to bound memory. */
  evicted: boolean;
}

export interface Placement {
  cluster: Cluster;
  created: boolean;
  /** Positions that just became `<*>`, with the constant they held until now. */
  widened: Array<{ pos: number; was: string }>;
  /**
   * Clusters of other routes that the widened cluster now covers (each of their tokens is its token or under
   * one of its `<*>`): dropped from the tree, their lines are the cluster's from now on.
   */
  absorbed: Cluster[];
}

interface Node {
  children: Map<string, Node>;
  clusters: Cluster[];
}

const NONE: Placement['widened'] = [];
const NO_CLUSTERS: Cluster[] = [];

/** Clusters of a line's length looked at when its route found none (acrossRoutes), or a cluster widened (absorb). */
const SCAN = 256;
/**
 * Clusters of a leaf compared with a line, the most recently used: a leaf where lines of words that never repeat
 * pile up (free text, names the masks do not know) would otherwise cost a comparison with each of thousands of
 * clusters per line. A leaf of fewer clusters is scanned whole, as before.
 */
const LEAF_SCAN = 256;
/** Constants a line must share with a cluster on another route to join it (acrossRoutes). */
const SHARED = 3;

/** Delimiters after which a value starts: a key's `=`, an opening bracket or quote, a label's `:`. */
const OPENERS = new Uint8Array(128);
for (const ch of '=([{<"\':,') OPENERS[ch.charCodeAt(0)] = 1;
/** Delimiters before which a value ends: a closing bracket or quote, a separator, a sentence's end. */
const CLOSERS = new Uint8Array(128);
for (const ch of ')]}>"\':,;.') CLOSERS[ch.charCodeAt(0)] = 1;

/**
 * Two tokens met at one position of a template: the variable they share, keeping the key or bracket before it
 * and the punctuation after it (`rhost=<*>` and `rhost=host.example.org` give `rhost=<*>`, `(<*>)` and
 * `(db.example.org)` give `(<*>)`), so that the template keeps its constant text. A prefix ends just after
 * an opening delimiter and a suffix is closing punctuation only, or a bracketed group both end with
 * (`relay.example.net[<*>]` and `mx.example.org[<*>]` give `<*>[<*>]`: a name and its id in brackets): a
 * shared part of a word (`id_-<*>` and `id_<*>`, `a.example.org` and `b.example.org`) is not kept, the
 * whole word is the value.
 */
export function generalize(a: string, b: string): string {
  const n = Math.min(a.length, b.length);
  let p = 0;
  while (p < n && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  while (p > 0 && !isOpenerAt(a, p - 1)) p--;
  let s = 0;
  const room = n - p;
  // The suffix is the closing punctuation both share: `.example.org)` is part of two host names, `)` is not.
  while (
    s < room &&
    a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s) &&
    isCloserAt(a, a.length - 1 - s)
  )
    s++;
  s = bracketGroup(a, b, p, s, room);
  const from = a.length - s;
  // Already this variable (`rhost=<*>` meeting `rhost=gw.example.net`): no new string per line.
  if (from === p + WILDCARD.length && a.startsWith(WILDCARD, p)) return a;
  if (p === 0 && from === a.length) return WILDCARD;
  return a.slice(0, p) + WILDCARD + a.slice(from);
}

/**
 * The suffix length `s` grown to a bracketed group both tokens end with, when there is one after a part they
 * do not share: `[<*>]` of `relay.example.net[<*>]` and `mx.example.org[<*>]`.
 */
function bracketGroup(a: string, b: string, p: number, s: number, room: number): number {
  // The group's closing bracket is among the closing punctuation both end with.
  let close = -1;
  for (let j = a.length - 1; j >= a.length - s; j--) {
    const c = a.charCodeAt(j);
    if (c === 93 || c === 41) {
      close = j;
      break;
    }
  }
  if (close < 0) return s;
  let common = s;
  while (common < room && a.charCodeAt(a.length - 1 - common) === b.charCodeAt(b.length - 1 - common))
    common++;
  // Its opening bracket, inside the common suffix, after the part that differs.
  const at = a.lastIndexOf(a.charCodeAt(close) === 93 ? '[' : '(', close);
  if (at < a.length - common || at <= p || a.length - at >= room) return s;
  return a.length - at;
}

const isOpenerAt = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i);
  // The `<` and `>` of a `<*>` are the variable's own, not brackets.
  if (c === 60) return s.charCodeAt(i + 1) !== 42;
  return c < 128 && OPENERS[c] === 1;
};
const isCloserAt = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i);
  if (c === 62) return s.charCodeAt(i - 1) !== 42;
  return c < 128 && CLOSERS[c] === 1;
};

const newNode = (): Node => ({ children: new Map(), clusters: [] });

/** A digit, a `/` or a `<*>` in the token, in one scan. */
function routesAsValue(tok: string): boolean {
  for (let i = 0; i < tok.length; i++) {
    const c = tok.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 47 || (c === 60 && tok.charCodeAt(i + 1) === 42)) return true;
  }
  return false;
}

export class ClusterTree {
  private readonly root = new Map<number, Node>();
  /** Clusters by token count, oldest first: where a line whose route found none looks next. */
  private readonly byLength = new Map<number, Cluster[]>();
  private count = 0;
  private tick = 0;
  /** Whether the cluster `best` last chose differs from the line only where it has variables. */
  private bestExact = false;
  /** Where in its leaf the cluster `best` last chose is. */
  private bestIndex = -1;

  constructor(
    private readonly opts: TreeOptions,
    private readonly onEvict: (c: Cluster) => void = () => {},
  ) {}

  size(): number {
    return this.count;
  }

  place(masked: string[]): Placement {
    const leaf = this.leaf(masked);
    let cluster = this.best(leaf.clusters, masked);
    this.tick++;
    // In a leaf past LEAF_SCAN, a cluster matched in the older half of the window moves to its end, so that
    // the clusters in use stay among those compared while new ones keep coming.
    const n = leaf.clusters.length;
    if (cluster && n > LEAF_SCAN && this.bestIndex < n - LEAF_SCAN / 2) {
      leaf.clusters.splice(this.bestIndex, 1);
      leaf.clusters.push(cluster);
    }
    if (!cluster) {
      cluster = this.acrossRoutes(masked);
      // Found on another route: it is filed on this one too, so the next such line finds it directly.
      if (cluster) leaf.clusters.push(cluster);
    }
    if (!cluster) {
      const created: Cluster = { tokens: masked.slice(), lastUsed: this.tick, rev: 0, evicted: false };
      leaf.clusters.push(created);
      let same = this.byLength.get(masked.length);
      if (!same) {
        same = [];
        this.byLength.set(masked.length, same);
      }
      same.push(created);
      if (++this.count > this.opts.maxClusters) this.evict();
      return { cluster: created, created: true, widened: NONE, absorbed: NO_CLUSTERS };
    }
    cluster.lastUsed = this.tick;
    let widened: Placement['widened'] = NONE;
    const tokens = cluster.tokens;
    // The line repeats the cluster wherever it has no variable (the usual case): nothing to widen.
    if (this.bestExact) return { cluster, created: false, widened, absorbed: NO_CLUSTERS };
    for (let i = 0; i < tokens.length; i++) {
      const was = tokens[i] as string;
      if (was !== masked[i] && was !== WILDCARD) {
        const merged = generalize(was, masked[i] as string);
        if (merged === was) continue;
        tokens[i] = merged;
        if (widened === NONE) {
          widened = [];
          cluster.rev++;
        }
        widened.push({ pos: i, was });
      }
    }
    const absorbed = widened === NONE ? NO_CLUSTERS : this.absorb(cluster);
    return { cluster, created: false, widened, absorbed };
  }

  /**
   * Clusters that `into`, just widened, now covers: a line of theirs would match it. Lines of one message that
   * took different routes before a route's token was known to vary made a cluster each; once one of them has
   * widened over the others, they are one (the others are dropped, and their routes lead to `into`).
   */
  private absorb(into: Cluster): Cluster[] {
    const same = this.byLength.get(into.tokens.length) as Cluster[];
    const tokens = into.tokens;
    let out = NO_CLUSTERS;
    // The most recent clusters only, as in acrossRoutes: a widening costs a bounded scan.
    for (let k = same.length - 1, seen = 0; k >= 0 && seen < SCAN; k--, seen++) {
      const c = same[k] as Cluster;
      if (c === into) continue;
      let i = 0;
      for (; i < tokens.length; i++) if (tokens[i] !== WILDCARD && tokens[i] !== c.tokens[i]) break;
      if (i < tokens.length) continue;
      if (out === NO_CLUSTERS) out = [];
      out.push(c);
      c.evicted = true;
    }
    if (out === NO_CLUSTERS) return out;
    this.byLength.set(
      tokens.length,
      same.filter((c) => !c.evicted),
    );
    const walk = (n: Node) => {
      if (n.clusters.some((c) => c.evicted)) {
        const kept = n.clusters.filter((c) => !c.evicted);
        if (!kept.includes(into)) kept.push(into);
        n.clusters = kept;
      }
      for (const child of n.children.values()) walk(child);
    };
    const root = this.root.get(tokens.length);
    if (root) walk(root);
    this.count -= out.length;
    return out;
  }

  private leaf(masked: string[]): Node {
    let node: Node | undefined = this.root.get(masked.length);
    if (!node) {
      node = newNode();
      this.root.set(masked.length, node);
    }
    const depth = Math.min(this.opts.depth, masked.length);
    for (let i = 0; i < depth; i++) {
      const tok = masked[i] as string;
      // As in Drain: a token with a digit is likely a value, so it does not pick a branch; so is one with a
      // path separator that no mask took for a path (`com.example.app/.MainActivity`, `read/write`).
      let key = routesAsValue(tok) ? WILDCARD : tok;
      let child: Node | undefined = node.children.get(key);
      if (!child && node.children.size >= this.opts.maxChildren) {
        key = WILDCARD;
        child = node.children.get(key);
      }
      if (!child) {
        child = newNode();
        node.children.set(key, child);
      }
      node = child;
    }
    return node;
  }

  /**
   * The most similar cluster. Similarity counts the positions where the line repeats the cluster's token,
   * a `<*>` included (Drain counts only constants, which makes a template with many values unreachable),
   * over the token count; ties go to the cluster with more variables.
   */
  private best(clusters: Cluster[], masked: string[]): Cluster | null {
    let best: Cluster | null = null;
    let bestSim = -1;
    let bestVars = -1;
    let bestExact = false;
    let bestIndex = -1;
    for (let k = Math.max(0, clusters.length - LEAF_SCAN); k < clusters.length; k++) {
      const c = clusters[k] as Cluster;
      const tokens = c.tokens;
      let same = 0;
      let vars = 0;
      for (let i = 0; i < tokens.length; i++) {
        const a = tokens[i];
        if (a === masked[i]) same++;
        else if (a === WILDCARD) vars++;
      }
      const sim = tokens.length === 0 ? 1 : same / tokens.length;
      if (sim > bestSim || (sim === bestSim && vars > bestVars)) {
        best = c;
        bestSim = sim;
        bestVars = vars;
        bestExact = same + vars === tokens.length;
        bestIndex = k;
      }
    }
    this.bestExact = bestExact;
    this.bestIndex = bestIndex;
    return best && bestSim >= this.opts.similarity ? best : null;
  }

  /**
   * A cluster on another route that the line repeats except where it was routed: Drain takes the first tokens
   * for constants, and a line whose first tokens hold a value (a client's name, a cache's) would otherwise
   * start a template per value. Beyond the route the line must repeat every constant of the cluster, the
   * whole must be as similar as within a route, and the two must share `SHARED` constants at least: two words
   * in common are too little to call two lines one message (`cupsd startup succeeded` and `sshd startup
   * succeeded` stay apart). The most recently created clusters are looked at first, at most `SCAN` of them.
   */
  private acrossRoutes(masked: string[]): Cluster | null {
    const same = this.byLength.get(masked.length);
    if (!same) return null;
    const depth = Math.min(this.opts.depth, masked.length);
    let best: Cluster | null = null;
    let bestSim = -1;
    let bestExact = false;
    for (let k = same.length - 1, seen = 0; k >= 0 && seen < SCAN; k--, seen++) {
      const tokens = (same[k] as Cluster).tokens;
      let shared = 0;
      let vars = 0;
      let i = 0;
      for (; i < tokens.length; i++) {
        const t = tokens[i];
        if (t === WILDCARD) vars++;
        else if (t === masked[i]) shared++;
        else if (i >= depth) break;
      }
      if (i < tokens.length || shared < SHARED) continue;
      const sim = (shared + vars) / tokens.length;
      if (sim >= this.opts.similarity && sim > bestSim) {
        best = same[k] as Cluster;
        bestSim = sim;
        bestExact = shared + vars === tokens.length;
      }
    }
    this.bestExact = bestExact;
    return best;
  }

  /** Drops the least recently used tenth of the clusters: amortised, so no per-line LRU bookkeeping. */
  private evict(): void {
    const all: Cluster[] = [];
    for (const same of this.byLength.values()) for (const c of same) all.push(c);
    all.sort((a, b) => a.lastUsed - b.lastUsed);
    const drop = all.slice(0, Math.max(1, Math.floor(all.length / 10)));
    for (const c of drop) c.evicted = true;
    // A cluster may be filed on several routes (acrossRoutes): every node lets go of it.
    const walk = (n: Node) => {
      if (n.clusters.some((c) => c.evicted)) n.clusters = n.clusters.filter((c) => !c.evicted);
      for (const child of n.children.values()) walk(child);
    };
    for (const n of this.root.values()) walk(n);
    for (const [len, same] of this.byLength) {
      const kept = same.filter((c) => !c.evicted);
      if (kept.length > 0) this.byLength.set(len, kept);
      else this.byLength.delete(len);
    }
    for (const c of drop) this.onEvict(c);
    this.count -= drop.length;
  }
}
