import { canonicalTemplate } from './canonical.js';
import type { KeywordScanner } from './keywords.js';
import { TrailingLists } from './lists.js';
import { WILDCARD } from './mask.js';
import { maskDates } from './mask-dates.js';
import { TokenMasker } from './token-masker.js';
import { type Cluster, ClusterTree } from './tree.js';

/**
 * The online template miner. Drain's tree (tree.ts) finds a line's cluster; within a cluster, a position
 * whose lines have shown only a few distinct words (`opened`/`closed`, `eth0`/`wlan0`) keeps those words
 * apart as separate templates, and becomes a variable only once it has shown more than `maxWordValues` of
 * them. Drain makes every differing position a variable at once, which is where most of its grouping
 * errors come from; waiting for evidence of a real variable is the one idea added here.
 */

export interface MinerOptions {
  /** Share of a cluster's tokens a line must repeat to join it. */
  similarity: number;
  /** Leading tokens used to route a line in the tree. */
  depth: number;
  /** Children per tree node before further tokens share one `<*>` child. */
  maxChildren: number;
  /** Clusters kept; beyond, the least recently seen are forgotten (with their templates). */
  maxClusters: number;
  /** Distinct words a position may show and still be part of the template text. */
  maxWordValues: number;
  /** Tokens looked at per line: the rest of a very long line is one trailing value. */
  maxTokens: number;
}

export const DEFAULT_MINER_OPTIONS: MinerOptions = {
  similarity: 0.5,
  depth: 2,
  maxChildren: 100,
  maxClusters: 20_000,
  maxWordValues: 3,
  maxTokens: 80,
};

export interface Template {
  readonly id: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** Set when this template was merged into a more general one: follow it (see `resolve`). */
  mergedInto: Template | null;
}

export interface MatchResult {
  template: Template;
  /** The values of this line where its template has a variable. */
  params: string[];
  /** True when the line started a new template. */
  created: boolean;
}

interface Member extends Template {
  cluster: Cluster;
  /** `text()` as of the cluster's revision `textRev` (-1: not computed yet). */
  textCache: string;
  textRev: number;
  /** The word this template holds at each of its cluster's tracked positions. */
  words: Map<number, string>;
  /** Positions of the line's values, as of the cluster's revision `paramRev` (-1: not computed yet). */
  paramPos: number[];
  paramRev: number;
}

/**
 * Positions that are `<*>` in a cluster but still split templates, with the words seen there, in the order they
 * became such: arrays rather than a Map, read by index on every line without an iterator or an entry made.
 */
class Slots {
  readonly pos: number[] = [];
  readonly seen: Set<string>[] = [];

  get size(): number {
    return this.pos.length;
  }

  has(pos: number): boolean {
    return this.pos.includes(pos);
  }

  /** Sets the words of `pos`, in its place if it is a slot already (as a Map keeps a key's order). */
  set(pos: number, seen: Set<string>): void {
    const i = this.pos.indexOf(pos);
    if (i >= 0) this.seen[i] = seen;
    else {
      this.pos.push(pos);
      this.seen.push(seen);
    }
  }

  /** Removes the slot at index `i`. */
  removeAt(i: number): void {
    this.pos.splice(i, 1);
    this.seen.splice(i, 1);
  }
}

interface Family {
  slots: Slots;
  members: Map<string, Member>;
  /** Every template made in or moved into the family, merged ones too: what forgetting its cluster drops. */
  all: Member[];
}

export class TemplateMiner {
  readonly options: MinerOptions;
  private readonly masker = new TokenMasker();
  private readonly lists = new TrailingLists();
  private readonly tree: ClusterTree;
  private readonly families = new Map<Cluster, Family>();
  private readonly byId = new Map<string, Member>();
  /** Reused per line: nothing keeps them past `add` (the tree copies what it keeps). */
  private readonly raw: string[] = [];
  private readonly masked: string[] = [];
  /** Whether the last `mineLine` started a new template. */
  private created = false;
  /**
   * The keyword automaton's bits over the last message `match` mined with a scanner (KeywordScanner.finish
   * makes them a classifier's rule bits); -1 when it had none.
   */
  scanned = -1;

  constructor(options: Partial<MinerOptions> = {}) {
    this.options = { ...DEFAULT_MINER_OPTIONS, ...options };
    this.tree = new ClusterTree(
      {
        similarity: this.options.similarity,
        depth: this.options.depth,
        maxChildren: this.options.maxChildren,
        maxClusters: this.options.maxClusters,
      },
      (c) => this.forget(c),
    );
  }

  /** Mines one message (the content of a line, without its header). `at` is the line's time. */
  add(content: string, at = 0): MatchResult {
    const member = this.mineLine(content, at);
    return { template: member, params: this.params(member, this.raw), created: this.created };
  }

