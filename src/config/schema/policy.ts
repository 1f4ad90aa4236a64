/** `policy`: the guard's rails. */
import { z } from 'zod';
import { autonomy, duration } from './common.js';

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
  /** A service healthy this long is trusted again after an escalation. */
  healthy_reset: duration.default(600_000),
});

export type PolicyConfig = z.output<typeof policySchema>;
