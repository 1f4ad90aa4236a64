import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { MedicError } from '../core/index.js';
import type { Medic } from '../daemon/index.js';
import { createMetrics } from './metrics.js';
import { registerActionRoutes } from './routes/actions.js';
import { registerIncidentRoutes } from './routes/incidents.js';
import { registerStatusRoutes } from './routes/status.js';

const STATUS_OF: Record<string, number> = { not_found: 404, conflict: 409, bad_request: 400 };

export interface ApiServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Builds the HTTP API over a Medic (not listening yet): routes read the store and the live status only. */
export function buildApi(medic: Medic): { app: FastifyInstance; closeMetrics(): void } {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const metrics = createMetrics(medic);
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err instanceof MedicError ? (STATUS_OF[err.code] ?? 500) : (err.statusCode ?? 500);
    const code = err instanceof MedicError ? err.code : (err.code ?? 'internal_error');
    if (status >= 500) medic.logger.error({ err }, 'API error');
    void reply.status(status).send({ error: { code, message: err.message } });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url}` } });
  });
  registerStatusRoutes(app, medic);
  registerIncidentRoutes(app, medic);
  registerActionRoutes(app, medic);
  app.get('/metrics', async (_req, reply) => {
    void reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return { app, closeMetrics: metrics.close };
}

export async function startApi(medic: Medic, host: string, port: number): Promise<ApiServer> {
  const { app, closeMetrics } = buildApi(medic);
  const address = await app.listen({ host, port });
  return {
    app,
    url: address,
    close: async () => {
      closeMetrics();
      await app.close();
    },
  };
}
