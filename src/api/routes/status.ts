import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import { parse } from './paging.js';

/** Medic counts as lagging when check runs start this much later than due. */
const LAG_LIMIT_MS = 1000;

export function registerStatusRoutes(app: FastifyInstance, medic: Medic): void {
  app.get('/api/health', async (_req, reply) => {
    const s = medic.scheduler.stats();
    const ok = s.lagP99Ms < LAG_LIMIT_MS;
    void reply.status(ok ? 200 : 503);
    return {
      status: ok ? 'ok' : 'lagging',
      uptimeMs: medic.clock.now() - medic.startedAt,
      scheduler: s,
      config: medic.config().file,
    };
  });

  app.get('/api/status', async () => ({ services: medic.status() }));

  app.post('/api/checks/run', async (req) => {
    const body = parse(z.object({ service: z.string().optional() }), req.body);
    if (body.service && !medic.config().config.services[body.service])
      throw new NotFoundError(`service ${body.service}`);
    await medic.runChecks(body.service);
    return { services: medic.status() };
  });

  app.post<{ Params: { name: string } }>('/api/services/:name/reset', async (req) => {
    if (!medic.config().config.services[req.params.name])
      throw new NotFoundError(`service ${req.params.name}`);
    await medic.engine.resetGuard(req.params.name, 'api', 'reset by an operator');
    return { service: req.params.name, reset: true };
  });

  app.get('/api/audit', async (req) => {
    const q = parse(
      z.object({
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      req.query,
    );
    return { items: await medic.store.listAudit(q) };
  });

  app.get('/api/audit/verify', async () => medic.store.verifyAudit());
}
