/** `server` and `store`: where the API listens and where Medic keeps what it knows. */
import { z } from 'zod';
import { duration } from './common.js';

export const serverSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(7070),
  /** Browser origins allowed to call the API; none by default. */
  cors: z.strictObject({ origins: z.array(z.url()).default([]) }).default({ origins: [] }),
  rate_limit: z
    .strictObject({
      max: z.number().int().min(1).default(1200),
      window: duration.default(60_000),
      max_auth_failures: z.number().int().min(1).default(30),
    })
    .default({ max: 1200, window: 60_000, max_auth_failures: 30 }),
  body_limit: z.number().int().min(1024).default(1_048_576),
  /** Slow or silent clients are cut off instead of holding a socket for ever. */
  timeouts: z
    .strictObject({
      request: duration.default(30_000).describe("a request's headers and body must arrive within this"),
      idle: duration
        .default(60_000)
        .describe('a connection silent this long is closed (live event streams send heartbeats)'),
      keep_alive: duration.default(5_000).describe('an idle keep-alive connection waits this long'),
    })
    .prefault({}),
  /** Whose X-Forwarded-For names the client (rate limits and lockouts are per client): none by default. */
  trust_proxy: z
    .union([z.boolean(), z.number().int().min(1), z.array(z.string().min(1)).min(1)])
    .default(false)
    .describe("true, a hop count, or the proxies' addresses/CIDRs (e.g. [127.0.0.1])"),
  sse: z
    .strictObject({
      max_connections: z.number().int().min(1).default(100).describe('live event streams open at once'),
    })
    .prefault({}),
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
