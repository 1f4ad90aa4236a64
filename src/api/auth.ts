/**
 * Who is asking: a bearer token names an actor with a role. With no live token in the store the API is open,
 * but only while it listens on loopback (see open-mode.ts and listenPlan), so only this machine's users reach it. Every mutating
 * request by a signed-in actor, allowed or refused (403), is written to the audit log under the token's name.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MedicError } from '../core/index.js';
import type { Store } from '../store/index.js';
import { isLoopback, refuseForeignBrowser, refuseProxied } from './open-mode.js';
import { isApiRequest, routedPath } from './paths.js';
import { type Role, roleAllows, type TokenStore } from './tokens.js';

export interface Actor {
  name: string;
  role: Role;
  /** The token's public id; null when the API runs without tokens. */
  tokenId: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

/** The actor of requests when no token exists (loopback only). */
export const LOCAL_ACTOR: Actor = { name: 'local', role: 'admin', tokenId: null };

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1] ?? '';
}

/** Throws 401 or 403 unless the request's actor holds `role`. */
export function requireRole(req: FastifyRequest, role: Role | 'public'): void {
  if (role === 'public') return;
  if (!req.actor) throw new MedicError('unauthorized', 'sign in: send Authorization: Bearer <token>');
  if (!roleAllows(req.actor.role, role))
    throw new MedicError('forbidden', `${req.actor.name} is ${req.actor.role}; this needs ${role}`);
}

export interface AuthOptions {
  tokens: TokenStore;
  store: Store;
  now: () => number;
  /** Called with the key of a failed sign-in (the client address), for rate limiting. */
  onAuthFailure?: (req: FastifyRequest) => void;
  /** Whether the server listens on loopback only: open mode needs it. */
  loopback: () => boolean;
  /** `server.trust_proxy` is set: a proxy is in front, so open mode serves nobody. */
  behindProxy?: boolean;
}

export function installAuth(app: FastifyInstance, o: AuthOptions): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (req) => {
    if (!isApiRequest(req)) return;
    const token = bearer(req);
    if (token === null) {
      // Open mode: no token exists and the socket is loopback. On any other bind (tokens revoked since the
      // start, say) a request without a token is nobody, whatever its Host header claims.
      if ((await o.tokens.any()) || !o.loopback()) {
        req.actor = null;
        return;
      }
      refuseProxied(req, o.behindProxy ?? false);
      refuseForeignBrowser(req);
      req.actor = LOCAL_ACTOR;
      return;
    }
    const { info, reason } = await o.tokens.authenticate(token);
    if (!info) {
      o.onAuthFailure?.(req);
      throw new MedicError('unauthorized', reason);
    }
    req.actor = { name: info.name, role: info.role, tokenId: info.id };
  });
  app.addHook('onResponse', async (req, reply) => {
    if (!MUTATING.has(req.method) || !isApiRequest(req)) return;
    // Requests without a valid token, or rate limited, carry no name to audit; writing each would let anyone
    // who reaches the port flood the hash-chained log. The refusal is counted in /metrics instead.
    if (!req.actor || reply.statusCode === 429) return;
    const route = routedPath(req);
    await o.store
      .audit({
        at: o.now(),
        actor: req.actor.name,
        event: reply.statusCode < 400 ? 'api.request' : 'api.refused',
        subject: `${req.method} ${route}`,
        data: {
          path: req.url.split('?')[0],
          status: reply.statusCode,
          role: req.actor.role,
          tokenId: req.actor.tokenId,
          ip: req.ip,
        },
      })
      .catch((err: unknown) => req.log.error({ err }, 'audit of an API request failed'));
  });
}

export interface ListenPlan {
  host: string;
  /** Whether requests must carry a token. */
  auth: boolean;
  /** What to tell the operator at start. */
  message: string;
  /** The requested host was replaced by 127.0.0.1 because no token exists. */
  restricted: boolean;
}

/**
 * Decides where the API may listen: anywhere when tokens exist, else loopback only. `medic run` calls this
 * before startApi and logs `message` (a warning when `restricted`).
 */
export async function listenPlan(tokens: TokenStore, requestedHost: string): Promise<ListenPlan> {
  if (await tokens.any())
    return { host: requestedHost, auth: true, restricted: false, message: 'API tokens required' };
  if (isLoopback(requestedHost))
    return {
      host: requestedHost,
      auth: false,
      restricted: false,
      message: `no API token configured: the API is open to local users only on ${requestedHost} (create one with \`medic token create --role admin --name NAME\`)`,
    };
  return {
    host: '127.0.0.1',
    auth: false,
    restricted: true,
    message: `no API token configured: listening on 127.0.0.1 only, not ${requestedHost} (create one with \`medic token create --role admin --name NAME\`, then restart)`,
  };
}
