import type { Severity } from '../../core/index.js';

/** Error categories of a log line: the built-in ones, and any a configuration adds. */
export type ErrorCategory =
  | 'http_5xx'
  | 'exception'
  | 'database'
  | 'rate_limit'
  | 'timeout'
  | 'out_of_memory'
  | 'auth_failure'
  | 'connection_refused'
  | 'disk_full'
  | (string & {});

export interface ClassifyRule {
  category: ErrorCategory;
  severity: Severity;
  pattern: RegExp;
  /**
   * A pre-check: literal ASCII keywords, at least one of which occurs (ignoring ASCII case) in every text
   * the pattern matches, so a line with none of them skips the regex. Without it the rule runs on every line.
   */
  keywords?: readonly string[];
}

export interface Classification {
  category: ErrorCategory;
  severity: Severity;
}

/** Checked in order; the first match wins, so the specific ones come before the general. */
export const BUILTIN_RULES: readonly ClassifyRule[] = [
  {
    category: 'out_of_memory',
    severity: 'critical',
    pattern:
      /\b(out ?of ?memory|OutOfMemoryError|OOM[- ]?kill|Cannot allocate memory|ENOMEM|heap out of memory)\b/i,
    keywords: ['memory', 'oom', 'enomem'],
  },
  {
    category: 'disk_full',
    severity: 'critical',
    pattern: /\b(no space left on device|ENOSPC|disk (is )?full|quota exceeded|filesystem full)\b/i,
    keywords: [
      'no space left on device',
      'enospc',
      'disk full',
      'disk is full',
      'quota exceeded',
      'filesystem full',
    ],
  },
  {
    category: 'connection_refused',
    severity: 'critical',
    pattern: /\b(connection refused|ECONNREFUSED|could not connect|unable to connect|connect failed)\b/i,
    keywords: [
      'connection refused',
      'econnrefused',
      'could not connect',
      'unable to connect',
      'connect failed',
    ],
  },
  {
    category: 'database',
    severity: 'critical',
    pattern:
      /\b(SQLSTATE|deadlock detected|SQLException|database (error|is locked|unavailable)|(postgres|mysql|sqlite|mongo)\w*[^\n]{0,40}(error|fail)|duplicate key|relation "[^"]+" does not exist)/i,
    keywords: [
      'sqlstate',
      'deadlock detected',
      'sqlexception',
      'database error',
      'database is locked',
      'database unavailable',
      'postgres',
      'mysql',
      'sqlite',
      'mongo',
      'duplicate key',
      '" does not exist',
    ],
  },
  {
    category: 'rate_limit',
    severity: 'warning',
    pattern: /\b(rate[- ]?limit(ed)?|too many requests|throttl(ed|ing)|\b429\b)/i,
    keywords: [
      'ratelimit',
      'rate-limit',
      'rate limit',
      'too many requests',
      'throttled',
      'throttling',
      '429',
    ],
  },
  {
    category: 'timeout',
    severity: 'warning',
    pattern: /\b(timed? ?out|timeout|ETIMEDOUT|deadline exceeded|\b504\b)/i,
    keywords: ['timeout', 'timedout', 'time out', 'timed out', 'deadline exceeded', '504'],
  },
  {
    category: 'auth_failure',
    severity: 'warning',
    pattern:
      /\b(authentication fail(ed|ure)|auth(entication)? error|invalid (password|credentials|token)|unauthori[sz]ed|permission denied|access denied|forbidden|failed password|\b401\b|\b403\b)/i,
    keywords: [
      'authentication fail',
      'auth error',
      'authentication error',
      'invalid password',
      'invalid credentials',
      'invalid token',
      'unauthorised',
      'unauthorized',
      'permission denied',
      'access denied',
      'forbidden',
      'failed password',
      '401',
      '403',
    ],
  },
  {
    category: 'http_5xx',
    severity: 'critical',
    pattern:
      /(\b(HTTP\/\d(\.\d)?"? |status[=: ]+|code[=: ]+|" )5\d\d\b|\b5\d\d (Internal Server Error|Bad Gateway|Service Unavailable)|\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/\S* 5\d\d\b)/i,
    keywords: [
      'http/',
      'status=',
      'status:',
      'status ',
      'code=',
      'code:',
      'code ',
      '" 5',
      ' internal server error',
      ' bad gateway',
      ' service unavailable',
      'get /',
      'post /',
      'put /',
      'patch /',
      'delete /',
      'head /',
      'options /',
    ],
  },
  {
    category: 'exception',
    severity: 'critical',
    pattern:
      /(^|\n)\s+at [\w$.<>]+\(|Traceback \(most recent call last\)|\w(?:Exception|Error)[:\s]|\bpanic: |\bFATAL\b|\bSegmentation fault\b/,
    keywords: [
      'at ',
      'traceback (most recent call last)',
      'exception',
      'error',
      'panic: ',
      'fatal',
      'segmentation fault',
    ],
  },
];

/** A rule from configuration: `{category, severity, pattern}` with the pattern as a string. */
export interface RuleConfig {
  category: string;
  severity: Severity;
  pattern: string;
  flags?: string;
}

/**
 * Finds which rules' keywords occur in a text in one pass, without allocating: an Aho-Corasick automaton
 * over ASCII with letters folded to lower case (a regex with the `i` flag but not `u` folds only ASCII
 * letters onto ASCII letters). `scan` returns a bit per rule (the rule's index in the list given) whose
 * keywords occur; rules without keywords, or past the 31st, are never set and are run unchecked.
 */
class KeywordScanner {
  /** Input symbol of each ASCII code: 0 for a character no keyword holds. */
  private readonly symbol = new Uint8Array(128);
  /**
   * The automaton's transitions, at `state * width + symbol`: 16-bit when the table fits (the built-in rules'
   * does), which halves what the scan keeps in cache.
   */
  private readonly next: Uint16Array | Int32Array;
  /** The rule bits whose keywords end in each state, at `state * width`. */
  private readonly out: Int32Array;
  /** Bits of the rules that have keywords: the others always run. */
  readonly checked: number;

  constructor(rules: readonly ClassifyRule[]) {
    const lower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);
    let width = 1;
    let checked = 0;
    const words: Array<[string, number]> = [];
    rules.forEach((r, i) => {
      if (!r.keywords || r.keywords.length === 0 || i > 30) return;
      checked |= 1 << i;
      for (const k of r.keywords) {
        if (k === '' || [...k].some((ch) => ch.charCodeAt(0) > 127))
          throw new Error(`keyword ${JSON.stringify(k)} is not ASCII`);
        words.push([k, 1 << i]);
        for (let j = 0; j < k.length; j++) {
          const c = lower(k.charCodeAt(j));
          if (this.symbol[c] === 0) {
            this.symbol[c] = width++;
            if (c >= 97 && c <= 122) this.symbol[c - 32] = this.symbol[c] as number;
          }
        }
      }
    });
    this.checked = checked;
    // The trie, then failure links breadth first, folding each state's missing moves into its fallback's.
    const go: number[][] = [new Array<number>(width).fill(-1)];
    const out: number[] = [0];
    for (const [k, bit] of words) {
      let s = 0;
      for (let j = 0; j < k.length; j++) {
        const a = this.symbol[k.charCodeAt(j)] as number;
        let t = (go[s] as number[])[a] as number;
        if (t < 0) {
          t = go.length;
          go.push(new Array<number>(width).fill(-1));
          out.push(0);
          (go[s] as number[])[a] = t;
        }
        s = t;
      }
      out[s] = (out[s] as number) | bit;
    }
    // Transitions hold the target's row offset (`state * width`), so a step is a single load.
    const next = new Int32Array(go.length * width);
    const fail = new Int32Array(go.length);
    const queue: number[] = [];
    for (let a = 0; a < width; a++) {
      const t = (go[0] as number[])[a] as number;
      next[a] = Math.max(t, 0);
      if (t > 0) queue.push(t);
    }
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q] as number;
      const f = fail[s] as number;
      out[s] = (out[s] as number) | (out[f] as number);
      for (let a = 0; a < width; a++) {
        const t = (go[s] as number[])[a] as number;
        const viaFail = next[f * width + a] as number;
        if (t < 0) next[s * width + a] = viaFail;
        else {
          next[s * width + a] = t;
          fail[t] = viaFail;
          queue.push(t);
        }
      }
    }
    for (let i = 0; i < next.length; i++) next[i] = (next[i] as number) * width;
    this.next = next.length <= 0xffff ? Uint16Array.from(next) : next;
    this.out = new Int32Array(next.length);
    for (let st = 0; st < out.length; st++) this.out[st * width] = out[st] as number;
  }

  scan(text: string): number {
    const { symbol, next, out } = this;
    let s = 0;
    let found = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = next[s + (c < 128 ? (symbol[c] as number) : 0)] as number;
      found |= out[s] as number;
    }
    return found;
  }
}

