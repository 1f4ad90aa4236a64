/** Top-level `security` and `services.<name>.logs.abuse`: who may never be banned, and when abuse is seen. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { duration } from './common.js';

/** An address or a network in CIDR form (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`). */
export const cidr = z.string().refine(
  (s) => {
    const [addr = '', bits, extra] = s.split('/');
    const family = isIP(addr);
    if (family === 0 || extra !== undefined) return false;
    if (bits === undefined) return true;
    const n = Number(bits);
    return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
  },
  { message: 'an IPv4 or IPv6 address, or a network such as 10.0.0.0/8' },
);

/**
 * How failures from one address are counted. fail2ban's defaults: 5 failures (maxretry) within 10 minutes
 * (findtime). Missing paths (404s) get a higher limit of their own: a browser asking for a few missing
 * images is not a scanner.
 */
export const abuseSettings = z.strictObject({
  max_failures: z
    .number()
    .int()
    .min(1)
    .default(5)
    .describe(
      'Failed logins, 401/403 answers and 429s from one address within `window`: the next one is abuse.',
    ),
  max_missing: z
    .number()
    .int()
    .min(1)
    .default(20)
    .describe('404s from one address within `window` (scanning for paths).'),
  window: duration.default(600_000).describe('The window failures and 404s are counted in.'),
});

/** `services.<name>.logs.abuse`: `true` takes `security.abuse`; an object overrides some of its keys. */
export const serviceAbuseSchema = z.union([
  z.boolean(),
  z.strictObject({
    max_failures: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Overrides security.abuse.max_failures for this service.'),
    max_missing: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Overrides security.abuse.max_missing for this service.'),
    window: duration.optional().describe('Overrides security.abuse.window for this service.'),
    address: z
      .string()
      .refine(
        (s) => /^(?:first_field|field:.+)$/.test(s) || (s.startsWith('regex:') && oneGroup(s.slice(6))),
        { message: 'first_field, field:<name> or regex:<a regular expression with exactly one (group)>' },
      )
      .optional()
      .describe("Where this service writes the client's address (docs/security.md); default: auto."),
  }),
]);

/** A valid regular expression with exactly one capture group (the address). */
function oneGroup(re: string): boolean {
  try {
    return new RegExp(`${re}|`).exec('')?.length === 2;
  } catch {
    return false;
  }
}

export const securitySchema = z.strictObject({
  allow: z
    .array(cidr)
    .default([])
    .describe(
      'Admin networks: never banned, whatever their logs say (loopback never is, without saying so).',
    ),
  sessions: z
    .array(cidr)
    .default([])
    .describe('Addresses with a valid session (a logged-in admin mistyping elsewhere): never banned.'),
  abuse: abuseSettings
    .prefault({})
    .describe("The abuse detector's defaults for every service whose `logs.abuse` turns it on."),
});

export type SecurityConfig = z.output<typeof securitySchema>;
export type AbuseSettings = z.output<typeof abuseSettings>;
export type ServiceAbuseConfig = z.output<typeof serviceAbuseSchema>;

/** A service's abuse settings in effect, or null when its detector is off (the default). */
export function abuseSettingsOf(
  security: SecurityConfig,
  service: ServiceAbuseConfig | undefined,
): AbuseSettings | null {
  if (service === undefined || service === false) return null;
  if (service === true) return security.abuse;
  return {
    max_failures: service.max_failures ?? security.abuse.max_failures,
    max_missing: service.max_missing ?? security.abuse.max_missing,
    window: service.window ?? security.abuse.window,
  };
}
