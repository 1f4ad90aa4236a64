/**
 * The path a request was routed to. Security hooks must decide on what the router matched, not on the raw URL:
 * the router decodes `/%61pi/status` to `/api/status`, so a check of `req.url` would let that request skip
 * every hook that guards `/api/` while still reaching the route.
 */
import type { FastifyRequest } from 'fastify';

/** The matched route's pattern, or for an unmatched request its decoded path. */
export function routedPath(req: FastifyRequest): string {
  const matched = req.routeOptions.url;
  if (matched) return matched;
  const raw = req.url.split('?')[0] ?? req.url;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function isApiRequest(req: FastifyRequest): boolean {
  return routedPath(req).startsWith('/api/');
}
