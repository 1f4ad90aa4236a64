import { z } from 'zod';
import { MedicError, parseDuration } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import {
  renderReportHtml,
  renderReportMarkdown,
  reportFromStore,
  topologyFromStore,
} from '../../incidents/index.js';
import type { Router } from '../route.js';

const reportQuery = z.object({
  since: z.string().default('7d').describe('a duration back from now (7d, 24h) or an ISO time'),
  until: z.string().optional().describe('ISO time; default now'),
  format: z.enum(['json', 'md', 'html']).default('json'),
});

/** A time given as a duration back from `now` ("7d") or as an ISO date. */
export function timeArg(value: string, now: number, what: string): number {
  if (/^\d+(ms|s|m|h|d)$/.test(value)) return now - parseDuration(value);
  const t = Date.parse(value);
  if (!Number.isFinite(t))
    throw new MedicError('bad_request', `${what}: "${value}" is neither a duration nor a date`);
  return t;
}

/** `medic report` and `medic topology` over HTTP. */
export function registerReportRoutes(router: Router, medic: Medic): void {
  router.add({
    method: 'GET',
    url: '/api/reports',
    tag: 'reports',
    role: 'viewer',
    summary: 'Uptime, SLO attainment, MTTD, MTTR, heals without a human, false alarms, top causes and cost',
    query: reportQuery,
    handler: async ({ query, reply }) => {
      const now = medic.clock.now();
      const until = query.until ? timeArg(query.until, now, 'until') : now;
      const since = timeArg(query.since, now, 'since');
      if (since >= until) throw new MedicError('bad_request', 'since must be before until');
      const report = await reportFromStore(medic.store, medic.config().config, since, until);
      if (query.format === 'md')
        return reply.type('text/markdown; charset=utf-8').send(renderReportMarkdown(report));
      if (query.format === 'html')
        return reply.type('text/html; charset=utf-8').send(renderReportHtml(report));
      return report;
    },
  });
  router.add({
    method: 'GET',
    url: '/api/topology',
    tag: 'reports',
    role: 'viewer',
    summary: 'The dependency graph from depends_on, its cycles, and dependencies the findings suggest',
    handler: async () => {
      const learn = medic.config().config.correlation.learn;
      return topologyFromStore(medic.store, medic.config().config, {
        windowMs: learn.window,
        minTogether: learn.min_together,
        minScore: learn.min_score,
      });
    },
  });
}
