/**
 * The playbooks of the config as it is now, so the dashboard can offer "run this playbook now" for a service:
 * each with the service its trigger names (`*`: any), its finding kinds, its autonomy and its step count.
 */
import { z } from 'zod';
import type { Medic } from '../../daemon/index.js';
import type { Router } from '../route.js';

const entry = z.object({
  name: z.string(),
  description: z.string().nullable(),
  service: z.string(),
  kinds: z.array(z.string()),
  after: z.string().nullable(),
  autonomy: z.string().nullable(),
  steps: z.number(),
});

export function registerPlaybookCatalogRoutes(r: Router, medic: Medic): void {
  r.add({
    method: 'GET',
    url: '/api/playbooks',
    tag: 'healing',
    role: 'viewer',
    summary:
      'The configured playbooks: the service each is for (`*`: any), its trigger kinds, autonomy and step count',
    query: z.object({ service: z.string().min(1).optional() }),
    response: z.object({ items: z.array(entry) }),
    handler: async ({ query }) => {
      const items = Object.entries(medic.config().config.playbooks)
        .filter(([, p]) => !query.service || p.when.service === '*' || p.when.service === query.service)
        .map(([name, p]) => ({
          name,
          description: p.description ?? null,
          service: p.when.service,
          kinds: Array.isArray(p.when.kind) ? [...p.when.kind] : [p.when.kind],
          after: p.when.after ?? null,
          autonomy: p.autonomy ?? null,
          steps: p.steps.length,
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
      return { items };
    },
  });
}
