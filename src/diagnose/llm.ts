import type OpenAI from 'openai';
import type { ClientOptions } from 'openai';
import { z } from 'zod';
import type { Clock, Diagnosis } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import { CAUSES, type RuleDiagnosis } from './evidence.js';
import { type PromptRedaction, redactForPrompt } from './redact.js';

/**
 * Optional diagnosis by a language model behind any OpenAI-compatible chat endpoint (OpenAI, a local Ollama or
 * vLLM). The model only ever names a cause and picks a playbook from the list it is given; the answer is a
 * fixed JSON shape, checked, and anything else is discarded with the reason. Nothing it writes is run.
 */
export interface LlmOptions {
  /** e.g. http://127.0.0.1:11434/v1 for Ollama. */
  baseURL: string;
  model: string;
  /** Local servers ignore it; the client insists on one. */
  apiKey?: string;
  /** Per call (default 20 s). Medic's own loop must not wait on a slow model. */
  timeoutMs?: number;
  /** Consecutive failed calls that open the breaker (default 3) and how long it stays open (default 5 min). */
  breaker?: { failures?: number; cooldownMs?: number };
  /** `json_schema` (structured outputs) or `json_object` for servers that only know JSON mode. */
  responseFormat?: 'json_schema' | 'json_object';
  redaction?: PromptRedaction;
  /** Causes the model may name (default: the rules' catalogue); it may always say "unknown". */
  causes?: readonly string[];
  /** At most this many log lines go in the prompt, the newest (default 60). */
  maxLogLines?: number;
}

export interface LlmInput {
  service: string;
  title: string;
  openedAt: number;
  timeline: readonly { at: number; kind: string; message: string }[];
  logs: readonly { at: number; line: string }[];
  /** What the rules concluded, as a hint the model may confirm or overrule. */
  rules: readonly RuleDiagnosis[];
  /** The only playbooks the answer may name. */
  allowedPlaybooks: readonly string[];
}

export interface LlmDiagnosis {
  cause: string;
  confidence: number;
  summary: string;
  playbook: string | null;
}

export type LlmResult = { ok: true; diagnosis: LlmDiagnosis; model: string } | { ok: false; reason: string };

/** The answer's shape: strict, so an extra field ("command", "script") discards the whole answer. */
export const llmAnswerSchema = z.strictObject({
  cause: z.string().min(1).max(64),
  confidence: z.number().min(0).max(1),
  summary: z.string().min(1).max(600),
  playbook: z.string().min(1).max(128).nullable(),
});

let sdk: Promise<typeof OpenAI> | undefined;

/** The SDK loads on the first call, not with the daemon: every fork of the daemon pays for what is loaded. */
function loadOpenAI(): Promise<typeof OpenAI> {
  sdk ??= import('openai').then((m) => m.default);
  return sdk;
}

export class LlmDiagnoser {
  private readonly clientOptions: ClientOptions;
  private client: Promise<OpenAI> | null = null;
  private readonly causes: readonly string[];
  private failures = 0;
  private openUntil = 0;

  constructor(
    private readonly opts: LlmOptions,
    private readonly clock: Clock,
  ) {
    this.clientOptions = {
      baseURL: opts.baseURL,
      apiKey: opts.apiKey || 'not-needed',
      timeout: opts.timeoutMs ?? 20_000,
      // One attempt per incident: a retry storm against a struggling model helps nobody; the breaker decides.
      maxRetries: 0,
    };
    this.causes = [...(opts.causes ?? CAUSES), 'unknown'];
  }

  /** Never throws: a failure is a result with the reason, and Medic carries on with the rules alone. */
  async diagnose(input: LlmInput, signal?: AbortSignal): Promise<LlmResult> {
    const now = this.clock.now();
    if (now < this.openUntil) {
      return { ok: false, reason: `LLM breaker open for ${Math.ceil((this.openUntil - now) / 1000)}s more` };
    }
    let content: string | null;
    try {
      this.client ??= loadOpenAI().then((C) => new C(this.clientOptions));
      const client = await this.client;
      const res = await client.chat.completions.create(
        {
          model: this.opts.model,
          temperature: 0,
          messages: [
            { role: 'system', content: systemPrompt(this.causes, input.allowedPlaybooks) },
            { role: 'user', content: userPrompt(input, this.opts) },
          ],
          response_format: this.responseFormat(input.allowedPlaybooks),
        },
        { signal },
      );
      content = res.choices[0]?.message?.content ?? null;
      this.failures = 0;
    } catch (err) {
      this.failed();
      return { ok: false, reason: `LLM call failed: ${redactForPrompt(errorMessage(err))}` };
    }
    return this.check(content, input.allowedPlaybooks);
  }

