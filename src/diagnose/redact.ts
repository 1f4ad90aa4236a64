import { redactText } from '../core/index.js';
import { redactSecrets } from '../notify/index.js';

/**
 * Redaction for text that leaves the process towards a model: the notifier's secret rules, plus personal data
 * (emails, optionally IP addresses, card numbers) and token shapes that only matter once text goes to a third
 * party. Extends `redactSecrets` so a rule added there protects prompts too.
 */
export interface PromptRedaction {
  /** Mask IPv4 and IPv6 addresses (default false: they are often the point of a diagnosis). */
  ips?: boolean;
  /** Mask e-mail addresses (default true). */
  emails?: boolean;
}

const MASK = '***';

const tokenRules: [RegExp, string][] = [
  // Provider keys recognisable by shape: OpenAI/Anthropic style, Stripe, Google, Slack webhook paths.
  [/\bsk-(?:[A-Za-z0-9_-]{2,}-)?[A-Za-z0-9_-]{20,}/g, MASK],
  [/\b[spr]k_(?:live|test)_[A-Za-z0-9]{10,}/g, MASK],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, MASK],
  [/(hooks\.slack\.com\/services\/)[A-Za-z0-9/]+/g, `$1${MASK}`],
  // Secrets given as command-line flags: --password hunter2, --token=abc.
  [/(--?(?:password|passwd|pass|token|secret|api-?key|auth)[ =])(?!\*\*\*)\S+/gi, `$1${MASK}`],
  // Signatures and keys in query strings: ?sig=…&X-Amz-Signature=…
  [/([?&](?:sig|signature|x-amz-signature|x-goog-signature|key|code|auth)=)[^&\s"']+/gi, `$1${MASK}`],
  // Long hex or base64-looking runs: session ids, hashes of secrets, raw keys.
  [/\b[A-Fa-f0-9]{32,}\b/g, MASK],
  [
    /\b(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[a-z])(?=[A-Za-z0-9+/_-]*[A-Z])[A-Za-z0-9+/_-]{40,}={0,2}/g,
    MASK,
  ],
];

const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g;
const IPV4 = /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g;
// Full and compressed IPv6 forms; requires at least two colons and a hex group so times (12:30:01) do not match.
const IPV6 =
  /(?<![\w:])(?=[0-9A-Fa-f:]*[A-Fa-f])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,7}|[0-9A-Fa-f]{1,4})(?![\w:])/g;
const CARD = /\b(?:\d[ -]?){12,18}\d\b/g;

export function redactForPrompt(text: string, opts: PromptRedaction = {}): string {
  let out = redactText(redactSecrets(text));
  for (const [re, replacement] of tokenRules) out = out.replace(re, replacement);
  if (opts.emails !== false) out = out.replace(EMAIL, '<email>');
  out = out.replace(CARD, (m) => (luhn(m.replace(/[ -]/g, '')) ? '<card>' : m));
  if (opts.ips) out = out.replace(IPV4, '<ip>').replace(IPV6, (m) => (m.split(':').length >= 3 ? '<ip>' : m));
  return out;
}

/** Redacts every string inside plain objects and arrays; keys are kept, other values pass through. */
export function redactDeepForPrompt<T>(value: T, opts: PromptRedaction = {}): T {
  if (typeof value === 'string') return redactForPrompt(value, opts) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeepForPrompt(v, opts)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeepForPrompt(v, opts);
    return out as T;
  }
  return value;
}

/** Card numbers pass the Luhn check; other long digit runs (ports, counters, timestamps) are left alone. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
