import { z } from 'zod';
import { MedicError } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import type { Router } from '../route.js';
import { ROLES, type TokenStore } from '../tokens.js';
import { auditEntry, tokenInfo } from './schemas.js';

export function registerAuditRoutes(r: Router, medic: Medic, tokens: TokenStore): void {
  r.add({
    method: 'GET',
    url: '/api/audit',
    tag: 'audit',
    role: 'viewer',
    summary:
      'The audit log, newest first: every decision, and every mutating API request with its token name',
    query: z.object({
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      offset: z.coerce.number().int().min(0).default(0),
      subject: z.string().min(1).optional(),
    }),
    response: z.object({
      items: z.array(auditEntry),
      limit: z.number(),
      offset: z.number(),
      hasMore: z.boolean(),
    }),
    handler: async ({ query }) => {
      const rows = await medic.store.listAudit({ ...query, limit: query.limit + 1 });
      return {
        items: rows.slice(0, query.limit),
        limit: query.limit,
        offset: query.offset,
        hasMore: rows.length > query.limit,
      };
    },
  });

  r.add({
    method: 'GET',
    url: '/api/audit/verify',
    tag: 'audit',
    role: 'viewer',
    summary: "Recompute the audit log's hash chain: ok, or the first broken entry",
    response: z.object({ ok: z.boolean(), entries: z.number(), brokenAt: z.number().nullable() }),
    handler: async () => medic.store.verifyAudit(),
  });

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
    summary: 'Revoke a token by id or name',
    params: z.object({ id: z.string().min(1).max(100) }),
    response: z.object({ revoked: z.boolean() }),
    handler: async ({ params }) => {
      if (!(await tokens.revoke(params.id)))
        throw new MedicError('not_found', `token ${params.id} not found`);
      return { revoked: true };
    },
  });
}
