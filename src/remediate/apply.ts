import type { StepConfig } from '../config/index.js';
import { errorMessage, formatDuration, NotApplicableError, redactText } from '../core/index.js';
import type { ActionContext, ActionPlan, RemediationAction } from './actions/index.js';
import type { Backups } from './backups.js';
import type { EngineDeps } from './deps.js';
import { fileRules } from './safe-path.js';

/** `notApplicable`: the step found nothing to do and changed nothing (NotApplicableError); not retried. */
export type ApplyResult =
  | { ok: true; message: string }
  | { ok: false; message: string; notApplicable?: boolean };

/**
 * Applies one step: builds the context an action runs in, and applies it within its timeout, retrying after
 * `retry_delay`. Shared by the playbook's steps and its explicit rollback steps, which run the same way.
 */
export class StepApplier {
  constructor(
    private readonly d: Pick<EngineDeps, 'config' | 'control' | 'clock' | 'notify'> &
      Partial<Pick<EngineDeps, 'store'>>,
    private readonly backups: Backups,
    /** Aborted when Medic stops: a running step is interrupted and no retry starts. */
    private readonly stopping: AbortSignal,
  ) {}

  context(step: StepConfig, signal: AbortSignal): ActionContext {
    const cfg = this.d.config();
    return {
      signal,
      baseDir: cfg.baseDir,
      services: cfg.config.services,
      control: this.d.control,
      step,
      clock: this.d.clock,
      backups: this.backups,
      files: fileRules(cfg),
      ...(this.d.notify ? { notify: this.d.notify } : {}),
      ...(this.d.store ? { history: this.d.store, actionLog: this.d.store } : {}),
      // A config built by hand (tests, the library) may lack the section zod fills in.
      allow: [...(cfg.config.security?.allow ?? []), ...(cfg.config.security?.sessions ?? [])],
    };
  }

  async applyWithRetries(impl: RemediationAction, plan: ActionPlan, step: StepConfig): Promise<ApplyResult> {
    let last = '';
    for (let attempt = 0; attempt <= step.retries; attempt++) {
      if (attempt > 0) {
        try {
          await this.d.clock.sleep(step.retry_delay, this.stopping);
        } catch {
          return { ok: false, message: `${last}; retries interrupted: Medic is stopping` };
        }
      }
      const timeout = new AbortController();
      const timer = this.d.clock.setTimeout(() => timeout.abort(), step.timeout);
      const signal = AbortSignal.any([timeout.signal, this.stopping]);
      try {
        // A step's result is journaled, noted on the incident and notified: redacted once, here.
        const message = redactText(await impl.apply(plan, this.context(step, signal)));
        return { ok: true, message: attempt > 0 ? `${message} (attempt ${attempt + 1})` : message };
      } catch (err) {
        if (err instanceof NotApplicableError && !timeout.signal.aborted)
          return { ok: false, message: redactText(errorMessage(err)), notApplicable: true };
        last = timeout.signal.aborted
          ? `timed out after ${formatDuration(step.timeout)}`
          : redactText(errorMessage(err));
        if (this.stopping.aborted) break;
      } finally {
        this.d.clock.clearTimeout(timer);
      }
    }
    const tries = step.retries > 0 ? ` (after ${step.retries + 1} attempts)` : '';
    return { ok: false, message: `${last}${tries}` };
  }
}
