import { z } from 'zod';
import { MedicError } from '../../core/index.js';
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
    // A full walk is real work for the process: operators ask for it, viewers read the log.
    role: 'operator',
    summary:
      "Recompute the audit log's hash chain from its newest checkpoint (`full=true`: from the first entry), a batch at a time between other requests: ok, or the first broken entry",
    query: z.object({ full: z.enum(['true', 'false']).default('false') }),
    response: z.object({
      ok: z.boolean(),
      entries: z.number(),
      brokenAt: z.number().nullable(),
      from: z.number(),
      checked: z.number(),
    }),
    handler: async ({ query }) => {
      const full = query.full === 'true';
      const v = await medic.store.verifyAudit({ incremental: !full, now: medic.clock.now() });
      return { ...v, from: v.from ?? 0, checked: v.checked ?? v.entries };
    },
  });

  r.add({
    method: 'GET',
    url: '/api/audit/head',
    tag: 'audit',
    role: 'viewer',
    summary:
      "The newest audit entry's seq and hash (or entry `seq`'s): publish it elsewhere, and a later truncation or rewrite shows when the entry no longer has that hash",
    query: z.object({ seq: z.coerce.number().int().min(1).optional() }),
    response: z.object({ seq: z.number(), hash: z.string(), at: z.number() }),
    handler: async ({ query }) => {
      const head = await medic.store.auditHead(query.seq);
      if (!head)
        throw new MedicError(
          'not_found',
          query.seq ? `no audit entry ${query.seq}` : 'the audit log is empty',
        );
      return head;
    },
  });
}
