/**
 * medic.yaml: the root schema. Each section lives in its own file under schema/, so a section grows without
 * touching the others; this file assembles them and checks what crosses sections (names that must exist).
 */
import { z } from 'zod';
import { checkName } from './schema/checks.js';
import { ciCrossIssues, ciSchema } from './schema/ci.js';
import { name } from './schema/common.js';
import { depsCrossIssues, depsSchema } from './schema/deps.js';
import { diagnosisSections } from './schema/diagnosis.js';
import { driftCrossIssues, driftSchema } from './schema/drift.js';
import { heartbeatSchema } from './schema/heartbeat.js';
import { notifierNames, notifierSchema } from './schema/notifiers.js';
import { playbookSchema } from './schema/playbooks.js';
import { policySchema } from './schema/policy.js';
import { securitySchema } from './schema/security.js';
import { serverSchema, storeSchema } from './schema/server.js';
import { serviceSchema } from './schema/services.js';

export * from './schema/checks.js';
export * from './schema/ci.js';
export * from './schema/common.js';
export * from './schema/deps.js';
export * from './schema/diagnosis.js';
export * from './schema/drift.js';
export * from './schema/heartbeat.js';
export * from './schema/logs.js';
export * from './schema/metrics.js';
export * from './schema/notifiers.js';
export * from './schema/playbooks.js';
export * from './schema/policy.js';
export * from './schema/security.js';
export * from './schema/server.js';
export * from './schema/services.js';
export * from './schema/slo.js';
export * from './schema/steps.js';

export const configSchema = z
  .strictObject({
    services: z
      .record(name, serviceSchema)
      .default({})
      .describe(
        'The services Medic watches, by name: how each is run or restarted, its checks, logs, metrics, dependencies and SLO.',
      ),
    playbooks: z
      .record(name, playbookSchema)
      .default({})
      .describe(
        'Heals by name: which findings trigger each, its steps, how it is verified, undone and escalated.',
      ),
    policy: policySchema
      .default(policySchema.parse({}))
      .describe(
        "The guard's rails every heal passes: autonomy, rate limits, backoff, blast radius, maintenance windows, approvals and what the learner may change.",
      ),
    notifiers: z
      .array(notifierSchema)
      .prefault([
        {
          log: {},
          events: ['incident.opened', 'incident.resolved', 'incident.escalated', 'incident.flapping'],
        },
      ])
      .describe(
        'Where people hear from Medic, and what. Default: one `log` notifier for incident openings, resolutions, escalations and flapping.',
      ),
    server: serverSchema
      .default(serverSchema.parse({}))
      .describe('The HTTP API, dashboard and receivers: where they listen and how they protect themselves.'),
    store: storeSchema.describe(
      'Where Medic keeps what it knows: a SQLite directory (the default) or a PostgreSQL URL shared by replicas.',
    ),
    security: securitySchema
      .prefault({})
      .describe("Admin networks never banned, and the abuse detector's defaults."),
    ci: ciSchema
      .prefault({})
      .describe(
        "CI/CD pipelines Medic watches (GitHub Actions, GitLab CI, Jenkins): providers, their secrets' environment variables, and the pipelines mapped to services.",
      ),
    heartbeat: heartbeatSchema
      .optional()
      .describe("A dead man's switch: a URL Medic calls every interval while it is alive and working."),
    drift: driftSchema
      .prefault({})
      .describe("Files kept as intended: a change made behind Medic's back is drift."),
    deps: depsSchema
      .prefault({})
      .describe('Projects scanned for vulnerable dependencies, and where advisories come from.'),
    ...diagnosisSections,
  })
  .superRefine((c, ctx) => {
    for (const issue of ciCrossIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of [...driftCrossIssues(c), ...depsCrossIssues(c)])
      ctx.addIssue({ code: 'custom', ...issue });
    for (const [svc, s] of Object.entries(c.services)) {
      s.depends_on.forEach((dep, i) => {
        if (!c.services[dep]) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', svc, 'depends_on', i],
            message: `unknown service "${dep}"`,
          });
        }
      });
      const seen = new Set<string>();
      s.checks.forEach((chk, i) => {
        const n = checkName(chk, i);
        if (seen.has(n))
          ctx.addIssue({
            code: 'custom',
            path: ['services', svc, 'checks', i, 'name'],
            message: `duplicate check name "${n}"`,
          });
        seen.add(n);
      });
    }
    const notifiers = notifierNames(c.notifiers);
    for (const [pb, p] of Object.entries(c.playbooks)) {
      const route = p.escalate.route;
      if (route !== undefined && !notifiers.includes(route)) {
        ctx.addIssue({
          code: 'custom',
          path: ['playbooks', pb, 'escalate', 'route'],
          message: `no notifier is named "${route}" (notifiers: ${notifiers.join(', ') || 'none'})`,
        });
      }
      const after = p.when.after;
      if (after !== undefined && !c.playbooks[after])
        ctx.addIssue({
          code: 'custom',
          path: ['playbooks', pb, 'when', 'after'],
          message: `unknown playbook "${after}"`,
        });
      // A ladder that comes back to itself has no first rung: none of its playbooks could ever run.
      const seen = new Set([pb]);
      for (let next = after; next !== undefined && c.playbooks[next]; next = c.playbooks[next]?.when.after) {
        if (seen.has(next)) {
          ctx.addIssue({
            code: 'custom',
            path: ['playbooks', pb, 'when', 'after'],
            message: `a ladder that loops (${[...seen, next].join(' after ')}): none of it could run`,
          });
          break;
        }
        seen.add(next);
      }
      p.verify.checks?.forEach((ref, i) => {
        const slash = ref.indexOf('/');
        const svc = slash < 0 ? p.when.service : ref.slice(0, slash);
        const check = slash < 0 ? ref : ref.slice(slash + 1);
        if (svc === '*') return; // the healed service is known only at run time
        const s = c.services[svc];
        const known = s
          ? [
              ...s.checks.map((chk, k) => checkName(chk, k)),
              ...(s.run ? ['running'] : []), // the supervised process
              ...(s.logs || s.metrics ? ['telemetry'] : []), // log and metric conditions
            ]
          : [];
        if (!known.includes(check))
          ctx.addIssue({
            code: 'custom',
            path: ['playbooks', pb, 'verify', 'checks', i],
            message: s
              ? `service "${svc}" has no check "${check}" (checks: ${known.join(', ') || 'none'})`
              : `unknown service "${svc}"`,
          });
      });
      if (p.when.service !== '*' && !c.services[p.when.service]) {
        ctx.addIssue({
          code: 'custom',
          path: ['playbooks', pb, 'when', 'service'],
          message: `unknown service "${p.when.service}"`,
        });
      }
      p.steps.forEach((st, i) => {
        const notifyRoute = (st.notify as { route?: unknown } | undefined)?.route;
        if (typeof notifyRoute === 'string' && !notifiers.includes(notifyRoute))
          ctx.addIssue({
            code: 'custom',
            path: ['playbooks', pb, 'steps', i, 'notify', 'route'],
            message: `no notifier is named "${notifyRoute}" (notifiers: ${notifiers.join(', ') || 'none'})`,
          });
        const target = st.restart?.service;
        if (target && !c.services[target]) {
          ctx.addIssue({
            code: 'custom',
            path: ['playbooks', pb, 'steps', i, 'restart', 'service'],
            message: `unknown service "${target}"`,
          });
        }
      });
    }
  });

export type MedicConfig = z.output<typeof configSchema>;
/** JSON Schema of medic.yaml (the input side: durations may be strings). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
