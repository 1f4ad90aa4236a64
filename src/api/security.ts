/**
 * HTTP hardening without extra dependencies: security headers on every answer, CORS only for configured
 * origins, and a fixed-window rate limit per token (or per client address before sign-in).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MedicError } from '../core/index.js';
import { bearer } from './auth.js';
import { isApiRequest } from './paths.js';

export interface CorsOptions {
  /** Exact origins allowed to call the API from a browser, e.g. https://ops.example.com. Empty: CORS off. */
  origins: string[];
}

export interface RateLimitOptions {
  /** Requests per window per token or client address. */
  max: number;
  windowMs: number;
  /** Failed sign-ins per window per client address before it is refused for the rest of the window. */
  maxAuthFailures: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 1200, windowMs: 60_000, maxAuthFailures: 30 };

/** The dashboard's policy: its own scripts and styles only; uPlot sets element styles from script. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export function securityHeaders(url: string): Record<string, string> {
  const h: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
    'content-security-policy': CONTENT_SECURITY_POLICY,
  };
  if (url.startsWith('/api/')) h['cache-control'] = 'no-store';
  return h;
}

export function installSecurity(
  app: FastifyInstance,
  o: { cors?: CorsOptions; rateLimit: RateLimitOptions; now: () => number },
): { limiter: RateLimiter } {
  const limiter = new RateLimiter(o.rateLimit, o.now);
  const origins = new Set(o.cors?.origins ?? []);
  app.addHook('onRequest', async (req, reply) => {
    // The routed path, not the raw URL: `/%61pi/…` reaches /api/ routes and must meet the same hooks.
    const api = isApiRequest(req);
    void reply.headers(securityHeaders(api ? '/api/' : req.url));
    applyCors(req, reply, origins, api);
    if (req.method === 'OPTIONS' && origins.size > 0 && api) {
      await reply.status(204).send();
      return reply;
    }
    if (api) limiter.check(req, reply);
  });
  return { limiter };
}

function applyCors(req: FastifyRequest, reply: FastifyReply, origins: Set<string>, api: boolean): void {
  const origin = req.headers.origin;
  if (!origin || !origins.has(origin) || !api) return;
  void reply.headers({
    'access-control-allow-origin': origin,
    vary: 'Origin',
    'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type, last-event-id',
    'access-control-max-age': '600',
  });
}

/** Fixed windows per key; memory is bounded by dropping every window when the map grows large. */
export class RateLimiter {
  private readonly hits = new Map<string, { start: number; n: number }>();
  private readonly failures = new Map<string, { start: number; n: number }>();

  constructor(
    private readonly o: RateLimitOptions,
    private readonly now: () => number,
  ) {}

  /** Counts an API request (the caller decides which requests are API requests). */
  check(req: FastifyRequest, reply: FastifyReply): void {
    const failed = this.count(this.failures, req.ip, false);
    if (failed > this.o.maxAuthFailures) this.refuse(reply, 'too many failed sign-ins');
    const token = bearer(req);
    const key = token ? `t:${token.slice(0, 19)}` : `ip:${req.ip}`;
    const n = this.count(this.hits, key, true);
    void reply.header('x-ratelimit-limit', String(this.o.max));
    void reply.header('x-ratelimit-remaining', String(Math.max(0, this.o.max - n)));
    if (n > this.o.max) this.refuse(reply, 'rate limit exceeded');
  }

  authFailed(req: FastifyRequest): void {
    this.count(this.failures, req.ip, true);
  }

  private count(map: Map<string, { start: number; n: number }>, key: string, add: boolean): number {
    const now = this.now();
    let w = map.get(key);
    if (!w || now - w.start >= this.o.windowMs) {
      if (map.size > 10_000) map.clear();
      w = { start: now, n: 0 };
      map.set(key, w);
    }
    if (add) w.n++;
    return w.n;
  }

  private refuse(reply: FastifyReply, why: string): never {
    void reply.header('retry-after', String(Math.ceil(this.o.windowMs / 1000)));
    throw new MedicError('rate_limited', why);
  }
}
