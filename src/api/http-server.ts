/**
 * The Node HTTP server under fastify, with timeouts: without them a client that sends its headers or body a
 * byte at a time, or opens connections and says nothing, holds a socket for ever (slowloris).
 */
import http from 'node:http';
import type { FastifyServerFactory, RawServerDefault } from 'fastify';

export interface HttpTimeouts {
  /** A request's headers and body must have arrived within this. */
  requestMs: number;
  /** A connection with no traffic either way this long is closed (live event streams send heartbeats). */
  idleMs: number;
  /** How long an idle keep-alive connection waits for its next request. */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { requestMs: 30_000, idleMs: 60_000, keepAliveMs: 5_000 };

export function serverFactory(t: HttpTimeouts): FastifyServerFactory<RawServerDefault> {
  return (handler) => {
    const server = http.createServer(
      {
        requestTimeout: t.requestMs,
        headersTimeout: t.requestMs,
        keepAliveTimeout: t.keepAliveMs,
        // Node checks the request and header timeouts on this interval (default 30 s): a short timeout
        // needs a check at least as often to mean anything.
        connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(t.requestMs / 4))),
      },
      handler,
    );
    server.setTimeout(t.idleMs);
    return server;
  };
}
