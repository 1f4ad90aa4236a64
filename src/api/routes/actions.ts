import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import { paging, parse } from './paging.js';

const actionQuery = z.object({
  ...paging,
  service: z.string().optional(),
  incidentId: z.string().optional(),
  state: z
    .enum([
      'planned',
      'awaiting_approval',
      'backed_up',
      'applied',
      'verified',
      'rolled_back',
      'failed',
      'skipped',
    ])
    .optional(),
});

export function registerActionRoutes(app: FastifyInstance, medic: Medic): void {
  app.get('/api/actions', async (req) => {
    const q = parse(actionQuery, req.query);
    const page = await medic.store.listActions(q);
    return { ...page, limit: q.limit, offset: q.offset };
  });

  app.get<{ Params: { id: string } }>('/api/actions/:id', async (req) => {
    const action = await medic.store.getAction(req.params.id);
    if (!action) throw new NotFoundError(`action ${req.params.id}`);
    return { action, journal: await medic.store.journal(action.id) };
  });

  app.post<{ Params: { id: string } }>('/api/actions/:id/approve', async (req) => {
    if (!(await medic.store.getAction(req.params.id))) throw new NotFoundError(`action ${req.params.id}`);
    return { actions: await medic.engine.approve(req.params.id, 'api') };
  });

  app.post<{ Params: { id: string } }>('/api/actions/:id/reject', async (req) => {
    if (!(await medic.store.getAction(req.params.id))) throw new NotFoundError(`action ${req.params.id}`);
    return { actions: await medic.engine.reject(req.params.id, 'api') };
  });
}
