/** `playbooks.<name>`: when a heal runs, its steps, how it is verified, undone and escalated. */
import { z } from 'zod';
import { autonomy, duration, findingKind, name } from './common.js';
import { stepSchema } from './steps.js';

const severity = z.enum(['info', 'warning', 'critical']);
const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]);

export const triggerSchema = z.strictObject({
  /** A service, or `*`. */
  service: z.union([name, z.literal('*')]).default('*'),
  kind: oneOrMany(findingKind).default('down'),
  /** The diagnosed cause (`process_crashed`, `disk_full`…); absent: any cause, or none. */
  cause: oneOrMany(z.string().min(1)).optional(),
  /** The least severe finding that triggers it. */
  severity: severity.optional(),
  /**
   * Labels the finding must carry (its own: service, check, kind, severity, and those of an Alertmanager
   * alert): `value` is equality, `~regex` a full match of the regex, `!value` inequality.
   */
  labels: z.record(z.string().min(1), z.string()).default({}),
  /** The finding must have held this long before the playbook runs. */
  for: duration.default(0),
  /**
   * A rung of a ladder: this playbook runs only once the named playbook has failed on the same incident, and
   * then in its place (restart first; if that did not heal, clear the cache and restart).
   */
  after: name.optional(),
});

export const playbookSchema = z.strictObject({
  description: z.string().optional(),
  when: triggerSchema,
  steps: z.array(stepSchema).min(1, 'a playbook needs at least one step'),
  verify: z
    .strictObject({
      /** The service must be healthy again within this window. */
      within: duration.default(30_000),
      /** ... and stay healthy this long: a process that dies right after start is not healed. */
      stable_for: duration.default(1_000),
      checks: z
        .array(z.string().regex(/^([A-Za-z0-9_.-]+\/)?[^/\s]+$/, 'a check name, or service/check'))
        .min(1)
        .optional()
        .describe(
          'only these checks must pass (a check of the healed service by name, `running` for its process, ' +
            'or `service/check` for another service); default: the whole service healthy',
        ),
    })
    .default({ within: 30_000, stable_for: 1_000 }),
  /**
   * Explicit undo steps, run after the automatic rollback of the steps that backed something up (or that
   * can undo themselves), when verification fails or a step with `on_failure: rollback` fails.
   */
  rollback: z.array(stepSchema).default([]),
  /** Who is told when this playbook gives up: a notifier name (absent: every notifier of escalations). */
  escalate: z.strictObject({ route: z.string().min(1).optional() }).default({}),
  autonomy: autonomy.optional(),
});

export type PlaybookConfig = z.output<typeof playbookSchema>;
export type TriggerConfig = z.output<typeof triggerSchema>;
