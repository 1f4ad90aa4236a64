import type { Severity } from '../../core/index.js';
import { type Keyword, KeywordScanner } from './keywords.js';

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
   * A pre-check: literal ASCII keywords, at least one of which occurs in every text the pattern matches
   * (ignoring ASCII case; a Keyword may ask for its case, or for what stands around it, as the pattern does),
   * so a line with none of them skips the regex. Without it the rule runs on every line.
   */
  keywords?: readonly (string | Keyword)[];
  /**
   * A second pre-check, for a line whose keywords are there: true wherever the pattern can match in
   * `text.slice(from)` (a condition the pattern implies, cheaper than running it). False skips the regex.
   */
  holds?: (text: string, from: number) => boolean;
}

/**
 * A three-digit number starting with 5 standing alone (`\b5\d\d\b`) in `text` from `from` on: each of
 * http_5xx's ways needs one, while access lines that carry its keywords (`GET /`, `HTTP/`) mostly answer 2xx.
 */
export function hasStatus5xx(text: string, from: number): boolean {
  const end = text.length;
  for (let i = text.indexOf('5', from); i >= 0 && i + 2 < end; i = text.indexOf('5', i + 1)) {
    if (i > from && isWord(text.charCodeAt(i - 1))) continue;
    if (!isDigitCode(text.charCodeAt(i + 1)) || !isDigitCode(text.charCodeAt(i + 2))) continue;
    if (i + 3 === end || !isWord(text.charCodeAt(i + 3))) return true;
  }
  return false;
}

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
/** `\w` without the `u` flag. */
const isWord = (c: number): boolean =>
  isDigitCode(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

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
      { text: '429', before: 'boundary', after: 'boundary' },
    ],
  },
  {
    category: 'timeout',
    severity: 'warning',
    pattern: /\b(timed? ?out|timeout|ETIMEDOUT|deadline exceeded|\b504\b)/i,
    keywords: [
      'timeout',
      'timedout',
      'time out',
      'timed out',
      'deadline exceeded',
      { text: '504', before: 'boundary', after: 'boundary' },
    ],
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
      { text: '401', before: 'boundary', after: 'boundary' },
      { text: '403', before: 'boundary', after: 'boundary' },
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
    holds: hasStatus5xx,
  },
  {
    category: 'exception',
    severity: 'critical',
    pattern:
      /(^|\n)\s+at [\w$.<>]+\(|Traceback \(most recent call last\)|\w(?:Exception|Error)[:\s]|\bpanic: |\bFATAL\b|\bSegmentation fault\b/,
    // The pattern has no `i` flag: its words are matched with their case.
    keywords: [
      { text: 'at ', exact: true, before: 'indent' },
      { text: 'Traceback (most recent call last)', exact: true },
      { text: 'Exception', exact: true, before: 'word' },
      { text: 'Error', exact: true, before: 'word' },
      { text: 'panic: ', exact: true, before: 'boundary' },
      { text: 'FATAL', exact: true, before: 'boundary', after: 'boundary' },
      { text: 'Segmentation fault', exact: true, before: 'boundary', after: 'boundary' },
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
  private lastLevel: string | null = null;
  private lastSeverity: Severity | null = null;

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

  /**
   * `message`: the part of `text` the built-in rules read (a header line's message: its header's fields name
   * hosts and programs, not errors); configured rules read the whole text, as a user wrote them for it.
   * `from` ≥ 0: `message` is `text` from there on (its tail), and the keyword scan reads `text` from there (a
   * flat string reads faster than a slice of it). `found` ≥ 0: the keyword automaton of `keywordScanner` already
   * ran over what the scan would read (TemplateMiner.match's `scanned`), and these are the bits it met.
   */
  classify(
    text: string,
    level?: string,
    message: string = text,
    from = -1,
    found = -1,
  ): Classification | null {
    for (const r of this.custom)
      if (r.pattern.test(text)) return { category: r.category, severity: r.severity };
    const scanner = this.scanner;
    // Bits of the rules to run: those unchecked, and those whose keywords the line holds.
    const run =
      scanner === null
        ? -1
        : ~scanner.checked |
          (found >= 0
            ? from >= 0
              ? scanner.finish(found, text, from)
              : scanner.finish(found, message)
            : from >= 0
              ? scanner.scan(text, from)
              : scanner.scan(message));
    const rules = this.builtins;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i] as ClassifyRule;
      if (i <= 30 && (run & (1 << i)) === 0) continue;
      if (r.holds && !(from >= 0 ? r.holds(text, from) : r.holds(message, 0))) continue;
      if (r.pattern.test(message)) return { category: r.category, severity: r.severity };
    }
    // A line its own writer marked as an error is one, even if we cannot name the kind.
    if (!level) return null;
    const severity = this.levelSeverity(level);
    return severity === null ? null : { category: 'error', severity };
  }

  /** The built-in rules' keyword automaton (null: none of them has keywords), for a scan made elsewhere. */
  get keywordScanner(): KeywordScanner | null {
    return this.scanner;
  }

  /** The severity a level names (null: not an error), the last level's remembered: a log repeats a few. */
  private levelSeverity(level: string): Severity | null {
    if (level === this.lastLevel) return this.lastSeverity;
    this.lastLevel = level;
    this.lastSeverity = ERROR_LEVEL.test(level)
      ? CRITICAL_LEVEL.test(level)
        ? 'critical'
        : 'warning'
      : null;
    return this.lastSeverity;
  }
}

const ERROR_LEVEL = /^(err|error|fatal|crit|critical|alert|emerg|panic|severe)$/i;
const CRITICAL_LEVEL = /^(fatal|crit|critical|alert|emerg|panic)/i;
