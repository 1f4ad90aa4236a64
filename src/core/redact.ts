/**
 * Masks secrets in text Medic stores or serves (journal messages, step results, argv, errors). A safety net
 * for credentials that slip into a command line or a message, not a guarantee; over-masking is the safe way
 * to be wrong here. The notifier and the prompt builder apply their own rules on top.
 */
const MASK = '***';

/** Option names whose value is a secret: `--password x`, `--token=x`. */
const SECRET_FLAG =
  /^--?(?:password|passwd|pass|pwd|token|secret|api-?key|access-?key|auth|auth-token|routing-key)$/i;

/** Key names whose value is a secret in `key=value`, `key: value` and `"key": "value"`. */
const SECRET_KEY =
  '[\\w-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|routing[_-]?key|integration[_-]?key|service[_-]?key|webhook[_-]?url)[\\w-]*|pass|pwd|pw';

const rules: [RegExp, string][] = [
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
    `-----PRIVATE KEY ${MASK}-----`,
  ],
  // Slack incoming webhooks: the path is the credential.
  [/(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]+/g, `$1${MASK}`],
  // Credentials in URLs: scheme://user:password@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+):[^\s/@]+@/gi, `$1:${MASK}@`],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${MASK}`],
  // Medic's own API tokens (medic_<id>_<secret>): the id names the token and stays.
  [/\b(medic_[0-9a-f]{12}_)[A-Za-z0-9_-]{16,}/g, `$1${MASK}`],
  [
    new RegExp(`(?<![\\w-])(["']?(?:${SECRET_KEY})["']?\\s*[=:]\\s*["']?)(?!\\*\\*\\*)[^\\s"'&,;}]+`, 'gi'),
    `$1${MASK}`,
  ],
  // Flags with the secret after a space or "=": --password hunter2, --token=abc.
  [
    /((?:^|\s)--?(?:password|passwd|pass|pwd|token|secret|api-?key|access-?key|auth|auth-token|routing-key)(?:\s+|=))(?!\*\*\*)[^\s-]\S*/gi,
    `$1${MASK}`,
  ],
  // mysql's -pSECRET (the password glued to the flag).
  [/((?:^|\s)-p)(?!\*\*\*)[^\s-]\S{2,}/g, `$1${MASK}`],
  // Keys recognisable by shape: AWS, GitHub, Slack, JWT, OpenAI/Anthropic, Stripe, Google.
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, MASK],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, MASK],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, MASK],
  [/\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g, MASK],
  [/\bsk-(?:[A-Za-z0-9_-]{2,}-)?[A-Za-z0-9_-]{20,}/g, MASK],
  [/\b[spr]k_(?:live|test)_[A-Za-z0-9]{10,}/g, MASK],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, MASK],
  // PagerDuty routing and integration keys are 32 characters of [a-z0-9]; so are many other secrets.
  [/\b(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{32}\b/g, MASK],
];

/** The text with every secret this module recognises masked as `***`. */
export function redactText(text: string): string {
  let out = text;
  for (const [re, replacement] of rules) out = out.replace(re, replacement);
  return out;
}

/**
 * An argv with its secrets masked, element by element: the value after a secret flag (`--password x`), a
 * glued one (`--token=x`, `-pX`), and whatever `redactText` finds in an element.
 */
export function redactArgv(argv: readonly string[]): string[] {
  return argv.map((arg, i) => {
    const prev = argv[i - 1];
    if (i > 0 && prev !== undefined && SECRET_FLAG.test(prev) && !arg.startsWith('-')) return MASK;
    return redactText(arg);
  });
}

/** Redacts every string inside plain objects and arrays; keys and other values are kept. */
export function redactDeepText<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map(redactDeepText) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeepText(v);
    return out as T;
  }
  return value;
}
