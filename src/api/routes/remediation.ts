/**
 * Healing controls: the stop switch, silences, backups (list, roll back) and what the learner has learned.
 * Operators may silence, roll back, stop healing and resume it: whoever is on call pulls the brake at 3 a.m.
 * and lets go of it when the work is done, without waking an admin. Resuming starts nothing by itself: what
 * the stop held back is decided again, through every other rail (confidence, rate limits, approvals).
 */
import { z } from 'zod';
import { MedicError, parseDuration } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import { summarizeOutcomes } from '../../learn/index.js';
import { parseMatcher } from '../../remediate/index.js';
import { idParams, type Router } from '../route.js';

const healingSwitch = z.object({
  stopped: z.boolean(),
  actor: z.string(),
  reason: z.string(),
  at: z.number(),
});
const matcher = z.object({
  name: z.string().min(1),
  op: z.enum(['=', '!=', '=~', '!~']).default('='),
  value: z.string(),
});
const silence = z.object({
  id: z.string(),
  matchers: z.array(matcher),
  startsAt: z.number(),
  endsAt: z.number(),
  createdBy: z.string(),
  comment: z.string(),
  createdAt: z.number(),
  active: z.boolean(),
});
const backupRecord = z.object({
  id: z.string(),
  actionId: z.string().nullable(),
  path: z.string(),
  exists: z.boolean(),
  mode: z.number().nullable(),
  size: z.number(),
  hash: z.string().nullable(),
  createdAt: z.number(),
  seq: z.number(),
  incidentId: z.string().nullable(),
  reason: z.string().nullable(),
  confidence: z.number().nullable(),
  good: z.boolean(),
  goodAt: z.number().nullable(),
});
const reasonBody = z.object({ reason: z.string().max(500).default('') });

function badRequest(err: unknown): never {
  throw new MedicError('bad_request', err instanceof Error ? err.message : String(err));
}

export function registerRemediationRoutes(r: Router, medic: Medic): void {
  const engine = medic.engine;
  const now = () => medic.clock.now();

  r.add({
    method: 'GET',
    url: '/api/healing',
    tag: 'healing',
    role: 'viewer',
    summary: 'The global stop switch: whether heals may start',
    response: healingSwitch,
    handler: async () => engine.healingSwitch(),
  });
  r.add({
    method: 'POST',
    url: '/api/healing/stop',
    tag: 'healing',
    role: 'operator',
    summary: 'Stop every new heal until healing is resumed (running steps finish); audited',
    body: reasonBody,
    response: healingSwitch,
    handler: async ({ body, actor }) => engine.stopHealing(actor!.name, body.reason),
  });
  r.add({
    method: 'POST',
    url: '/api/healing/resume',
    tag: 'healing',
    role: 'operator',
    summary:
      'Let heals run again; what the stop held back is decided again now, through every other rail; audited',
    body: reasonBody,
    response: healingSwitch,
    handler: async ({ body, actor }) => engine.resumeHealing(actor!.name, body.reason),
  });

  r.add({
    method: 'GET',
    url: '/api/silences',
    tag: 'healing',
    role: 'viewer',
    summary: 'Silences, newest first; `active=true` lists those in force now',
    query: z.object({ active: z.enum(['true', 'false']).optional() }),
    response: z.object({ items: z.array(silence) }),
    handler: async ({ query }) => {
      const t = now();
      const list = await medic.store.listSilences(query.active === 'true' ? { activeAt: t } : { limit: 500 });
      return { items: list.map((s) => ({ ...s, active: s.startsAt <= t && t < s.endsAt })) };
    },
  });
  r.add({
    method: 'POST',
    url: '/api/silences',
    tag: 'healing',
    role: 'operator',
    summary:
      'Silence heals of findings whose labels match every matcher (`service=api`, `alertname=~Disk.*`) until it ends',
    body: z
      .object({
        matchers: z.array(z.union([z.string(), matcher])).min(1),
        /** A duration from now ("2h") … */
        duration: z.union([z.string(), z.number()]).optional(),
        /** … or an end time (epoch ms). */
        endsAt: z.number().optional(),
        startsAt: z.number().optional(),
        comment: z.string().max(500).optional(),
      })
      .refine((b) => (b.duration === undefined) !== (b.endsAt === undefined), {
        message: 'give exactly one of duration, endsAt',
      }),
    response: silence,
    handler: async ({ body, actor, reply }) => {
      let matchers: z.output<typeof matcher>[];
      let endsAt: number;
      try {
        matchers = body.matchers.map((m) => (typeof m === 'string' ? parseMatcher(m) : m));
        endsAt = body.endsAt ?? (body.startsAt ?? now()) + parseDuration(body.duration!);
      } catch (err) {
        badRequest(err);
      }
      const s = await engine
        .createSilence({ matchers, endsAt, startsAt: body.startsAt, comment: body.comment }, actor!.name)
        .catch((err: unknown) => badRequest(err));
      void reply.status(201);
      return { ...s, active: s.startsAt <= now() && now() < s.endsAt };
    },
  });
  r.add({
    method: 'DELETE',
    url: '/api/silences/:id',
    tag: 'healing',
    role: 'operator',
    summary: 'End a silence now; what it held back is decided again',
    params: idParams,
    response: silence,
    handler: async ({ params, actor }) => {
      const s = await engine.expireSilence(params.id, actor!.name);
      return { ...s, active: false };
    },
  });

  r.add({
    method: 'GET',
    url: '/api/backups',
    tag: 'healing',
    role: 'viewer',
    summary: 'File backups taken before changes (and known good versions), newest first',
    query: z.object({
      path: z.string().min(1).optional(),
      actionId: z.string().min(1).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    response: z.object({ items: z.array(backupRecord) }),
    handler: async ({ query }) => ({
      items: (await engine.backups.list({ path: query.path, actionId: query.actionId })).slice(
        0,
        query.limit,
      ),
    }),
  });
  r.add({
    method: 'POST',
    url: '/api/backups/:id/rollback',
    tag: 'healing',
    role: 'operator',
    summary: 'Restore a backup byte for byte (the current content is backed up first); audited',
    params: idParams,
    response: z.object({ restored: backupRecord, previous: backupRecord }),
    handler: async ({ params, actor }) => engine.rollbackBackup(params.id, actor!.name),
  });

  r.add({
    method: 'GET',
    url: '/api/learning',
    tag: 'healing',
    role: 'viewer',
    summary:
      'Outcomes by (cause, playbook): attempts, success rate, mean time to heal, and the learner-adjusted confidence',
    query: z.object({ service: z.string().min(1).optional() }),
    response: z.object({
      policy: z.object({ threshold: z.number(), priorWeight: z.number(), halfLifeMs: z.number() }),
      total: z.number(),
      successes: z.number(),
      successRate: z.number().nullable(),
      meanHealMs: z.number().nullable(),
      groups: z.array(
        z.object({
          cause: z.string(),
          playbook: z.string(),
          attempts: z.number(),
          successes: z.number(),
          failures: z.number(),
          successRate: z.number(),
          learnedConfidence: z.number(),
          meanHealMs: z.number().nullable(),
          lastAt: z.number(),
        }),
      ),
    }),
    handler: async ({ query }) => {
      const policy = medic.config().config.policy;
      const outcomes = await medic.store.listOutcomesBy({ service: query.service, limit: 5000 });
      return {
        policy: {
          threshold: policy.confidence_threshold,
          priorWeight: policy.learning.prior_weight,
          halfLifeMs: policy.learning.half_life,
        },
        ...summarizeOutcomes(outcomes, now(), policy.learning),
      };
    },
  });
}
