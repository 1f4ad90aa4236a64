/** Token management (admin): list, create, revoke. */
import { z } from 'zod';
import { MedicError } from '../../core/index.js';
import type { Router } from '../route.js';
import { ROLES, type TokenStore } from '../tokens.js';
import { tokenInfo } from './schemas.js';

export interface TokenRouteDeps {
  tokens: TokenStore;
  /** Whether the API listens on loopback only: elsewhere the last admin token may not be revoked. */
  loopback: () => boolean;
  /** Called after a revocation, so the token's live event streams end now. */
  revoked: () => void;
}

export function registerTokenRoutes(r: Router, { tokens, loopback, revoked }: TokenRouteDeps): void {
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
    body: z.object({ name: z.string().min(1).max(64), role: z.enum(ROLES) }).strict(),
    response: z.object({ token: z.string(), info: tokenInfo }),
    handler: async ({ body, reply }) => {
      void reply.status(201);
      return tokens.create(body.name, body.role);
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
