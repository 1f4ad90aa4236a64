/**
 * The address a server's socket is bound to, as a URL. Fastify's `listen` answers with one address it can be
 * reached at (127.0.0.1 for a server bound to 0.0.0.0), which is not where it listens: an operator told
 * "API on http://127.0.0.1:7081" believes the API is local-only while every interface serves it.
 */
import type { Server } from 'node:net';

export function boundUrl(server: Pick<Server, 'address'>, fallback: string): string {
  const a = server.address();
  if (a === null) return fallback;
  if (typeof a === 'string') return `unix:${a}`;
  const host = a.family === 'IPv6' || a.address.includes(':') ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}

/** Whether the socket accepts connections on every interface (0.0.0.0 or ::). */
export function bindsEverywhere(server: Pick<Server, 'address'>): boolean {
  const a = server.address();
  return a !== null && typeof a !== 'string' && (a.address === '0.0.0.0' || a.address === '::');
}
