import { z } from 'zod';
import type { Medic } from '../../daemon/index.js';
import type { Router } from '../route.js';
import { actionStates, incidentStates } from './schemas.js';

const outcomeStat = z.object({
  cause: z.string(),
  playbook: z.string(),
  attempts: z.number(),
  successes: z.number(),
  successRate: z.number(),
  meanHealMs: z.number().nullable(),
  /**
   * What the learner makes of it now (recent outcomes weigh more): the confidence the guard gives this
   * playbook for this cause when the diagnosis is certain. Below `policy.confidence_threshold`, a heal asks.
   */
  learnedConfidence: z.number(),
});

/** How many outcomes and resolved incidents the statistics look back over. */
const SAMPLE = 2000;

export function registerStatsRoutes(r: Router, medic: Medic): void {
  r.add({
    method: 'GET',
    url: '/api/stats',
    tag: 'stats',
    role: 'viewer',
    summary: 'Counts by state, time to resolve, and learned success rates per (cause, playbook)',
    query: z.object({ service: z.string().min(1).optional() }),
    response: z.object({
      incidents: z.record(z.string(), z.number()),
      actions: z.record(z.string(), z.number()),
      timeToResolve: z.object({
        sample: z.number(),
        meanMs: z.number().nullable(),
        p50Ms: z.number().nullable(),
      }),
      outcomes: z.array(outcomeStat),
    }),
    handler: async ({ query }) => {
      const s = query.service;
      const svc = s ? { service: s } : {};
      const [incidents, actions, outcomes, resolved] = await Promise.all([
        countBy(
          incidentStates,
          async (state) => (await medic.store.listIncidents({ ...svc, state, limit: 1 })).total,
        ),
        countBy(
          actionStates,
          async (state) => (await medic.store.listActions({ ...svc, state, limit: 1 })).total,
        ),
        medic.store.listOutcomes({ ...svc, limit: SAMPLE }),
        medic.store.listIncidents({ ...svc, state: 'resolved', limit: SAMPLE }),
      ]);
      const durations = resolved.items
        .filter((i) => i.resolvedAt !== null)
        .map((i) => i.resolvedAt! - i.openedAt)
        .sort((a, b) => a - b);
      const groups = new Map<
        string,
        Omit<z.output<typeof outcomeStat>, 'learnedConfidence'> & { healTotal: number; healN: number }
      >();
      for (const o of outcomes) {
        const key = `${o.cause}\u0000${o.playbook}`;
        const g = groups.get(key) ?? {
          cause: o.cause,
          playbook: o.playbook,
          attempts: 0,
          successes: 0,
          successRate: 0,
          meanHealMs: null,
          healTotal: 0,
          healN: 0,
        };
        g.attempts++;
        if (o.success) g.successes++;
        if (o.success && o.healMs !== null) {
          g.healTotal += o.healMs;
          g.healN++;
        }
        groups.set(key, g);
      }
      return {
        incidents,
        actions,
        timeToResolve: {
          sample: durations.length,
          meanMs: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null,
          p50Ms: durations.length ? (durations[Math.floor(durations.length / 2)] ?? null) : null,
        },
        outcomes: await Promise.all(
          [...groups.values()].map(async ({ healTotal, healN, ...g }) => ({
            ...g,
            successRate: g.successes / g.attempts,
            meanHealMs: healN ? healTotal / healN : null,
            learnedConfidence: round4((await medic.engine.learner.assess(g.cause, g.playbook, 1)).confidence),
          })),
        ),
      };
    },
  });
}

async function countBy<S extends string>(
  states: readonly S[],
  count: (s: S) => Promise<number>,
): Promise<Record<string, number>> {
  const n = await Promise.all(states.map(count));
  return Object.fromEntries(states.map((s, i) => [s, n[i] ?? 0]));
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
