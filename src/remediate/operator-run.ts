import type { Action } from '../core/index.js';
import { ConflictError, errorMessage, MedicError, NotFoundError, newId } from '../core/index.js';
import type { EngineDeps } from './deps.js';
import type { GuardDecision, GuardRail, GuardVerdict } from './guard.js';
import {
  type Context,
  journalSteps,
  type PlannedStep,
  planSteps,
  type Run,
  templateVars,
  UNKNOWN_CAUSE,
} from './run.js';

/** What running a playbook on a human's word needs from the rest of the engine. */
export interface OperatorRunHooks {
  context(service: string): Context | undefined;
  /** True while a decision, heal or reconciliation of the service runs: one at a time per service. */
  busy(service: string): boolean;
  /** Runs `work` as the service's one heal; the service is reserved when this returns. */
  track(service: string, work: () => Promise<void>): void;
  guard(
    run: Run,
    ctx: Context | undefined,
    confidence: { value: number; why: string },
  ): Promise<GuardDecision>;
  /** Runs steps already journaled as `planned`. */
  execute(run: Run, steps: Action[]): Promise<void>;
  /** The run now waits for a human: expire it on time. */
  awaitApproval(runId: string): void;
}

export interface OperatorRunResult {
  service: string;
  playbook: string;
  incidentId: string;
  verdict: GuardVerdict;
  rail: GuardRail;
  reason: string;
  /** The journaled steps: planned (running now), awaiting approval, or skipped (suggest, dry run). */
  actions: Action[];
}

/**
 * "Run this playbook now": a human picks the playbook for a service's open incident. The choice stands in for
 * Medic's confidence (the human is the judgment), and nothing else is waived: the run goes through the guard
 * (autonomy, the stop switch, maintenance, silences, escalation, backoff, rate limit, blast radius, approval,
 * dry run), the journal and the approvals as a heal Medic decided would, and is audited under the human's
 * name. A refusal is answered to the human (409 with the guard's reason), not retried behind their back.
 */
export class OperatorRuns {
  constructor(
    private readonly d: Pick<EngineDeps, 'config' | 'store' | 'clock' | 'bus' | 'incidents' | 'journal'>,
    private readonly hooks: OperatorRunHooks,
  ) {}

  async run(service: string, name: string, actor: string): Promise<OperatorRunResult> {
    const cfg = this.d.config().config;
    if (!cfg.services[service]) throw new NotFoundError(`service ${service}`);
    const playbook = cfg.playbooks[name];
    if (!playbook) throw new NotFoundError(`playbook ${name}`);
    // Its steps are written for the services its trigger names.
    if (playbook.when.service !== '*' && playbook.when.service !== service)
      throw new MedicError('bad_request', `playbook ${name} is for ${playbook.when.service}, not ${service}`);
    if (this.hooks.busy(service))
      throw new ConflictError(`a heal of ${service} is running: wait for it to end`);
    // Reserve the service before anything awaits: no scheduled decision starts beside this one.
    return new Promise<OperatorRunResult>((resolve, reject) => {
      this.hooks.track(service, async () => {
        let decided: { result: OperatorRunResult; run: Run } | null = null;
        try {
          decided = await this.decide(service, name, actor);
        } catch (err) {
          reject(err);
          return;
        }
        resolve(decided.result);
        if (decided.result.verdict === 'run') await this.hooks.execute(decided.run, decided.result.actions);
      });
    });
  }

  private async decide(
    service: string,
    name: string,
    actor: string,
  ): Promise<{ result: OperatorRunResult; run: Run }> {
    const playbook = this.d.config().config.playbooks[name]!;
    const incident = await this.d.store.activeIncident(service);
    // A heal's verification, outcome and learning belong to an incident; with none, there is nothing to heal.
    if (!incident)
      throw new ConflictError(
        `${service} has no open incident: a playbook heals an incident, and none is open`,
      );
    const waiting = await this.d.store.listActions({
      incidentId: incident.id,
      state: 'awaiting_approval',
      limit: 1,
    });
    const asked = waiting.items[0];
    if (asked)
      throw new ConflictError(
        `${asked.playbook} on ${service} waits for approval (${asked.id}): approve or reject it first`,
      );
    const ctx = this.hooks.context(service);
    const run: Run = {
      id: newId('run'),
      service,
      name,
      playbook,
      incident,
      cause: ctx?.diagnosis?.cause ?? UNKNOWN_CAUSE,
      confidence: 1,
      vars: templateVars(service, incident, ctx),
    };
    let planned: PlannedStep[];
    try {
      planned = planSteps(this.d, run);
    } catch (err) {
      throw new MedicError('bad_request', `playbook ${name} refused at planning: ${errorMessage(err)}`);
    }
    const decision = await this.hooks.guard(run, ctx, { value: 1, why: `chosen by ${actor}` });
    const now = this.d.clock.now();
    await this.d.store.audit({
      at: now,
      actor,
      event: 'playbook.run_requested',
      subject: service,
      data: {
        playbook: name,
        incident: incident.id,
        verdict: decision.verdict,
        rail: decision.rail,
        reason: decision.reason,
      },
    });
    const why = `${actor} asked to run ${name}`;
    const result = (actions: Action[]): { result: OperatorRunResult; run: Run } => ({
      run,
      result: {
        service,
        playbook: name,
        incidentId: incident.id,
        verdict: decision.verdict,
        rail: decision.rail,
        reason: decision.reason,
        actions,
      },
    });
    switch (decision.verdict) {
      case 'run': {
        const steps = await journalSteps(this.d, run, planned, 'planned', why, false);
        await this.d.incidents.note(incident.id, `${why}: running it`, { actor, playbook: name });
        return result(steps);
      }
      case 'ask': {
        const steps = await journalSteps(
          this.d,
          run,
          planned,
          'awaiting_approval',
          `${why}; ${decision.reason}`,
          false,
        );
        this.hooks.awaitApproval(run.id);
        // As for a heal Medic decided: waiting for a human is a hold, and the humans are told.
        this.d.bus.emit('escalation', {
          service,
          incidentId: incident.id,
          reason: `${why} on ${service}, which waits for approval: ${decision.reason}`,
          at: now,
        });
        await this.d.incidents.note(incident.id, `${why}: ${decision.reason}`, { actor, playbook: name });
        return result(steps);
      }
      case 'suggest':
      case 'dry_run': {
        const dry = decision.verdict === 'dry_run';
        const steps = await journalSteps(this.d, run, planned, 'skipped', `${why}; ${decision.reason}`, dry);
        await this.d.incidents.note(incident.id, `${why}: ${decision.reason}`, { actor, playbook: name });
        return result(steps);
      }
      default:
        await this.d.incidents.note(incident.id, `${why}; not run: ${decision.reason}`, {
          actor,
          playbook: name,
        });
        throw new ConflictError(`playbook ${name} not run on ${service}: ${decision.reason}`);
    }
  }
}
