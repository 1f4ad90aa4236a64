/** `policy`: the guard's rails. */
import { Cron } from 'croner';
import { z } from 'zod';
import { autonomy, duration, name } from './common.js';

export const maintenanceWindowSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    /** When each window opens: a cron expression (5 or 6 fields, croner syntax). */
    cron: z.string().min(1),
    /** How long each window stays open. */
    duration,
    /** An IANA time zone for the cron expression (default: the host's). */
    timezone: z.string().optional(),
    /** Services it covers; absent: all. */
    services: z.array(name).optional(),
  })
  .superRefine((w, ctx) => {
    try {
      new Cron(w.cron, { paused: true, timezone: w.timezone }).stop();
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['cron'], message: (err as Error).message });
    }
  });

export const policySchema = z.strictObject({
  autonomy: autonomy.default('auto'),
  dry_run: z.boolean().default(false),
  /** Failed heals in a row before Medic escalates and stops acting on the service. */
  max_failed_heals: z.number().int().min(1).default(3),
  /** Delay before the n-th retry: initial × factor^(n-1), capped at max. */
  backoff: z
    .strictObject({
      initial: duration.default(1_000),
      factor: z.number().min(1).default(2),
      max: duration.default(300_000),
    })
    .default({ initial: 1_000, factor: 2, max: 300_000 }),
  /** At most this many actions per service per window. */
  rate_limit: z
    .strictObject({ max_actions: z.number().int().min(1).default(10), window: duration.default(3_600_000) })
    .default({ max_actions: 10, window: 3_600_000 }),
  /** An escalated incident is sent to its notifiers again this often until it ends (0: only once). */
  remind_every: duration.default(3_600_000),
  /** A service healthy this long is trusted again after an escalation. */
  healthy_reset: duration.default(600_000),
  /**
   * A service healthy this long with one of its `config_files` unchanged has that file's content recorded as
   * known good (for `config_rollback`). Keep it longer than a broken file takes to fail a check.
   */
  known_good_after: duration.default(30_000),
  /** A heal runs on its own only when the learner-adjusted confidence reaches this; below, a human is asked. */
  confidence_threshold: z.number().min(0).max(1).default(0.85),
  /** Heals in flight at once (all services), and distinct targets one playbook may touch per window. */
  blast_radius: z
    .strictObject({
      max_in_flight: z.number().int().min(1).default(3),
      max_targets_per_playbook: z.number().int().min(1).default(5),
      window: duration.default(3_600_000),
    })
    .default({ max_in_flight: 3, max_targets_per_playbook: 5, window: 3_600_000 }),
  /** Heals never start inside these windows. */
  maintenance: z.array(maintenanceWindowSchema).default([]),
  /** A heal waiting for approval longer than this expires (skipped, audited). */
  approval_ttl: duration.default(3_600_000),
  /**
   * The learner: the confidence is the mean of a Beta posterior whose prior has mean = the diagnosis'
   * confidence and weight `prior_weight` pseudo-outcomes; past outcomes of the (cause, playbook) count with a
   * weight halving every `half_life`.
   */
  learning: z
    .strictObject({
      prior_weight: z.number().positive().default(12),
      half_life: duration.default(30 * 86_400_000),
    })
    .default({ prior_weight: 12, half_life: 30 * 86_400_000 }),
  /** Backup retention: older records go (each file's last known good stays), at most keep_per_path each. */
  backups: z
    .strictObject({
      max_age: duration.default(30 * 86_400_000),
      keep_per_path: z.number().int().min(1).default(20),
    })
    .default({ max_age: 30 * 86_400_000, keep_per_path: 20 }),
  /**
   * Where file steps, config rollbacks and restores may write although it looks unsafe: `shared_dirs` are
   * directories another user can write (refused otherwise: that user could swap the file for a link to a
   * system file); `template_paths` are directories a templated path may reach with an absolute value or `..`.
   */
  files: z
    .strictObject({
      shared_dirs: z.array(z.string().min(1)).default([]),
      template_paths: z.array(z.string().min(1)).default([]),
    })
    .default({ shared_dirs: [], template_paths: [] }),
});

export type PolicyConfig = z.output<typeof policySchema>;
export type MaintenanceWindow = z.output<typeof maintenanceWindowSchema>;
