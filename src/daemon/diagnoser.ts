import type { Logger } from 'pino';
import type { LlmConfig, MedicConfig } from '../config/index.js';
import type { Diagnosis, Finding, Incident } from '../core/index.js';
import { type DiagnoseResult, diagnose, LlmDiagnoser, type PlaybookMap } from '../diagnose/index.js';
import { gatherEvidence } from './evidence.js';
import type { EvidenceHost } from './host.js';

/** What the diagnoser reads of the daemon: the evidence, the config, the store's timeline. */
export type DiagnoserHost = EvidenceHost & { readonly logger: Logger };

/** A diagnosis made and written down: what the engine may act on, and the cause named (if any). */
export interface Diagnosed {
  /** Given to the engine only when it can act on it (a playbook of its own, or sure enough). */
  diagnosis: Diagnosis | undefined;
  named: string | null;
}

/**
 * The diagnose stage of DESIGN.md for one finding: the evidence gathered live, the rules, then the optional
 * LLM when the rules are unsure; the result goes to the incident's timeline with its candidates.
 */
export class Diagnoser {
  private llm: { key: string; diagnoser: LlmDiagnoser } | null = null;

  constructor(private readonly host: DiagnoserHost) {}

  /** Diagnoses the finding and records the diagnosis on the incident. Never throws. */
  async diagnoseAndRecord(f: Finding, incident: Incident, signal: AbortSignal): Promise<Diagnosed> {
    try {
      const result = await this.diagnose(f, incident, signal);
      const best = result.best;
      const llm = result.llm
        ? result.llm.ok
          ? { ok: true, model: result.llm.model, cause: result.llm.diagnosis.cause }
          : { ok: false, reason: result.llm.reason }
        : null;
      const message = best
        ? `${f.service}: ${best.cause} (confidence ${best.confidence})${best.evidence[0] ? `: ${best.evidence[0]}` : ''}`
        : `${f.service}: no known cause matches the evidence`;
      await this.host.store.addTimeline(incident.id, this.host.clock.now(), 'diagnosis', message, {
        service: f.service,
        cause: best?.cause ?? 'unknown',
        confidence: best?.confidence ?? 0,
        evidence: best?.evidence ?? [],
        playbooks: best?.playbooks ?? [],
        target: best?.target ?? null,
        candidates: result.candidates.map((c) => ({ cause: c.cause, confidence: c.confidence })),
        llm,
      });
      // The engine gates its heal on the diagnosis' confidence. A diagnosis that is unsure and proposes no
      // playbook of its own says nothing about the playbook the finding triggers: the engine is told only
      // what it can act on, and the timeline keeps the rest.
      const threshold = this.host.config().config.policy.confidence_threshold ?? 0.85;
      const actionable = best && (best.playbooks.length > 0 || best.confidence >= threshold);
      return {
        named: best?.cause ?? null,
        diagnosis: actionable
          ? {
              cause: best.cause,
              confidence: best.confidence,
              evidence: best.evidence,
              playbooks: best.playbooks,
            }
          : undefined,
      };
    } catch (err) {
      this.host.logger.warn({ err: String(err), service: f.service }, 'diagnosis failed');
      return { diagnosis: undefined, named: null };
    }
  }

  /** Rules (and the model, when configured and the rules are unsure) on the evidence at hand. */
  async diagnose(f: Finding, incident: Incident, signal: AbortSignal): Promise<DiagnoseResult> {
    const cfg = this.host.config().config;
    const bundle = await gatherEvidence(this.host, f, incident);
    const llm = this.llmDiagnoser(cfg.llm);
    const timeline = await this.host.store.timeline(incident.id);
    // Playbooks that may act on this service widen the list the model may pick from ('*' is no cause).
    const forService = Object.entries(cfg.playbooks)
      .filter(([, p]) => p.when.service === '*' || p.when.service === f.service)
      .map(([name]) => name);
    return diagnose(bundle, {
      playbooks: { ...playbookMap(cfg), '*': forService },
      consultBelow: cfg.llm?.consult_below,
      llmAloneCap: cfg.llm?.alone_cap,
      signal,
      llm: llm
        ? {
            diagnoser: llm,
            context: {
              service: f.service,
              title: incident.title,
              openedAt: incident.openedAt,
              timeline: timeline.map((e) => ({ at: e.at, kind: e.kind, message: e.message })),
              logs: bundle.logs ?? [],
            },
          }
        : null,
    });
  }

  /** One model client per LLM config, rebuilt when the config changes. */
  private llmDiagnoser(cfg: LlmConfig | undefined): LlmDiagnoser | null {
    if (!cfg) return null;
    const key = JSON.stringify(cfg);
    if (this.llm?.key !== key) {
      this.llm = {
        key,
        diagnoser: new LlmDiagnoser(
          {
            baseURL: cfg.base_url,
            model: cfg.model,
            apiKey: cfg.api_key_env ? process.env[cfg.api_key_env] : undefined,
            timeoutMs: cfg.timeout,
            responseFormat: cfg.response_format,
            maxLogLines: cfg.max_log_lines,
            breaker: { failures: cfg.breaker.failures, cooldownMs: cfg.breaker.cooldown },
          },
          this.host.clock,
        ),
      };
    }
    return this.llm.diagnoser;
  }
}

/** cause → playbooks that declare it in `when.cause`, in config order. */
export function playbookMap(config: MedicConfig): PlaybookMap {
  const out: Record<string, string[]> = {};
  for (const [name, p] of Object.entries(config.playbooks)) {
    const cause = (p.when as { cause?: unknown }).cause;
    const causes = Array.isArray(cause) ? cause : typeof cause === 'string' ? [cause] : [];
    for (const c of causes) {
      if (typeof c === 'string') out[c] = [...(out[c] ?? []), name];
    }
  }
  return out;
}
