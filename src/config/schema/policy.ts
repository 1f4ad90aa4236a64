/** `policy`: the guard's rails. */
import { Cron } from 'croner';
import { z } from 'zod';
import { autonomy, duration, name } from './common.js';

export const maintenanceWindowSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe("The window's name, for people and the audit log."),
    cron: z
      .string()
      .min(1)
      .describe('When each window opens: a cron expression (5 or 6 fields, croner syntax).'),
    /** How long each window stays open. */
    duration: duration.describe('How long each window stays open.'),
    timezone: z
      .string()
      .optional()
      .describe("An IANA time zone for the cron expression (default: the host's)."),
    services: z.array(name).optional().describe('Services it covers; absent: all.'),
  })
  .superRefine((w, ctx) => {
    try {
      new Cron(w.cron, { paused: true, timezone: w.timezone }).stop();
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['cron'], message: (err as Error).message });
    }
  });

export const policySchema = z.strictObject({
  autonomy: autonomy
    .default('auto')
    .describe(
      'What Medic may do by default: `observe` (detect only), `suggest` (say what it would do), `approve` (wait for a human), `auto` (heal).',
    ),
  dry_run: z.boolean().default(false).describe('Plan and log every heal, change nothing.'),
  max_failed_heals: z
    .number()
    .int()
    .min(1)
    .default(3)
    .describe('Failed heals in a row before Medic escalates and stops acting on the service.'),
  backoff: z
    .strictObject({
      initial: duration.default(1_000).describe('Delay before the first retry.'),
      factor: z.number().min(1).default(2).describe("Each further retry's delay is multiplied by this."),
      max: duration.default(300_000).describe('The delay never exceeds this.'),
    })
    .default({ initial: 1_000, factor: 2, max: 300_000 })
    .describe('Delay before the n-th retry: initial × factor^(n-1), capped at max.'),
  rate_limit: z
    .strictObject({
      max_actions: z.number().int().min(1).default(10).describe('Actions per service per window, at most.'),
      window: duration.default(3_600_000).describe('The window actions are counted in.'),
    })
    .default({ max_actions: 10, window: 3_600_000 })
    .describe('At most this many actions per service per window.'),
  remind_every: duration
    .default(3_600_000)
    .describe(
      'An escalated incident is sent to its notifiers again this often until it ends (0: only once).',
    ),
  healthy_reset: duration
    .default(600_000)
    .describe('A service healthy this long is trusted again after an escalation.'),
  known_good_after: duration
    .default(30_000)
    .describe(
      "A service healthy this long with one of its `config_files` unchanged has that file's content recorded as known good (for `config_rollback`). Keep it longer than a broken file takes to fail a check.",
    ),
  confidence_threshold: z
    .number()
    .min(0)
    .max(1)
    .default(0.85)
    .describe(
      'A heal runs on its own only when the learner-adjusted confidence reaches this; below, a human is asked.',
    ),
  blast_radius: z
    .strictObject({
      max_in_flight: z
        .number()
        .int()
        .min(1)
        .default(3)
        .describe('Heals running at once across all services.'),
      max_targets_per_playbook: z
        .number()
        .int()
        .min(1)
        .default(5)
        .describe('Distinct services one playbook may act on per window.'),
      window: duration.default(3_600_000).describe('The window the blast radius counts targets in.'),
    })
    .default({ max_in_flight: 3, max_targets_per_playbook: 5, window: 3_600_000 })
    .describe(
      'Heals in flight at once (all services), and distinct targets one playbook may touch per window.',
    ),
  maintenance: z
    .array(maintenanceWindowSchema)
    .default([])
    .describe('Heals never start inside these windows.'),
  approval_ttl: duration
    .default(3_600_000)
    .describe(
      'A heal waiting for approval longer than this expires: the step is skipped, audited and an `action.expired` notice sent; if the service still fails, Medic decides again and asks anew.',
    ),
  learning: z
    .strictObject({
      prior_weight: z
        .number()
        .positive()
        .default(12)
        .describe("How many pseudo-outcomes the diagnosis' own confidence weighs."),
      half_life: duration
        .default(30 * 86_400_000)
        .describe('Past outcomes count with a weight halving every this long.'),
    })
    .default({ prior_weight: 12, half_life: 30 * 86_400_000 })
    .describe(
      "The learner: the confidence is the mean of a Beta posterior whose prior has mean = the diagnosis' confidence and weight `prior_weight` pseudo-outcomes; past outcomes of the (cause, playbook) count with a weight halving every `half_life`.",
    ),
  backups: z
    .strictObject({
      max_age: duration
        .default(30 * 86_400_000)
        .describe("Backups older than this are pruned (a file's last known good stays)."),
      keep_per_path: z.number().int().min(1).default(20).describe('At most this many backups per file.'),
    })
    .default({ max_age: 30 * 86_400_000, keep_per_path: 20 })
    .describe(
      "Backup retention: older records go (each file's last known good stays), at most keep_per_path each.",
    ),
  files: z
    .strictObject({
      shared_dirs: z
        .array(z.string().min(1))
        .default([])
        .describe('Directories other users can write where file steps may still write.'),
      template_paths: z
        .array(z.string().min(1))
        .default([])
        .describe('Directories a templated path may reach with an absolute value or `..`.'),
    })
    .default({ shared_dirs: [], template_paths: [] })
    .describe(
      'Where file steps, config rollbacks and restores may write although it looks unsafe: `shared_dirs` are directories another user can write (refused otherwise: that user could swap the file for a link to a system file); `template_paths` are directories a templated path may reach with an absolute value or `..`.',
    ),
});

export type PolicyConfig = z.output<typeof policySchema>;
export type MaintenanceWindow = z.output<typeof maintenanceWindowSchema>;
