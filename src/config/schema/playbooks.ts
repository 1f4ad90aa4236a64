/** `playbooks.<name>`: when a heal runs, its steps, how it is verified, undone and escalated. */
import { z } from 'zod';
import { autonomy, duration, findingKind, name } from './common.js';
import { stepSchema } from './steps.js';

/** The verify window when a playbook names none. */
export const DEFAULT_VERIFY_WITHIN = 30_000;
/**
 * ... and for a playbook that re-runs CI: the re-run's result arrives when the pipeline has run again, queue
 * included, which takes minutes to tens of minutes. One hour is GitLab's default job timeout: a re-run that
 * has not reported by then has failed by its provider's own measure.
 */
export const DEFAULT_CI_VERIFY_WITHIN = 3_600_000;

const severity = z.enum(['info', 'warning', 'critical']);
const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]);

export const triggerSchema = z.strictObject({
  service: z
    .union([name, z.literal('*')])
    .default('*')
    .describe('A service, or `*`.'),
  kind: oneOrMany(findingKind)
    .default('down')
    .describe(
      'The finding kinds that trigger it (`down`, `degraded`, `anomaly`, `pattern`, `forecast`, `alert`, ...), one or a list.',
    ),
  cause: oneOrMany(z.string().min(1))
    .optional()
    .describe('The diagnosed cause (`process_crashed`, `disk_full`…); absent: any cause, or none.'),
  severity: severity.optional().describe('The least severe finding that triggers it.'),
  labels: z
    .record(z.string().min(1), z.string())
    .default({})
    .describe(
      'Labels the finding must carry (its own: service, check, kind, severity, and those of an Alertmanager alert): `value` is equality, `~regex` a full match of the regex, `!value` inequality.',
    ),
  for: duration.default(0).describe('The finding must have held this long before the playbook runs.'),
  after: name
    .optional()
    .describe(
      'A rung of a ladder: this playbook runs only once the named playbook has failed on the same incident, and then in its place (restart first; if that did not heal, clear the cache and restart).',
    ),
});

export const playbookSchema = z
  .strictObject({
    description: z.string().optional().describe('What the playbook does, for people.'),
    when: triggerSchema.describe('Which findings trigger this playbook.'),
    steps: z
      .array(stepSchema)
      .min(1, 'a playbook needs at least one step')
      .describe('The steps, in order; each journaled, backed up and audited.'),
    verify: z
      .strictObject({
        within: duration
          .optional()
          .describe(
            'The service must be healthy again within this window. Default: 30s, or 1h for a playbook with a `ci_rerun` step (the re-run must run the pipeline again).',
          ),
        stable_for: duration
          .default(1_000)
          .describe('... and stay healthy this long: a process that dies right after start is not healed.'),
        checks: z
          .array(z.string().regex(/^([A-Za-z0-9_.-]+\/)?[^/\s]+$/, 'a check name, or service/check'))
          .min(1)
          .optional()
          .describe(
            'only these checks must pass (a check of the healed service by name, `running` for its process, ' +
              'or `service/check` for another service); default: the whole service healthy',
          ),
      })
      .default({ stable_for: 1_000 })
      .describe(
        'How the heal is verified: the checks that must pass within `within` and stay passing `stable_for`.',
      ),
    rollback: z
      .array(stepSchema)
      .default([])
      .describe(
        'Explicit undo steps, run after the automatic rollback of the steps that backed something up (or that can undo themselves), when verification fails or a step with `on_failure: rollback` fails.',
      ),
    escalate: z
      .strictObject({
        route: z
          .string()
          .min(1)
          .optional()
          .describe(
            "The notifier (by name) that gets this playbook's escalations alone; absent: every notifier subscribed to `incident.escalated`.",
          ),
      })
      .default({})
      .describe(
        'Who is told when this playbook gives up: a notifier name (absent: every notifier of escalations).',
      ),
    autonomy: autonomy
      .optional()
      .describe("Overrides the service's and the policy's autonomy for this playbook."),
  })
  .transform((p) => ({
    ...p,
    verify: {
      ...p.verify,
      within:
        p.verify.within ??
        (p.steps.some((s) => s.ci_rerun !== undefined) ? DEFAULT_CI_VERIFY_WITHIN : DEFAULT_VERIFY_WITHIN),
    },
  }));

export type PlaybookConfig = z.output<typeof playbookSchema>;
export type TriggerConfig = z.output<typeof triggerSchema>;
