/**
 * Masks obvious secrets before text leaves the process (notifications, logs of notifications). It is a safety
 * net for credentials that slip into messages (a command line, an error with a URL), not a guarantee.
 */
const MASK = '***';

const rules: [RegExp, string][] = [
  // PEM private keys, whole block.
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
    `-----PRIVATE KEY ${MASK}-----`,
  ],
  // Credentials in URLs: scheme://user:password@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+):[^\s/@]+@/gi, `$1:${MASK}@`],
  // Authorization header values.
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${MASK}`],
  // key=value, key: value, "key": "value" for secret-looking key names (password, api_key, aws_secret…).
  [
    /\b([\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)[\w-]*)(["']?\s*[=:]\s*["']?)(?!\*\*\*)[^\s"'&,;]+/gi,
    `$1$2${MASK}`,
  ],
  // AWS access key ids.
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, MASK],
  // GitHub, Slack and JWT tokens, recognisable by their shape alone.
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, MASK],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, MASK],
  [/\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g, MASK],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [re, replacement] of rules) out = out.replace(re, replacement);
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
