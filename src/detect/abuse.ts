import type { AbuseSettings } from '../config/index.js';
import { type Finding, ipv6Net64, newId } from '../core/index.js';
import { type AddressSpec, clientAddress } from './abuse-address.js';

export { type AddressSpec, clientAddress, parseAddressSpec } from './abuse-address.js';

/** Why a line counts against its source address. */
export type AbuseReason = 'auth' | 'denied' | 'rate_limited' | 'missing';

export interface AbuseLine {
  address: string;
  reason: AbuseReason;
}

// Generic shapes only, so any program's logs are read the same way: an HTTP status in an access line
// (`"GET /x HTTP/1.1" 401`) or a status field (JSON, key=value), and a failure word near an authentication
// word in either order ("Failed password", "authentication failure", "login failed", "invalid user").
const ACCESS_STATUS = /" (\d{3}) /;
const FIELD_STATUS = /\b(?:status|status_?code|statusCode|http_status|response_code)"?\s*[:=]\s*"?(\d{3})\b/;
const AUTH_USER = /\b(?:invalid|illegal|unknown)\s+user\b/i;
const AUTH_FAIL_FIRST =
  /\b(?:fail(?:ed|ure|s)?|invalid|incorrect|wrong|bad|denied|rejected|unauthori[sz]ed)\b[^\n]{0,40}?\b(?:password|passwd|passphrase|login|logon|log[ -]in|authenticat\w*|auth|credentials?|token|api[ _-]?key|(?:public ?)?key|sign[ -]?in|otp|mfa|2fa)\b/i;
const AUTH_WORD_FIRST =
  /\b(?:password|passwd|login|logon|log[ -]in|authenticat\w*|auth|credentials?|sign[ -]?in)\b[^\n]{0,40}?\b(?:fail\w*|invalid|incorrect|wrong|denied|rejected|mismatch|exceeded)\b/i;
/** Quick pre-check (one scan, no backtracking) before the patterns above. */
const MAYBE =
  /fail|invalid|illegal|unknown|incorrect|wrong|bad|denied|reject|unauthori|mismatch|exceeded|" 4\d\d |status|code/i;

function statusOf(line: string): number | null {
  const m = ACCESS_STATUS.exec(line) ?? FIELD_STATUS.exec(line);
  return m?.[1] ? Number(m[1]) : null;
}

/** What a line says against its client, or null: most lines are nothing of the kind. */
export function classifyAbuse(line: string, where?: AddressSpec): AbuseLine | null {
  if (!MAYBE.test(line)) return null;
  const status = statusOf(line);
  let reason: AbuseReason | null = null;
  // An access line is judged by its status alone: a 200 for `/login?error=…` is not a failure to count.
  if (status !== null && status >= 100 && status <= 599) {
    if (status === 401 || status === 403) reason = 'denied';
    else if (status === 429) reason = 'rate_limited';
    else if (status === 404) reason = 'missing';
  } else if (AUTH_USER.test(line) || AUTH_FAIL_FIRST.test(line) || AUTH_WORD_FIRST.test(line)) {
    reason = 'auth';
  }
  if (!reason) return null;
  const address = clientAddress(line, where);
  return address ? { address, reason } : null;
}

export interface AbuseDetectorOptions {
  service: string;
  settings: AbuseSettings;
  /** Addresses never counted (loopback, admin networks, valid sessions). */
  allowed(address: string): boolean;
  /** True when an IPv6 /64 holds an address never to ban: its addresses are then counted one by one. */
  allowedNet?(net: string): boolean;
  /** Where the service writes the client's address (`logs.abuse.address`); default: auto. */
  address?: AddressSpec;
  /** Addresses tracked at once; beyond, the stalest are forgotten. */
  maxAddresses?: number;
}

interface Tally {
  /** Failures (not 404s) and 404s within the window, oldest first. */
  failures: { at: number; reason: AbuseReason }[];
  missing: number[];
  /** The last lines counted as evidence, kept only near a limit (most addresses never get there). */
  examples: string[];
  /** The last address seen (of an IPv6 /64, one of many). */
  last: string;
}

const EXAMPLES = 5;
const EXAMPLE_CHARS = 500;
/**
 * Addresses (IPv6: /64s) tracked at once. A tally near its limit holds about 1 KB, most far less; a flood of
 * single failures from more sources than this forgets the stalest, which never had enough to be banned.
 */
export const MAX_ADDRESSES = 10_000;

/** A copy that holds no reference to the line it came from (V8 keeps a slice's whole parent alive). */
const own = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

