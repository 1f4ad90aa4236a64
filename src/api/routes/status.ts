import { z } from 'zod';
import { NotFoundError } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import type { Router } from '../route.js';
import { probeRecord, serviceStatus } from './schemas.js';

/** Medic counts as lagging when check runs start this much later than due. */
export const LAG_LIMIT_MS = 1000;

const schedulerStats = z.object({
  checks: z.number(),
  runs: z.number(),
  inFlight: z.number(),
  lagP50Ms: z.number(),
  lagP99Ms: z.number(),
  lastLagMs: z.number(),
});

const serviceParams = z.object({ name: z.string().min(1).max(200) });

export function registerStatusRoutes(r: Router, medic: Medic, auth: () => Promise<boolean>): void {
  r.add({
    method: 'GET',
    url: '/api/health',
    tag: 'meta',
    role: 'public',
    summary: "Medic's own health: 503 when the scheduler lags more than 1 s behind its checks",
    response: z.object({
      status: z.enum(['ok', 'lagging']),
      uptimeMs: z.number(),
      scheduler: schedulerStats,
      probes: z.object({ written: z.number(), dropped: z.number() }),
    }),
    handler: async ({ reply }) => {
      const s = medic.scheduler.stats();
      const ok = s.lagP99Ms < LAG_LIMIT_MS;
      void reply.status(ok ? 200 : 503);
      return {
        status: ok ? 'ok' : 'lagging',
        uptimeMs: medic.clock.now() - medic.startedAt,
        scheduler: s,
        probes: { written: medic.probes.written, dropped: medic.probes.dropped },
      };
    },
  });

  r.add({
    method: 'GET',
    url: '/api/me',
    tag: 'meta',
    role: 'viewer',
    summary: 'Who the token belongs to and its role; `auth: false` when the API runs without tokens',
    response: z.object({ name: z.string(), role: z.string(), auth: z.boolean() }),
    handler: async ({ actor }) => ({ name: actor!.name, role: actor!.role, auth: await auth() }),
  });

  r.add({
    method: 'GET',
    url: '/api/status',
    tag: 'services',
    role: 'viewer',
    summary: 'Every service: health, pid, check states',
    response: z.object({
      services: z.array(serviceStatus),
      config: z.string(),
      replica: z.object({ id: z.string(), live: z.array(z.string()) }),
    }),
    handler: async () => ({
      services: medic.status(),
      config: medic.config().file,
      replica: { id: medic.replica.id, live: [...medic.replica.live] },
    }),
  });

  r.add({
    method: 'GET',
    url: '/api/services',
    tag: 'services',
    role: 'viewer',
    summary: 'Every service with the latest result of each of its checks',
    response: z.object({
      items: z.array(serviceStatus.extend({ latest: z.array(probeRecord) })),
    }),
    handler: async () => {
      const latest = await medic.store.latestProbes();
      return {
        items: medic.status().map((s) => ({ ...s, latest: latest.filter((p) => p.service === s.name) })),
      };
    },
  });

  r.add({
    method: 'GET',
    url: '/api/services/:name',
    tag: 'services',
    role: 'viewer',
    summary: 'One service: status, latest check results, guard state (failed heals, escalation)',
    params: serviceParams,
    handler: async ({ params }) => {
      const s = medic.status().find((x) => x.name === params.name);
      if (!s) throw new NotFoundError(`service ${params.name}`);
      const [latest, guard, active] = await Promise.all([
        medic.store.latestProbes(),
        medic.store.getGuardState(s.name),
        medic.store.activeIncident(s.name),
      ]);
      return {
        service: s,
        latest: latest.filter((p) => p.service === s.name),
        guard,
        activeIncident: active,
      };
    },
  });

  r.add({
    method: 'GET',
    url: '/api/services/:name/checks/:check/history',
    tag: 'services',
    role: 'viewer',
    summary: "A check's probe results (latency and outcome), oldest first",
    params: serviceParams.extend({ check: z.string().min(1).max(200) }),
    query: z.object({
      since: z.coerce.number().int().min(0).optional().describe('epoch ms; default the last hour'),
      limit: z.coerce.number().int().min(1).max(5000).default(500),
    }),
    response: z.object({ items: z.array(probeRecord) }),
    handler: async ({ params, query }) => {
      if (!medic.config().config.services[params.name]) throw new NotFoundError(`service ${params.name}`);
      const since = query.since ?? medic.clock.now() - 3_600_000;
      return { items: await medic.store.probeHistory(params.name, params.check, since, query.limit) };
    },
  });

  r.add({
    method: 'POST',
    url: '/api/services/:name/reset',
    tag: 'services',
    role: 'operator',
    summary:
      'Forget failed heals and an escalation, so Medic acts on the service again: one still failing is decided at once (`deciding`)',
    params: serviceParams,
    response: z.object({ service: z.string(), reset: z.literal(true), deciding: z.boolean() }),
    handler: async ({ params, actor }) => {
      if (!medic.config().config.services[params.name]) throw new NotFoundError(`service ${params.name}`);
      const deciding = await medic.engine.resetGuard(params.name, actor!.name, `reset by ${actor!.name}`);
      return { service: params.name, reset: true as const, deciding };
    },
  });

  r.add({
    method: 'POST',
    url: '/api/checks/run',
    tag: 'services',
    role: 'operator',
    summary: "Run the checks now (every service's, or one's) and wait for their verdict",
    body: z.object({ service: z.string().min(1).optional() }).strict(),
    response: z.object({ services: z.array(serviceStatus) }),
    handler: async ({ body }) => {
      if (body.service && !medic.config().config.services[body.service])
        throw new NotFoundError(`service ${body.service}`);
      await medic.runChecks(body.service);
      return { services: medic.status() };
    },
  });
}
