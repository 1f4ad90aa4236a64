import { z } from 'zod';
import type { Medic } from '../../daemon/index.js';
import type { Router } from '../route.js';

const answer = z.object({
  findings: z.number(),
  resolved: z.number(),
  unmapped: z.array(z.object({ fingerprint: z.string(), alertname: z.string(), reason: z.string() })),
});

/** Receivers of external alerts. */
export function registerAlertRoutes(router: Router, medic: Medic): void {
  router.add({
    method: 'POST',
    url: '/api/ingest/alertmanager',
    tag: 'ingest',
    role: 'ingest',
    summary:
      "Alertmanager's webhook (payload version 4): firing alerts open findings of kind `alert`, resolved ones close them",
    response: answer,
    handler: async ({ req, reply }) => {
      const result = await medic.alerts().ingest(req.body);
      if (!result.ok) {
        const { status, error, issues } = result.error;
        return reply.status(status).send({
          error: { code: status === 422 ? 'unsupported_version' : 'bad_request', message: error, issues },
        });
      }
      return result.answer;
    },
  });
}
