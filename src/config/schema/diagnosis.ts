/** Top-level `correlation`, `llm` and `alerts`: how findings become incidents and causes. */
import { z } from 'zod';
import { duration } from './common.js';

/** `correlation`: how findings group into incidents. */
export const correlationSchema = z.strictObject({
  /** Findings of linked services this close to an incident's last finding join it. */
  group_window: duration.default(300_000),
  /** The same service, check and kind within this window is a duplicate. */
  dedupe_window: duration.default(120_000),
  /**
   * More health changes than this per hour is flapping: people are told, and heals go on with a growing
   * delay (policy.backoff per episode past the limit), never held back.
   */
  max_changes_per_hour: z.number().int().min(1).default(6),
  /**
   * The delay of a flapping service's heal: initial × factor^(n-1) for the n-th failure episode past the
   * limit, capped at max (the kubelet caps its CrashLoopBackOff at 5 minutes too).
   */
  flapping_backoff: z
    .strictObject({
      initial: duration.default(1_000),
      factor: z.number().min(1).default(2),
      max: duration.default(300_000),
    })
    .default({ initial: 1_000, factor: 2, max: 300_000 }),
  /**
   * After the root cause's heal verifies, a dependent that still fails gets this long to recover by itself
   * before its own heal is released.
   */
  release_after: duration.default(5_000),
  /** Learned dependency suggestions (`medic topology`): co-occurrences needed and minimum score. */
  learn: z
    .strictObject({
      window: duration.default(120_000),
      min_together: z.number().int().min(1).default(3),
      min_score: z.number().min(0).max(1).default(0.6),
    })
    .default({ window: 120_000, min_together: 3, min_score: 0.6 }),
});

/** `llm`: optional diagnosis by any OpenAI-compatible chat endpoint; absent, rules alone decide. */
export const llmSchema = z.strictObject({
  base_url: z.url().describe('e.g. http://127.0.0.1:11434/v1 for Ollama'),
  model: z.string().min(1),
  /** Read from this environment variable (never written in the file). */
  api_key_env: z.string().optional(),
  timeout: duration.default(20_000),
  response_format: z.enum(['json_schema', 'json_object']).default('json_schema'),
  /** The model is asked only when no rule is at least this sure. */
  consult_below: z.number().min(0).max(1).default(0.85),
  /** A cause only the model saw gets at most this confidence (below the guard's auto threshold). */
  alone_cap: z.number().min(0).max(1).default(0.7),
  max_log_lines: z.number().int().min(1).default(60),
  breaker: z
    .strictObject({ failures: z.number().int().min(1).default(3), cooldown: duration.default(300_000) })
    .default({ failures: 3, cooldown: 300_000 }),
});

/** `alerts`: the Alertmanager receiver. */
export const alertsSchema = z.strictObject({
  /** Labels that may name the service, first present wins. */
  service_labels: z.array(z.string().min(1)).min(1).default(['service', 'job', 'app']),
});

export const diagnosisSections = {
  correlation: correlationSchema.default(correlationSchema.parse({})),
  llm: llmSchema.optional(),
  alerts: alertsSchema.default(alertsSchema.parse({})),
};

export type CorrelationConfig = z.output<typeof correlationSchema>;
export type LlmConfig = z.output<typeof llmSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
