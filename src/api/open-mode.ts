/**
 * Open mode: with no live API token the API serves every request as the local admin. That trust belongs to the
 * loopback interface, so whether it applies is read from the address the server listens on, never from a
 * header a client writes (a Host header says whatever the client likes). A web page the operator happens to
 * open must not borrow the trust either: a foreign Host (DNS rebinding) and a change from another origin
 * (CSRF; any other port of this machine is another origin) are refused. Nor may a reverse proxy on this
 * machine lend it: the proxy connects from loopback (and nginx sends `Host: 127.0.0.1:7070`), so a proxied
 * request would look local while it comes from anyone the proxy serves.
 */
import type { Server } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { MedicError } from '../core/index.js';

const LOOPBACK_NAMES = new Set(['localhost', '[::1]', '::1']);
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and the name localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^::ffff:/, '');
  return LOOPBACK_NAMES.has(h) || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Whether the server listens on loopback only. A Unix socket is local too. A server that is not listening is
 * reached only in-process (fastify's inject), so it counts as local.
 */
export function listensOnLoopback(server: Server): boolean {
  const a = server.address();
  if (a === null || typeof a === 'string') return true;
  return isLoopback(a.address);
}

/** Headers a proxy adds to name the client; a request that carries one passed through a proxy. */
const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

/**
 * Throws 401 for a request that came, or may have come, through a proxy: with `server.trust_proxy` set the
 * operator says a proxy is in front; otherwise a proxy's forwarding header gives it away. A local client
 * that sends one itself loses nothing it cannot get back with a token.
 */
export function refuseProxied(req: FastifyRequest, trustProxy: boolean): void {
  const fix = 'create an API token (`medic token create --role admin --name NAME`)';
  if (trustProxy)
    throw new MedicError(
      'unauthorized',
      `without API tokens the API serves only this machine's users, and server.trust_proxy says a proxy is in front: ${fix}`,
    );
  const header = PROXY_HEADERS.find((h) => req.headers[h] !== undefined);
  if (header)
    throw new MedicError(
      'unauthorized',
      `without API tokens a proxied request (${header}) is not served: the proxy's clients are not this machine's users; ${fix}`,
    );
}

/** Throws 403 for a request that a browser page of another site (or another local port) made. */
export function refuseForeignBrowser(req: FastifyRequest): void {
  const hostHeader = (req.headers.host ?? '').toLowerCase();
  const host = hostHeader.replace(/:\d+$/, '');
  if (host && !isLoopback(host)) {
    throw new MedicError('forbidden', `without API tokens only loopback hosts are served, not "${host}"`);
  }
  if (!MUTATING.has(req.method)) return;
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  // The whole origin (scheme, host and port): a page on 127.0.0.1:8000 is not the dashboard on :7070.
  const foreignOrigin = origin !== undefined && origin.toLowerCase() !== `http://${hostHeader}`;
  const foreignSite = site !== undefined && site !== 'same-origin' && site !== 'none';
  if (foreignOrigin || foreignSite) {
    throw new MedicError('forbidden', 'a cross-origin request may not change anything; create an API token');
  }
}