  /**
   * `add` for callers that need only the template: the same mining, without collecting the line's values
   * (the log pipeline's hot path). With `from`, the message is `content` from there on. With `scanner`, the
   * error classifier's keyword automaton runs in the same pass over the message, its bits left in `scanned`
   * (for ErrorClassifier.classify's `found`).
   */
  match(content: string, at = 0, from = 0, scanner: KeywordScanner | null = null): Template {
    return this.mineLine(content, at, from, scanner);
  }

  /** `from`: where the message begins in `content` (a line whose tail is the message; see TokenMasker.line). */
  private mineLine(content: string, at: number, from = 0, scanner: KeywordScanner | null = null): Member {
    const raw = this.raw;
    const masked = this.masked;
    if (scanner === null) {
      this.masker.line(content, raw, masked, from);
      this.scanned = -1;
    } else this.scanned = this.masker.lineScanned(content, raw, masked, from, scanner);
    // A list's length is a value: folded before the tree, which sorts lines by their number of words.
    this.lists.scan(raw, masked);
    const max = this.options.maxTokens;
    if (raw.length > max) {
      // The rest of a very long line is one trailing value.
      raw.push(raw.splice(max - 1).join(' '));
      masked.length = max;
      masked[max - 1] = this.masker.mask(raw[max - 1] as string);
    }
    maskDates(raw, masked);
    const { cluster, widened, absorbed } = this.tree.place(masked);
    let family = this.families.get(cluster);
    if (!family) {
      family = { slots: new Slots(), members: new Map(), all: [] };
      this.families.set(cluster, family);
    }
    let rekey = widened.length > 0;
    for (const { pos, was } of widened) {
      for (const m of family.members.values()) m.words.set(pos, was);
      family.slots.set(pos, new Set([was]));
    }
    const slots = family.slots;
    for (let i = 0; i < slots.pos.length; i++) {
      const v = masked[slots.pos[i] as number] as string;
      const seen = slots.seen[i] as Set<string>;
      if (seen.has(v)) continue;
      // A word with a variable inside (`(uid=<*>)` against `LOGIN(uid=<*>)`) names a template as well as a
      // plain word does: what differs between the two is constant text.
      if (seen.size < this.options.maxWordValues) seen.add(v);
      else {
        slots.removeAt(i--);
        rekey = true;
      }
    }
    if (absorbed.length > 0) for (const from of absorbed) rekey = this.absorb(from, cluster, family) || rekey;
    if (rekey) {
      cluster.rev++;
      this.rekey(family);
    }
    const key = lineKey(family, masked);
    let member = family.members.get(key);
    this.created = !member;
    if (!member) {
      this.lists.created(masked);
      member = this.create(cluster, family, masked, at);
      family.members.set(key, member);
    } else {
      member.count++;
      member.lastSeen = at;
    }
    return member;
  }

  /** The template a (possibly merged) template now lives in. */
  resolve(t: Template): Template {
    let cur = t;
    while (cur.mergedInto) cur = cur.mergedInto;
    return cur;
  }

  get(id: string): Template | undefined {
    const t = this.byId.get(id);
    return t ? this.resolve(t) : undefined;
  }

  /** Live templates (merged ones are left out: their counts went to the template they joined). */
  templates(): Template[] {
    return [...this.byId.values()].filter((t) => !t.mergedInto);
  }

  /** Masked tokens of the template, `<*>` at its variables. */
  tokensOf(t: Template): string[] {
    const m = this.resolve(t) as Member;
    const tokens = m.cluster.tokens.slice();
    for (const [pos, word] of m.words) tokens[pos] = word;
    return tokens;
  }

  /** The template's text as people (and the Loghub ground truth) write it; computed again only after it changed. */
  text(t: Template): string {
    const m = this.resolve(t) as Member;
    if (m.textRev !== m.cluster.rev) {
      m.textCache = canonicalTemplate(this.tokensOf(m).join(' '));
      m.textRev = m.cluster.rev;
    }
    return m.textCache;
  }

  private create(cluster: Cluster, family: Family, masked: string[], at: number): Member {
    const words = new Map<number, string>();
    for (const pos of family.slots.pos) words.set(pos, masked[pos] as string);
    const base = `t${fnv1aJoined(masked).toString(16).padStart(8, '0')}`;
    let id = base;
    for (let n = 2; this.byId.has(id); n++) id = `${base}-${n}`;
    const m: Member = {
      id,
      cluster,
      words,
      count: 1,
      firstSeen: at,
      lastSeen: at,
      mergedInto: null,
      textCache: '',
      textRev: -1,
      paramPos: [],
      paramRev: -1,
    };
    this.byId.set(id, m);
    family.all.push(m);
    return m;
  }

