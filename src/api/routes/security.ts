/**
 * Security at a glance: the bans the kernel holds now (with a way to lift one), and the latest abuse,
 * vulnerable-dependency and drift findings. Lifting a ban is an operator's call, journaled and audited
 * under their name like any step.
 */
import { z } from 'zod';
import type { Finding } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import { currentBans, liftBan } from '../../remediate/index.js';
import type { Router } from '../route.js';
import { action } from './schemas.js';

const json = z.record(z.string(), z.unknown());
const severity = z.enum(['info', 'warning', 'critical']);

const ban = z.object({
  set: z.string(),
  address: z.string(),
  port: z.number().nullable(),
  timeout: z.number().nullable(),
  expires: z.number().nullable(),
});

const place = z.object({
  netns: z.string().nullable(),
  services: z.array(z.string()),
  bans: z.array(ban),
  error: z.string().nullable(),
});

const securityFinding = z.object({
  id: z.string(),
  service: z.string(),
  check: z.string(),
  kind: z.string(),
  severity,
  summary: z.string(),
  evidence: json,
  at: z.number(),
});

/** How many of the newest findings are searched for the security kinds. */
const SCAN = 2_000;

export function registerSecurityRoutes(r: Router, medic: Medic): void {
  r.add({
    method: 'GET',
    url: '/api/security/bans',
    tag: 'security',
    role: 'viewer',
    summary:
      "The bans in the kernel now, per firewall the config bans in (a network namespace, or the host's), with their time left",
    response: z.object({ places: z.array(place) }),
    handler: async () => ({ places: await currentBans(medic.config()) }),
  });

  r.add({
    method: 'POST',
    url: '/api/security/bans/unblock',
    tag: 'security',
    role: 'operator',
    summary: 'Lift every ban of an address now (journaled as an unblock step under your name)',
    body: z.object({
      address: z.string().min(1).max(64),
      netns: z.string().min(1).max(64).nullable().optional(),
      reason: z.string().max(500).optional(),
    }),
    response: z.object({ lifted: z.boolean(), action }),
    handler: async ({ body, actor }) => liftBan(medic, { ...body, actor: actor?.name ?? 'api' }),
  });

  r.add({
    method: 'GET',
    url: '/api/security/findings',
    tag: 'security',
    role: 'viewer',
    summary: `The newest abuse, vulnerable-dependency and drift findings (searched among the last ${SCAN} findings)`,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
    response: z.object({
      abuse: z.array(securityFinding),
      advisories: z.array(securityFinding),
      drift: z.array(securityFinding),
    }),
    handler: async ({ query }) => {
      const all = await medic.store.listFindings({ limit: SCAN });
      const of = (kind: string) =>
        all
          .filter((f: Finding) => f.kind === kind)
          .slice(0, query.limit)
          .map(({ id, service, check, kind: k, severity: sev, summary, evidence, at }) => ({
            id,
            service,
            check,
            kind: k,
            severity: sev,
            summary,
            evidence,
            at,
          }));
      return { abuse: of('abuse'), advisories: of('vulnerable'), drift: of('drift') };
    },
  });
}
