/** `server` and `store`: where the API listens and where Medic keeps what it knows. */
import { z } from 'zod';
import { duration } from './common.js';

export const serverSchema = z.strictObject({
  host: z
    .string()
    .default('127.0.0.1')
    .describe('The address the API listens on (0.0.0.0: every interface; tokens are then required).'),
  port: z.number().int().min(0).max(65535).default(7070).describe("The API's port (0: any free port)."),
  cors: z
    .strictObject({ origins: z.array(z.url()).default([]).describe('Origins (scheme://host:port) allowed.') })
    .default({ origins: [] })
    .describe('Browser origins allowed to call the API; none by default.'),
  rate_limit: z
    .strictObject({
      max: z.number().int().min(1).default(1200).describe('Requests per client per window.'),
      window: duration.default(60_000).describe("The rate limit's window."),
      max_auth_failures: z
        .number()
        .int()
        .min(1)
        .default(30)
        .describe('Failed authentications per client per window before it is refused.'),
    })
    .default({ max: 1200, window: 60_000, max_auth_failures: 30 })
    .describe('Requests per client and window, and failed authentications before a client is locked out.'),
  body_limit: z
    .number()
    .int()
    .min(1024)
    .default(1_048_576)
    .describe('Largest request body accepted, in bytes.'),
  timeouts: z
    .strictObject({
      request: duration.default(30_000).describe("a request's headers and body must arrive within this"),
      idle: duration
        .default(60_000)
        .describe('a connection silent this long is closed (live event streams send heartbeats)'),
      keep_alive: duration.default(5_000).describe('an idle keep-alive connection waits this long'),
    })
    .prefault({})
    .describe('Slow or silent clients are cut off instead of holding a socket for ever.'),
  /** Whose X-Forwarded-For names the client (rate limits and lockouts are per client): none by default. */
  trust_proxy: z
    .union([z.boolean(), z.number().int().min(1), z.array(z.string().min(1)).min(1)])
    .default(false)
    .describe("true, a hop count, or the proxies' addresses/CIDRs (e.g. [127.0.0.1])"),
  sse: z
    .strictObject({
      max_connections: z.number().int().min(1).default(100).describe('live event streams open at once'),
    })
    .prefault({})
    .describe('Live event streams (/api/events).'),
});

export const storeSchema = z
  .strictObject({
    dir: z.string().default('./.medic').describe('SQLite database and pidfiles; relative to the config file'),
    postgres: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
      .optional()
      .describe('share one PostgreSQL between replicas (MEDIC_STORE_URL overrides)'),
  })
  .default({ dir: './.medic' });
