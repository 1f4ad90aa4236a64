import { z } from 'zod';
import type { Medic } from '../../daemon/index.js';
import type { Router } from '../route.js';
import { auditEntry } from './schemas.js';

export function registerAuditRoutes(r: Router, medic: Medic): void {
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
}