/**
 * Counts what each client address does wrong in a sliding window, as fail2ban does (maxretry failures within
 * findtime): the failure that reaches `max_failures` (or the 404 that reaches `max_missing`) emits one `abuse`
 * finding naming the address in its labels, and the address starts from nothing again. State is bounded.
 */
export class AbuseDetector {
  private readonly tallies = new Map<string, Tally>();
  private readonly max: number;

  private readonly o: AbuseDetectorOptions;

  constructor(o: AbuseDetectorOptions) {
    this.o = { ...o };
    this.max = o.maxAddresses ?? MAX_ADDRESSES;
  }

  /** One log line received at `at`: a finding when it tips its address over a limit. */
  observe(line: string, at: number): Finding | null {
    const hit = classifyAbuse(line, this.o.address);
    if (!hit || this.o.allowed(hit.address)) return null;
    const { window, max_failures, max_missing } = this.o.settings;
    // IPv6 is counted (and banned) per /64: one host holds a whole /64 and could try each address in turn.
    const net = ipv6Net64(hit.address);
    const key = net && !this.o.allowedNet?.(net) ? net : hit.address;
    let t = this.tallies.get(key);
    if (t) {
      this.tallies.delete(key); // re-inserted below: the map stays in order of last activity
      if (t.last !== hit.address) t.last = own(hit.address);
    } else t = { failures: [], missing: [], examples: [], last: own(hit.address) };
    if (hit.reason === 'missing') t.missing.push(at);
    else t.failures.push({ at, reason: hit.reason });
    const since = at - window;
    while ((t.failures[0]?.at ?? at) <= since) t.failures.shift();
    while ((t.missing[0] ?? at) <= since) t.missing.shift();
    const near =
      hit.reason === 'missing' ? t.missing.length >= max_missing - 1 : t.failures.length >= max_failures - 1;
    if (near) {
      t.examples.push(own(line.length > EXAMPLE_CHARS ? `${line.slice(0, EXAMPLE_CHARS)}…` : line));
      if (t.examples.length > EXAMPLES) t.examples.shift();
    }
    if (t.failures.length >= max_failures) return this.finding(key, t, 'failures', at);
    if (t.missing.length >= max_missing) return this.finding(key, t, 'missing', at);
    this.tallies.set(key, t);
    // Beyond the bound the address idle longest is forgotten (the first in the map's order).
    while (this.tallies.size > this.max) this.tallies.delete(this.tallies.keys().next().value as string);
    return null;
  }

  /** New limits (a reloaded config): the counts so far are kept. */
  configure(settings: AbuseSettings): void {
    this.o.settings = settings;
  }

  /** Addresses being counted now. */
  get size(): number {
    return this.tallies.size;
  }

  /** `address`: one address, or an IPv6 /64 to ban whole. */
  private finding(address: string, t: Tally, over: 'failures' | 'missing', at: number): Finding {
    const { service, settings } = this.o;
    const count = over === 'failures' ? t.failures.length : t.missing.length;
    const limit = over === 'failures' ? settings.max_failures : settings.max_missing;
    const what =
      over === 'failures' ? 'failed authentications or refused requests' : 'requests for missing paths';
    const minutes = Math.round(settings.window / 60_000);
    const span = minutes >= 1 ? `${minutes} min` : `${Math.round(settings.window / 1000)} s`;
    return {
      id: newId('fnd'),
      service,
      check: `abuse:${address}`,
      kind: 'abuse',
      severity: 'warning',
      // Certain of what the lines say; the allow-list, not the score, keeps friends from being banned.
      score: 0.95,
      summary: `${service}: ${count} ${what} from ${address} within ${span} (limit ${limit})`,
      evidence: {
        labels: { address, family: address.includes(':') ? 'ipv6' : 'ipv4', reason: over },
        // A /64 counted whole: the last address of it seen, for a human reading the finding.
        ...(address.includes('/') ? { last: t.last } : {}),
        address,
        count,
        limit,
        windowMs: settings.window,
        reasons: reasonCounts(t),
        examples: [...t.examples],
      },
      at,
    };
  }
}

/** How many of each reason the window holds. */
function reasonCounts(t: Tally): Partial<Record<AbuseReason, number>> {
  const out: Partial<Record<AbuseReason, number>> = {};
  for (const f of t.failures) out[f.reason] = (out[f.reason] ?? 0) + 1;
  if (t.missing.length > 0) out.missing = t.missing.length;
  return out;
}
