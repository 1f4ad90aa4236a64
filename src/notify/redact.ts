/**
 * Masks secrets before text leaves the process (notifications, logs of notifications). One rule set: core's
 * (`redactText`, which every stored row also gets) plus the few this stage adds, so a rule added in core
 * protects Slack, e-mail, PagerDuty and the outbox table too. A safety net, not a guarantee.
 */
import { redactText } from '../core/index.js';

const MASK = '***';

/** Notify-only extras: key names that merely contain `pwd` (DB_PWD, mysql_pwd), which core reads as `pwd` alone. */
const extras: [RegExp, string][] = [
  [/\b([\w-]*pwd[\w-]*)(["']?\s*[=:]\s*["']?)(?!\*\*\*)[^\s"'&,;}]+/gi, `$1$2${MASK}`],
];

export function redactSecrets(text: string): string {
  let out = redactText(text);
  for (const [re, replacement] of extras) out = out.replace(re, replacement);
  return out;
}

/** Redacts every string inside plain objects and arrays; other values pass through untouched. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}