  /** Validates an answer: JSON, the fixed shape, a known cause, a playbook from the allowed list. */
  check(content: string | null, allowedPlaybooks: readonly string[]): LlmResult {
    if (!content?.trim()) return { ok: false, reason: 'LLM answer discarded: empty' };
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch {
      return { ok: false, reason: `LLM answer discarded: not JSON: ${clip(content)}` };
    }
    const parsed = llmAnswerSchema.safeParse(json);
    if (!parsed.success) {
      const why = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`)
        .join('; ');
      return { ok: false, reason: `LLM answer discarded: ${why}` };
    }
    const a = parsed.data;
    if (!this.causes.includes(a.cause)) {
      return { ok: false, reason: `LLM answer discarded: unknown cause "${clip(a.cause)}"` };
    }
    if (a.playbook !== null && !allowedPlaybooks.includes(a.playbook)) {
      return {
        ok: false,
        reason: `LLM answer discarded: playbook "${clip(a.playbook)}" is not in the allowed list`,
      };
    }
    return { ok: true, diagnosis: a, model: this.opts.model };
  }

  private responseFormat(playbooks: readonly string[]) {
    if (this.opts.responseFormat === 'json_object') return { type: 'json_object' as const };
    return {
      type: 'json_schema' as const,
      json_schema: {
        name: 'medic_diagnosis',
        strict: true,
        schema: answerJsonSchema(this.causes, playbooks),
      },
    };
  }

  private failed(): void {
    this.failures++;
    if (this.failures >= (this.opts.breaker?.failures ?? 3)) {
      this.openUntil = this.clock.now() + (this.opts.breaker?.cooldownMs ?? 300_000);
      this.failures = 0;
    }
  }
}

/** The model's answer as a Diagnosis the engine reads like a rule's. */
export function llmToDiagnosis(r: { diagnosis: LlmDiagnosis; model: string }): Diagnosis {
  return {
    cause: r.diagnosis.cause,
    confidence: r.diagnosis.confidence,
    evidence: [`${r.model}: ${r.diagnosis.summary}`],
    playbooks: r.diagnosis.playbook ? [r.diagnosis.playbook] : [],
  };
}

function answerJsonSchema(causes: readonly string[], playbooks: readonly string[]): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['cause', 'confidence', 'summary', 'playbook'],
    properties: {
      cause: { type: 'string', enum: [...causes] },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
      summary: { type: 'string', maxLength: 600 },
      playbook: { anyOf: [{ type: 'string', enum: [...playbooks] }, { type: 'null' }] },
    },
  };
}

function systemPrompt(causes: readonly string[], playbooks: readonly string[]): string {
  return [
    'You are the diagnosis step of Medic, an automated site-reliability engineer.',
    'From an incident timeline and log excerpts, name the most likely root cause.',
    'Answer with one JSON object and nothing else:',
    '{"cause": string, "confidence": number 0..1, "summary": string (one or two sentences), "playbook": string or null}',
    `cause must be one of: ${causes.join(', ')}.`,
    `playbook must be one of: ${playbooks.length > 0 ? playbooks.join(', ') : '(none: use null)'}, or null.`,
    'Never write commands or scripts: Medic runs only its own playbooks. Say "unknown" rather than guess.',
  ].join('\n');
}

function userPrompt(input: LlmInput, opts: LlmOptions): string {
  const iso = (t: number) => new Date(t).toISOString();
  const logs = input.logs.slice(-(opts.maxLogLines ?? 60));
  const text = [
    `Service: ${input.service}`,
    `Incident: ${input.title} (opened ${iso(input.openedAt)})`,
    '',
    'Timeline:',
    ...input.timeline.map((e) => `- ${iso(e.at)} ${e.kind}: ${e.message}`),
    '',
    'Rule-based candidates:',
    ...(input.rules.length > 0
      ? input.rules.map((d) => `- ${d.cause} (${d.confidence}): ${d.evidence.join('; ')}`)
      : ['- none matched']),
    '',
    `Log excerpt (last ${logs.length} lines):`,
    ...logs.map((l) => `${iso(l.at)} ${l.line.length > 400 ? `${l.line.slice(0, 400)}…` : l.line}`),
  ].join('\n');
  // Redact the assembled text, not its parts: nothing added later can slip past.
  return redactForPrompt(text, opts.redaction);
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return redactForPrompt(one.length > 120 ? `${one.slice(0, 120)}…` : one);
}
