/** Token management (admin): list, create, revoke. */
import { z } from 'zod';
import { errorMessage, MedicError, parseDuration } from '../../core/index.js';
import type { Router } from '../route.js';
import { ROLES, type TokenStore } from '../tokens.js';
import { tokenInfo } from './schemas.js';

export interface TokenRouteDeps {
  tokens: TokenStore;
  /** Whether the API listens on loopback only: elsewhere the last admin token may not be revoked. */
  loopback: () => boolean;
  /** Called after a revocation, so the token's live event streams end now. */
  revoked: () => void;
  now: () => number;
}

export function registerTokenRoutes(r: Router, { tokens, loopback, revoked, now }: TokenRouteDeps): void {
  r.add({
    method: 'GET',
    url: '/api/tokens',
    tag: 'tokens',
    role: 'admin',
    summary: 'API tokens: names, roles, last use (never the tokens themselves)',
    response: z.object({ items: z.array(tokenInfo) }),
    handler: async () => ({ items: await tokens.list() }),
  });

  r.add({
    method: 'POST',
    url: '/api/tokens',
    tag: 'tokens',
    role: 'admin',
    summary: 'Create a token; the answer is the only place the token ever appears',
    body: z
      .object({
        name: z.string().min(1).max(64),
        role: z.enum(ROLES),
        /** Refused after this long ("30d", "12h"); absent: never expires. */
        expires: z.string().min(1).max(32).optional(),
      })
      .strict(),
    response: z.object({ token: z.string(), info: tokenInfo }),
    handler: async ({ body, reply }) => {
      let expiresAt: number | null = null;
      if (body.expires !== undefined) {
        try {
          expiresAt = now() + parseDuration(body.expires);
        } catch (err) {
          throw new MedicError('bad_request', `expires: ${errorMessage(err)}`);
        }
      }
      const made = await tokens.create(body.name, body.role, { expiresAt });
      void reply.status(201);
      return made;
    },
  });

  r.add({
    method: 'DELETE',
    url: '/api/tokens/:id',
    tag: 'tokens',
    role: 'admin',
    summary:
      'Revoke a token by id or name; its live event streams end. The last admin token is refused (409) unless the API listens on loopback',
    params: z.object({ id: z.string().min(1).max(100) }),
    response: z.object({ revoked: z.boolean() }),
    handler: async ({ params }) => {
      if (!(await tokens.revoke(params.id, { keepAnAdmin: !loopback() })))
        throw new MedicError('not_found', `token ${params.id} not found`);
      revoked();
      return { revoked: true };
    },
  });
}
