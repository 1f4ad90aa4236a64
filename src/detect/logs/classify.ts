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
  },
  {
    category: 'disk_full',
    severity: 'critical',
    pattern: /\b(no space left on device|ENOSPC|disk (is )?full|quota exceeded|filesystem full)\b/i,
  },
  {
    category: 'connection_refused',
    severity: 'critical',
    pattern: /\b(connection refused|ECONNREFUSED|could not connect|unable to connect|connect failed)\b/i,
  },
  {
    category: 'database',
    severity: 'critical',
    pattern:
      /\b(SQLSTATE|deadlock detected|SQLException|database (error|is locked|unavailable)|(postgres|mysql|sqlite|mongo)\w*[^\n]{0,40}(error|fail)|duplicate key|relation "[^"]+" does not exist)/i,
  },
  {
    category: 'rate_limit',
    severity: 'warning',
    pattern: /\b(rate[- ]?limit(ed)?|too many requests|throttl(ed|ing)|\b429\b)/i,
  },
  {
    category: 'timeout',
    severity: 'warning',
    pattern: /\b(timed? ?out|timeout|ETIMEDOUT|deadline exceeded|\b504\b)/i,
  },
  {
    category: 'auth_failure',
    severity: 'warning',
    pattern:
      /\b(authentication fail(ed|ure)|auth(entication)? error|invalid (password|credentials|token)|unauthori[sz]ed|permission denied|access denied|forbidden|failed password|\b401\b|\b403\b)/i,
  },
  {
    category: 'http_5xx',
    severity: 'critical',
    pattern:
      /(\b(HTTP\/\d(\.\d)?"? |status[=: ]+|code[=: ]+|" )5\d\d\b|\b5\d\d (Internal Server Error|Bad Gateway|Service Unavailable)|\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/\S* 5\d\d\b)/i,
  },
  {
    category: 'exception',
    severity: 'critical',
    pattern:
      /(^|\n)\s+at [\w$.<>]+\(|Traceback \(most recent call last\)|\w(?:Exception|Error)[:\s]|\bpanic: |\bFATAL\b|\bSegmentation fault\b/,
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
 * Classifies a line (or a joined multi-line record) into an error category. Configured rules run first, so
 * a service can name its own errors or re-rate a built-in one.
 */
export class ErrorClassifier {
  private readonly rules: ClassifyRule[];

  constructor(custom: readonly RuleConfig[] = [], builtins: readonly ClassifyRule[] = BUILTIN_RULES) {
    this.rules = [
      ...custom.map((r) => ({
        category: r.category,
        severity: r.severity,
        pattern: new RegExp(r.pattern, r.flags ?? 'i'),
      })),
      ...builtins,
    ];
  }

  classify(text: string, level?: string): Classification | null {
    for (const r of this.rules)
      if (r.pattern.test(text)) return { category: r.category, severity: r.severity };
    // A line its own writer marked as an error is one, even if we cannot name the kind.
    if (level && ERROR_LEVEL.test(level))
      return { category: 'error', severity: CRITICAL_LEVEL.test(level) ? 'critical' : 'warning' };
    return null;
  }
}

const ERROR_LEVEL = /^(err|error|fatal|crit|critical|alert|emerg|panic|severe)$/i;
const CRITICAL_LEVEL = /^(fatal|crit|critical|alert|emerg|panic)/i;
