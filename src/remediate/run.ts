import { createHash } from 'node:crypto';
import type { PlaybookConfig, StepConfig } from '../config/index.js';
import type { Action, Diagnosis, Finding, Incident } from '../core/index.js';
import { newId } from '../core/index.js';
import { type ActionPlan, actions, stepKind } from './actions/index.js';
import type { EngineDeps } from './deps.js';
import { fileRules } from './safe-path.js';
import { findingLabels } from './silences.js';
import type { TemplateVars } from './template.js';

/**
 * How a step that found nothing to do is journaled (`skipped`, its journal entry this prefix and its message):
 * the decider reads these to set its playbook aside for the rest of the incident.
 */
export const DOES_NOT_APPLY = 'does not apply: ';

/** The cause recorded (and learned from) when a heal runs without a diagnosis. */
export const UNKNOWN_CAUSE = 'unknown';

/** What the engine knows about why a service needs healing: the latest finding and its diagnosis. */
export interface Context {
  finding: Finding;
  diagnosis: Diagnosis | null;
  /** The incident the finding was recorded in. */
  incidentId?: string;
}

/** One chosen playbook on one service: everything deciding, running and learning share about a heal. */
export interface Run {
  id: string;
  service: string;
  name: string;
  playbook: PlaybookConfig;
  incident: Incident;
  cause: string;
  confidence: number;
  vars: TemplateVars;
}

/**
 * A fingerprint of the playbook's steps as configured (sha256 of their canonical JSON, keys sorted). It rides
 * in every journaled step's params instead of the steps themselves (which may hold secret headers): a heal
 * approved after a config reload runs only if its playbook's steps are still the ones it was planned from.
 */
export function stepsHash(steps: readonly StepConfig[]): string {
  return createHash('sha256').update(canonicalJson(steps)).digest('hex');
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** A planned step before it is journaled. */
export interface PlannedStep {
  plan: ActionPlan;
  step: StepConfig;
}

/** The values a playbook's templates may use: the service, its incident, and the finding that started it. */
export function templateVars(service: string, incident: Incident, ctx: Context | undefined): TemplateVars {
  const f = ctx?.finding;
  return {
    service: { name: service },
    incident: { id: incident.id, title: incident.title },
    ...(f
      ? {
          finding: {
            kind: f.kind,
            check: f.check,
            severity: f.severity,
            summary: f.summary,
            labels: findingLabels(f, ctx?.diagnosis?.cause),
          },
        }
      : {}),
    ...(ctx?.diagnosis ? { diagnosis: { cause: ctx.diagnosis.cause } } : {}),
  };
}

/** Plans one step of the run (a playbook step or an explicit rollback step) with its action. */
export function planStep(d: Pick<EngineDeps, 'config'>, run: Run, step: StepConfig): PlannedStep {
  const cfg = d.config();
  return {
    step,
    plan: actions.get(stepKind(step)).plan(step, run.service, cfg.config.services, {
      baseDir: cfg.baseDir,
      vars: run.vars,
      files: fileRules(cfg),
    }),
  };
}

/** Plans every step of the run's playbook; throws if an action refuses its step (a value out of bounds). */
export function planSteps(d: Pick<EngineDeps, 'config'>, run: Run): PlannedStep[] {
  return run.playbook.steps.map((step) => planStep(d, run, step));
}

/**
 * Records the planned steps in the journal before anything runs. The run's id, cause and confidence ride in
 * the params: an approval given later (or by another replica) rebuilds the run from them.
 */
export async function journalSteps(
  d: Pick<EngineDeps, 'journal'>,
  run: Run,
  planned: PlannedStep[],
  state: Action['state'],
  reason: string,
  dryRun: boolean,
): Promise<Action[]> {
  const out: Action[] = [];
  const hash = stepsHash(run.playbook.steps);
  for (const [i, { plan }] of planned.entries()) {
    out.push(
      await d.journal.intend(
        {
          id: newId('act'),
          incidentId: run.incident.id,
          service: plan.target,
          playbook: run.name,
          step: i,
          kind: plan.kind,
          params: {
            ...plan.params,
            ...(plan.backup ? { backupFiles: plan.backup.files } : {}),
            runId: run.id,
            stepsHash: hash,
            description: plan.description,
            cause: run.cause,
            confidence: run.confidence,
          },
          state,
          dryRun,
          reason,
        },
        `${plan.description}: ${reason}`,
      ),
    );
  }
  return out;
}
