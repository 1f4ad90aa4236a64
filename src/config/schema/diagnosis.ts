/** Top-level `correlation`, `llm` and `alerts`: how findings become incidents and causes. */
import { z } from 'zod';
import { duration } from './common.js';

/** `correlation`: how findings group into incidents. */
export const correlationSchema = z.strictObject({
  group_window: duration
    .default(300_000)
    .describe("Findings of linked services this close to an incident's last finding join it."),
  dedupe_window: duration
    .default(120_000)
    .describe('The same service, check and kind within this window is a duplicate.'),
  max_changes_per_hour: z
    .number()
    .int()
    .min(1)
    .default(6)
    .describe(
      'More health changes than this per hour is flapping: people are told, and heals go on with a growing delay (policy.backoff per episode past the limit), never held back.',
    ),
  flapping_backoff: z
    .strictObject({
      initial: duration.default(1_000).describe('Delay of the first heal past the flapping limit.'),
      factor: z.number().min(1).default(2).describe('Each further episode multiplies the delay by this.'),
      max: duration.default(300_000).describe('The delay never exceeds this.'),
    })
    .default({ initial: 1_000, factor: 2, max: 300_000 })
    .describe(
      "The delay of a flapping service's heal: initial × factor^(n-1) for the n-th failure episode past the limit, capped at max (the kubelet caps its CrashLoopBackOff at 5 minutes too).",
    ),
  release_after: duration
    .default(5_000)
    .describe(
      "After the root cause's heal verifies, a dependent that still fails gets this long to recover by itself before its own heal is released.",
    ),
  new_failure_after: duration
    .default(30_000)
    .describe(
      'On an incident handed to a human, a member that has stayed healthy this long is failing anew when it fails again: the human is told. A process up only for moments between crashes is one failure, told once.',
    ),
  learn: z
    .strictObject({
      window: duration
        .default(120_000)
        .describe('Two services failing within this of each other count as failing together.'),
      min_together: z
        .number()
        .int()
        .min(1)
        .default(3)
        .describe('Times two services must fail together before a dependency is suggested.'),
      min_score: z
        .number()
        .min(0)
        .max(1)
        .default(0.6)
        .describe('Minimum co-occurrence score (0..1) for a suggestion.'),
    })
    .default({ window: 120_000, min_together: 3, min_score: 0.6 })
    .describe('Learned dependency suggestions (`medic topology`): co-occurrences needed and minimum score.'),
});

/** `llm`: optional diagnosis by any OpenAI-compatible chat endpoint; absent, rules alone decide. */
export const llmSchema = z.strictObject({
  base_url: z.url().describe('e.g. http://127.0.0.1:11434/v1 for Ollama'),
  model: z.string().min(1).describe('The model name the endpoint serves (e.g. `llama3.1`, `gpt-4o-mini`).'),
  api_key_env: z
    .string()
    .optional()
    .describe('Read from this environment variable (never written in the file).'),
  timeout: duration.default(20_000).describe('One request to the model gives up after this.'),
  response_format: z
    .enum(['json_schema', 'json_object'])
    .default('json_schema')
    .describe(
      "How the answer's shape is asked for: `json_schema` (a strict JSON Schema sent with the request) or `json_object` for endpoints without schema support. Either way the answer must be exactly `{cause, confidence, summary, playbook}` (cause: one of the known causes; confidence: 0..1; summary: up to 600 characters; playbook: one of the service's playbooks, or null); any other field, an unknown cause or playbook discards the whole answer.",
    ),
  consult_below: z
    .number()
    .min(0)
    .max(1)
    .default(0.85)
    .describe('The model is asked only when no rule is at least this sure.'),
  alone_cap: z
    .number()
    .min(0)
    .max(1)
    .default(0.7)
    .describe("A cause only the model saw gets at most this confidence (below the guard's auto threshold)."),
  max_log_lines: z
    .number()
    .int()
    .min(1)
    .default(60)
    .describe('Log lines (redacted) sent to the model as evidence, at most.'),
  breaker: z
    .strictObject({
      failures: z
        .number()
        .int()
        .min(1)
        .default(3)
        .describe('Failed requests in a row that open the breaker.'),
      cooldown: duration
        .default(300_000)
        .describe('How long the model is left alone once the breaker opens.'),
    })
    .default({ failures: 3, cooldown: 300_000 })
    .describe(
      'After `failures` failed requests in a row the model is not asked for `cooldown`: rules alone decide meanwhile.',
    ),
});

/** `alerts`: the Alertmanager receiver. */
export const alertsSchema = z.strictObject({
  service_labels: z
    .array(z.string().min(1))
    .min(1)
    .default(['service', 'job', 'app'])
    .describe('Labels that may name the service, first present wins.'),
});

export const diagnosisSections = {
  correlation: correlationSchema
    .default(correlationSchema.parse({}))
    .describe('How findings group into incidents, flapping, and learned dependencies.'),
  llm: llmSchema
    .optional()
    .describe(
      'Optional diagnosis by any OpenAI-compatible chat endpoint, consulted only when no rule is sure. Prompts are redacted of secrets; the model answers one JSON object {cause, confidence, summary, playbook} (see `response_format`); a cause only it saw is capped at `alone_cap`, so it never heals on its own without a rule agreeing. Absent: rules alone decide.',
    ),
  alerts: alertsSchema
    .default(alertsSchema.parse({}))
    .describe('The Alertmanager receiver (POST /api/ingest/alertmanager): how an alert names its service.'),
};

export type CorrelationConfig = z.output<typeof correlationSchema>;
export type LlmConfig = z.output<typeof llmSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
