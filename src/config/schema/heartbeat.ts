/**
 * `heartbeat`: a dead man's switch. Medic calls a URL every interval while it is alive and working
 * (healthchecks.io, Cronitor, Dead Man's Snitch, an Alertmanager Watchdog receiver); the receiver alarms when
 * the calls stop. Secrets (a ping URL is often one, a token always) come from environment variables.
 */
import { z } from 'zod';
import { duration } from './common.js';

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
  .describe('the environment variable that holds the value (read at each call, never logged)');

/** Header names as HTTP allows them (a token of RFC 9110). */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name');

export const heartbeatSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('The URL called (http or https); or give `url_env` when the URL itself is the secret.'),
    url_env: envName
      .optional()
      .describe('The environment variable holding the URL (a healthchecks.io ping URL is its own secret).'),
    method: z.enum(['GET', 'POST']).default('GET').describe('GET, or POST with a small JSON body.'),
    interval: duration
      .default(60_000)
      .pipe(z.number().min(1_000, 'at least 1s'))
      .describe(
        "How often Medic calls. Set the receiver's grace to two intervals or more: a call is skipped while Medic's store or probe loop is stuck.",
      ),
    timeout: duration
      .optional()
      .describe(
        'A call taking longer fails (and the next interval tries again). Default: 10s, or the interval if shorter.',
      ),
    bearer_env: envName
      .optional()
      .describe('The environment variable holding a token sent as `Authorization: Bearer <token>`.'),
    headers: z
      .record(headerName, z.string())
      .default({})
      .describe('Request headers, name to value (not secrets: use `header_env`).'),
    header_env: z
      .record(headerName, envName)
      .default({})
      .describe('Secret request headers: header name to the environment variable holding its value.'),
  })
  .refine((h) => (h.url === undefined) !== (h.url_env === undefined), { message: 'give url or url_env' })
  .refine((h) => h.timeout === undefined || h.timeout <= h.interval, {
    path: ['timeout'],
    message: 'timeout must not exceed interval',
  })
  .transform((h) => ({ ...h, timeout: h.timeout ?? Math.min(10_000, h.interval) }));

export type HeartbeatConfig = z.output<typeof heartbeatSchema>;