/** One scanner per rule list, shared by every classifier built on it (its tables are some 100 kB). */
const scanners = new WeakMap<readonly ClassifyRule[], KeywordScanner>();

/**
 * Classifies a line (or a joined multi-line record) into an error category. Configured rules run first, so
 * a service can name its own errors or re-rate a built-in one.
 */
export class ErrorClassifier {
  private readonly custom: ClassifyRule[];
  private readonly builtins: readonly ClassifyRule[];
  /** Skips the built-in rules none of whose keywords a line holds; configured rules always run. */
  private readonly scanner: KeywordScanner | null;

  constructor(custom: readonly RuleConfig[] = [], builtins: readonly ClassifyRule[] = BUILTIN_RULES) {
    this.custom = custom.map((r) => ({
      category: r.category,
      severity: r.severity,
      pattern: new RegExp(r.pattern, r.flags ?? 'i'),
    }));
    this.builtins = builtins;
    let scanner = scanners.get(builtins);
    if (!scanner) {
      scanner = new KeywordScanner(builtins);
      scanners.set(builtins, scanner);
    }
    this.scanner = scanner.checked === 0 ? null : scanner;
  }

  classify(text: string, level?: string): Classification | null {
    for (const r of this.custom)
      if (r.pattern.test(text)) return { category: r.category, severity: r.severity };
    const scanner = this.scanner;
    // Bits of the rules to run: those unchecked, and those whose keywords the line holds.
    const run = scanner === null ? -1 : ~scanner.checked | scanner.scan(text);
    const rules = this.builtins;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i] as ClassifyRule;
      if ((i > 30 || (run & (1 << i)) !== 0) && r.pattern.test(text))
        return { category: r.category, severity: r.severity };
    }
    // A line its own writer marked as an error is one, even if we cannot name the kind.
    if (level && ERROR_LEVEL.test(level))
      return { category: 'error', severity: CRITICAL_LEVEL.test(level) ? 'critical' : 'warning' };
    return null;
  }
}

const ERROR_LEVEL = /^(err|error|fatal|crit|critical|alert|emerg|panic|severe)$/i;
const CRITICAL_LEVEL = /^(fatal|crit|critical|alert|emerg|panic)/i;
