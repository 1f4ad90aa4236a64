import { z } from 'zod';
import { NotFoundError } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import { idParams, paged, pageOf, paging, type Router } from '../route.js';
import { action, finding, incident, incidentStates, timelineEntry } from './schemas.js';

const incidentQuery = z.object({
  ...paging,
  service: z.string().min(1).optional(),
  state: z
    .enum(['active', ...incidentStates])
    .optional()
    .describe('`active`: neither resolved nor suppressed'),
});

const findingQuery = z.object({
  ...paging,
  service: z.string().min(1).optional(),
  incidentId: z.string().min(1).optional(),
});

export function registerIncidentRoutes(r: Router, medic: Medic): void {
  r.add({
    method: 'GET',
    url: '/api/incidents',
    tag: 'incidents',
    role: 'viewer',
    summary: 'Incidents, newest first, filtered by state and service',
    query: incidentQuery,
    response: pageOf(incident),
    handler: async ({ query }) => paged(await medic.store.listIncidents(query), query),
  });

  r.add({
    method: 'GET',
    url: '/api/incidents/:id',
    tag: 'incidents',
    role: 'viewer',
    summary: 'One incident with its timeline (oldest first), findings and actions',
    params: idParams,
    response: z.object({
      incident,
      timeline: z.array(timelineEntry),
      findings: z.array(finding),
      actions: z.array(action),
    }),
    handler: async ({ params }) => {
      const found = await medic.store.getIncident(params.id);
      if (!found) throw new NotFoundError(`incident ${params.id}`);
      const [timeline, findings, actions] = await Promise.all([
        medic.store.timeline(found.id),
        medic.store.listFindings({ incidentId: found.id, limit: 500 }),
        medic.store.listActions({ incidentId: found.id, limit: 500 }),
      ]);
      return { incident: found, timeline, findings, actions: actions.items };
    },
  });

  r.add({
    method: 'GET',
    url: '/api/findings',
    tag: 'incidents',
    role: 'viewer',
    summary: "Detectors' findings, newest first",
    query: findingQuery,
    response: pageOf(finding),
    handler: async ({ query }) => {
      const rows = await medic.store.listFindings({ ...query, limit: query.limit + 1 });
      return {
        items: rows.slice(0, query.limit),
        limit: query.limit,
        offset: query.offset,
        hasMore: rows.length > query.limit,
      };
    },
  });
}