  private params(m: Member, raw: readonly string[]): string[] {
    // Where the values are changes only with the cluster's revision (its tokens or its members' words).
    if (m.paramRev !== m.cluster.rev) {
      const pos: number[] = [];
      const tokens = m.cluster.tokens;
      for (let i = 0; i < tokens.length; i++) {
        if (!(tokens[i] as string).includes(WILDCARD)) continue;
        const word = m.words.get(i);
        if (word === undefined || word.includes(WILDCARD)) pos.push(i);
      }
      m.paramPos = pos;
      m.paramRev = m.cluster.rev;
    }
    const out: string[] = new Array(m.paramPos.length);
    for (let k = 0; k < out.length; k++) out[k] = raw[m.paramPos[k] as number] as string;
    return out;
  }

  /** Re-files a family's templates after its tracked positions changed, merging those that now coincide. */
  private rekey(family: Family): void {
    const old = [...family.members.values()];
    family.members.clear();
    for (const m of old) {
      for (const pos of [...m.words.keys()]) if (!family.slots.has(pos)) m.words.delete(pos);
      const key = keyOf(family, (pos) => m.words.get(pos) ?? WILDCARD);
      const into = family.members.get(key);
      if (!into) {
        family.members.set(key, m);
        continue;
      }
      into.count += m.count;
      into.firstSeen = Math.min(into.firstSeen, m.firstSeen);
      into.lastSeen = Math.max(into.lastSeen, m.lastSeen);
      m.mergedInto = into;
    }
  }

  /**
   * Moves the templates of a cluster the tree merged into `into` (see ClusterTree.absorb) to `into`'s family:
   * each keeps its words at the family's tracked positions (a position that then shows more than
   * `maxWordValues` words stops being tracked) and is filed again by `rekey`, the caller's, which merges those
   * that now coincide. Returns true (the caller must rekey).
   */
  private absorb(from: Cluster, into: Cluster, family: Family): boolean {
    const old = this.families.get(from);
    this.families.delete(from);
    if (!old) return false;
    for (const m of old.all) {
      m.cluster = into;
      family.all.push(m);
    }
    const slots = family.slots;
    for (const m of old.members.values()) {
      const words = new Map<number, string>();
      for (let i = 0; i < slots.pos.length; i++) {
        const pos = slots.pos[i] as number;
        const seen = slots.seen[i] as Set<string>;
        const w = m.words.get(pos) ?? (from.tokens[pos] as string);
        if (!seen.has(w)) {
          if (seen.size < this.options.maxWordValues) seen.add(w);
          else {
            slots.removeAt(i--);
            continue;
          }
        }
        words.set(pos, w);
      }
      m.words = words;
      m.textRev = -1;
      m.paramRev = -1;
      // A key no line has: rekey files it with the others.
      family.members.set(`\u0003${m.id}`, m);
    }
    return true;
  }

  private forget(cluster: Cluster): void {
    const family = this.families.get(cluster);
    this.families.delete(cluster);
    if (!family) return;
    for (const m of family.all) if (this.byId.get(m.id) === m) this.byId.delete(m.id);
  }
}

/** `keyOf` for the line being mined (its words at the tracked positions), without a closure per line. */
function lineKey(family: Family, masked: readonly string[]): string {
  const pos = family.slots.pos;
  if (pos.length === 0) return '';
  if (pos.length === 1) return masked[pos[0] as number] as string;
  let key = '';
  for (let i = 0; i < pos.length; i++) key += `${pos[i]}\u0001${masked[pos[i] as number]}\u0002`;
  return key;
}

function keyOf(family: Family, word: (pos: number) => string): string {
  const pos = family.slots.pos;
  if (pos.length === 0) return '';
  // One tracked position (the common case): its word is the key, with nothing to build per line. Keys of a
  // family are compared only while its tracked positions stay the same (rekey files them again).
  if (pos.length === 1) return word(pos[0] as number);
  let key = '';
  for (let i = 0; i < pos.length; i++) key += `${pos[i]}\u0001${word(pos[i] as number)}\u0002`;
  return key;
}

/** The raw tokens at the template's variable positions. */
export function paramsOf(templateTokens: readonly string[], raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < templateTokens.length; i++) {
    if ((templateTokens[i] as string).includes(WILDCARD)) out.push(raw[i] as string);
  }
  return out;
}

/**
 * `fnv1a(tokens.join(' '))` without the joined string: a log of many templates makes one per new template, and
 * the ids must stay what they were.
 */
export function fnv1aJoined(tokens: readonly string[]): number {
  let h = 0x811c9dc5;
  for (let t = 0; t < tokens.length; t++) {
    if (t > 0) h = Math.imul(h ^ 32, 0x01000193);
    const s = tokens[t] as string;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/** 32-bit FNV-1a: a stable template id from the first line's shape, the same across restarts. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
