import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import { paging, parse } from './paging.js';

const incidentQuery = z.object({
  ...paging,
  service: z.string().optional(),
  state: z
    .enum(['active', 'open', 'diagnosing', 'remediating', 'verifying', 'resolved', 'escalated', 'suppressed'])
    .optional(),
});

export function registerIncidentRoutes(app: FastifyInstance, medic: Medic): void {
  app.get('/api/incidents', async (req) => {
    const q = parse(incidentQuery, req.query);
    const page = await medic.store.listIncidents(q);
    return { ...page, limit: q.limit, offset: q.offset };
  });

  app.get<{ Params: { id: string } }>('/api/incidents/:id', async (req) => {
    const incident = await medic.store.getIncident(req.params.id);
    if (!incident) throw new NotFoundError(`incident ${req.params.id}`);
    const [timeline, findings, actions] = await Promise.all([
      medic.store.timeline(incident.id),
      medic.store.listFindings({ incidentId: incident.id, limit: 500 }),
      medic.store.listActions({ incidentId: incident.id, limit: 500 }),
    ]);
    return { incident, timeline, findings, actions: actions.items };
  });
}
