/** `GET /api/ci`: what the dashboard's CI page shows, from the pipelines' shared history. */
import { z } from 'zod';
import type { Medic } from '../../daemon/index.js';
import { CI_CLASSES } from '../../diagnose/index.js';
import type { Router } from '../route.js';

const DAY = 86_400_000;

const failure = z.object({
  pipeline: z.string(),
  at: z.number(),
  runKey: z.string(),
  run: z.string().nullable(),
  commit: z.string().nullable(),
  workflow: z.string().nullable(),
  cls: z.enum(CI_CLASSES),
  confidence: z.number().nullable(),
  tests: z.array(z.string()),
  url: z.string().nullable(),
  reran: z.boolean().describe('Medic re-ran it'),
  outcome: z.enum(['passed', 'failed']).nullable().describe("the re-run's result; null while none came"),
  settledAt: z.number().nullable(),
});

export function registerCiSummaryRoutes(r: Router, medic: Medic): void {
  r.add({
    method: 'GET',
    url: '/api/ci',
    tag: 'ci',
    role: 'viewer',
    summary: 'CI pipelines: last results, failures by class, re-runs and their outcomes, the flakiest tests',
    query: z.object({
      days: z.coerce.number().int().min(1).max(365).default(30).describe('how far back failures count'),
    }),
    response: z.object({
      since: z.number(),
      pipelines: z.array(
        z.object({
          name: z.string(),
          provider: z.string(),
          repository: z.string(),
          service: z.string(),
          branches: z.array(z.string()),
          last: z
            .object({
              at: z.number(),
              passed: z.boolean(),
              commit: z.string().nullable(),
              workflow: z.string().nullable(),
            })
            .nullable(),
          failures: z.number(),
          reruns: z.number(),
        }),
      ),
      byClass: z.record(z.string(), z.number()),
      reruns: z.object({ total: z.number(), passed: z.number(), failed: z.number(), waiting: z.number() }),
      recent: z.array(failure),
      flakiest: z.array(
        z.object({
          pipeline: z.string(),
          test: z.string(),
          flakyCommits: z.number().describe('commits on which it failed and then passed'),
          failures: z.number(),
          lastAt: z.number(),
        }),
      ),
    }),
    handler: async ({ query }) => medic.ci().summary(medic.clock.now() - query.days * DAY),
  });
}
