import type { Action } from '../core/index.js';
import { ConflictError, errorMessage, formatDuration } from '../core/index.js';
import { type ActionPlan, actions, backupFiles, type StepBackup, stepKind } from './actions/index.js';
import { StepApplier } from './apply.js';
import type { Backups } from './backups.js';
import { type EngineDeps, verifyDeps } from './deps.js';
import type { Outcomes } from './outcomes.js';
import { type Applied, rollback } from './rollback.js';
import { DOES_NOT_APPLY, journalSteps, type PlannedStep, type Run } from './run.js';
import { verifyHealthy } from './verify.js';

/** The states a step is in while this replica runs it: a move from any other means someone else moved it. */
const RUNNABLE = ['planned', 'backed_up'] as const;

/**
 * Runs a decided (or approved) heal: each step is claimed, its files backed up and its state snapshotted
 * (journaled `backed_up`), then applied with its timeout and retries; verification re-checks the service; a
 * failure rolls the applied steps back in reverse order. A verified heal records the files as known good.
 * How the heal ended is handed to `Outcomes`.
 */
export class StepRunner {
  /** Services whose steps are running now: the guard's concurrency rail counts them. */
  private readonly executing = new Set<string>();
  private readonly applier: StepApplier;

  constructor(
    private readonly d: EngineDeps,
    private readonly backups: Backups,
    private readonly stopping: AbortSignal,
    private readonly outcomes: Outcomes,
    /** Why the run's verification need not wait out its window (see Engine.superseded), or null. */
    private readonly superseded: (run: Run) => string | null = () => null,
  ) {
    this.applier = new StepApplier(d, backups, stopping);
  }

  /**
   * How many services other than `service` have a heal in flight: running here, or with a step planned,
   * backed up or applied (and not yet verified) in the store, which is where other replicas' heals show.
   */
  async inFlight(service: string): Promise<number> {
    const busy = new Set(this.executing);
    for (const a of await this.d.store.unfinishedActions())
      if (a.state === 'planned' || a.state === 'backed_up' || a.state === 'applied') busy.add(a.service);
    busy.delete(service);
    return busy.size;
  }

  /** Runs the approved steps (already journaled), or journals the planned ones and runs those. */
  async execute(run: Run, approved: Action[] | null, planned: PlannedStep[] = []): Promise<void> {
    this.executing.add(run.service);
    try {
      await this.executeSteps(run, approved, planned);
    } finally {
      this.executing.delete(run.service);
    }
  }

  private async executeSteps(run: Run, approved: Action[] | null, planned: PlannedStep[]): Promise<void> {
    const { service, playbook } = run;
    const steps =
      approved ?? (await journalSteps(this.d, run, planned, 'planned', `playbook ${run.name}`, false));
    const applied: Applied[] = [];
    // Own every step before the first runs: a later `planned` step without a claim would look orphaned to
    // the other replicas (and to our own orphan scan) while this heal still runs.
    if (!(await this.claimAll(steps))) {
      const why = 'its steps could not be claimed: this replica cannot act now';
      await this.skipRest(steps, -1, why);
      await this.d.incidents.note(run.incident.id, `playbook ${run.name}: ${why}; nothing ran`);
      // The incident keeps its state (an escalated one stays escalated, and its reminders go on).
      return this.outcomes.deferred(run, why);
    }
    await this.d.incidents.transition(service, 'remediating', `running playbook ${run.name}`);
    for (const [i, action] of steps.entries()) {
      const step = playbook.steps[i];
      const label = `step ${i + 1} (${action.kind})`;
      if (!step || stepKind(step) !== action.kind) {
        // Only an approval rebuilt from the journal can get here (the approval checks the playbook's hash).
        const reason = `${label} failed: playbook ${run.name} no longer has this step as planned`;
        await this.d.journal.move(action.id, 'failed', reason, 'medic', RUNNABLE);
        await this.skipRest(steps, i, 'an earlier step failed');
        await this.rollback(run, applied, reason);
        return this.outcomes.failed(run, reason, false);
      }
      if (this.d.claim && !(await this.d.claim(action.id))) {
        // Our lease lapsed or another replica took the step over: it reconciles what we started (so nothing
        // is rolled back here); the rest is skipped and the heal ends as failed.
        this.d.logger.warn(
          { action: action.id, service },
          'step not claimed: left to the replica that owns it',
        );
        return this.abandon(run, steps, i, `${label} could not be claimed: another replica owns it`);
      }
      const impl = actions.get(action.kind);
      const plan: ActionPlan = {
        kind: action.kind,
        target: action.service,
        params: action.params,
        description: String(action.params['description'] ?? action.kind),
      };
      // Back up what the step changes, and what rollback needs that is not a file, before it changes.
      const backup: StepBackup = { files: [] };
      try {
        const files = backupFiles(plan);
        if (files.length > 0) {
          backup.files = await this.backups.backup(files, action.id, {
            incidentId: run.incident.id,
            reason: `before ${plan.description} (playbook ${run.name})`,
            confidence: run.confidence,
          });
        }
        if (impl.snapshot)
          backup.state = await impl.snapshot(plan, this.applier.context(step, this.stopping));
        if (backup.files.length > 0 || backup.state) {
          const what = [
            ...backup.files.map((f) => `${f.path} (${f.id})`),
            ...(backup.state ? [`state ${JSON.stringify(backup.state)}`] : []),
          ];
          await this.d.journal.move(
            action.id,
            'backed_up',
            `backed up ${what.join(', ')}`,
            'medic',
            'planned',
          );
        }
      } catch (err) {
        const reason = `backup failed, nothing changed: ${errorMessage(err)}`;
        await this.d.journal.move(action.id, 'failed', reason, 'medic', RUNNABLE);
        await this.skipRest(steps, i, 'an earlier step failed');
        await this.rollback(run, applied, `${label} could not back up`);
        return this.outcomes.failed(run, `${label} failed: ${reason}`, false);
      }
      const result = await this.applier.applyWithRetries(impl, plan, step);
      if (result.ok) {
        applied.push({
          action: await this.d.journal.move(action.id, 'applied', result.message, 'medic', RUNNABLE),
          plan,
          impl,
          step,
          backup,
        });
        await this.d.incidents.note(run.incident.id, `${label}: ${result.message}`, { actionId: action.id });
        continue;
      }
      if (result.notApplicable) {
        // Nothing changed: the step is skipped, not failed, and so is the rest of the playbook, whose premise
        // (a bad release to leave, a changed file to restore) does not hold; what ran before it is undone.
        await this.d.journal.move(
          action.id,
          'skipped',
          `${DOES_NOT_APPLY}${result.message}`,
          'medic',
          RUNNABLE,
        );
        await this.skipRest(steps, i, `an earlier step did not apply`);
        const why = `${label} does not apply: ${result.message}`;
        if (applied.length > 0) await this.rollback(run, applied, why);
        return this.outcomes.notApplicable(run, why);
      }
      const failedAction = await this.d.journal.move(action.id, 'failed', result.message, 'medic', RUNNABLE);
      const reason = `${label} failed: ${result.message}`;
      if (step.on_failure === 'continue') {
        await this.d.incidents.note(run.incident.id, `${reason}; on_failure: continue`, {
          actionId: action.id,
        });
        continue;
      }
      await this.skipRest(steps, i, 'an earlier step failed');
      if (step.on_failure === 'escalate') return this.outcomes.failed(run, reason, true);
      // A failed step that backed something up may have changed it half way: it is undone too.
      const undo =
        backup.files.length > 0 ? [...applied, { action: failedAction, plan, impl, step, backup }] : applied;
      await this.rollback(run, undo, reason);
      return this.outcomes.failed(run, reason, false);
    }
    await this.d.incidents.transition(
      service,
      'verifying',
      `verifying within ${formatDuration(playbook.verify.within)}`,
    );
    const v = await verifyHealthy(verifyDeps(this.d), service, playbook.verify, this.stopping, () =>
      this.superseded(run),
    );
    if (!v.ok) {
      if (this.stopping.aborted) return; // left for reconciliation at the next start
      await this.rollback(run, applied, v.reason);
      return this.outcomes.failed(run, v.reason, false);
    }
    for (const a of applied) await this.d.journal.move(a.action.id, 'verified', v.reason);
    await this.captureGood(run, applied);
    // With `verify.checks`, the named checks may pass while another check of the service still fails: judged
    // on fresh results of its own checks.
    if (playbook.verify.checks) {
      await this.d.recheck(service);
      const failing = this.d.failingChecks
        ? this.d.failingChecks(service)
        : this.d.health(service) === 'healthy'
          ? []
          : [this.d.health(service)];
      if (failing.length > 0) return this.outcomes.partlyHealed(run, v.reason, failing);
    }
    await this.outcomes.healed(run, v.reason);
  }

  /** Skips the steps after `i` still `planned`; one someone else already moved is left as it is. */
  private async skipRest(steps: readonly Action[], i: number, why: string): Promise<void> {
    for (const rest of steps.slice(i + 1)) {
      await this.d.journal.move(rest.id, 'skipped', why, 'medic', 'planned').catch((err: unknown) => {
        if (!(err instanceof ConflictError)) throw err;
      });
    }
  }

  /** Claims every step of the run: `claimRun` in one go, else `claim` each; true without claims at all. */
  private async claimAll(steps: readonly Action[]): Promise<boolean> {
    const ids = steps.map((s) => s.id);
    if (this.d.claimRun) return this.d.claimRun(ids);
    if (!this.d.claim) return true;
    for (const id of ids) if (!(await this.d.claim(id))) return false;
    return true;
  }

  /**
   * The heal cannot go on from step `i` (its claim is lost): step `i` and the rest are skipped with the
   * reason, the steps already applied are left to whoever owns them now, and the heal ends as failed (the
   * outcome is recorded, the incident backs off or escalates) instead of stopping half way without a word.
   */
  private async abandon(run: Run, steps: readonly Action[], i: number, why: string): Promise<void> {
    await this.skipRest(steps, i - 1, why);
    await this.d.incidents.note(run.incident.id, `playbook ${run.name}: ${why}; the heal is abandoned`);
    return this.outcomes.failed(run, why, false);
  }

  private rollback(run: Run, applied: readonly Applied[], why: string): Promise<void> {
    return rollback(this.d, this.backups, this.applier, run, applied, why);
  }

  /** After a verified heal: the files as they are now are the known good versions; old backups are pruned. */
  private async captureGood(run: Run, applied: readonly Applied[]): Promise<void> {
    const retention = this.d.config().config.policy.backups;
    for (const a of applied) {
      const files = backupFiles(a.plan);
      if (files.length === 0) continue;
      try {
        await this.backups.captureGood(files, a.action.id, {
          incidentId: run.incident.id,
          reason: `verified by ${run.name}`,
          confidence: run.confidence,
        });
      } catch (err) {
        this.d.logger.warn(
          { err: errorMessage(err), action: a.action.id },
          'recording the known good version failed',
        );
      }
    }
    if (applied.some((a) => backupFiles(a.plan).length > 0)) {
      await this.backups
        .prune({ maxAgeMs: retention.max_age, keepPerPath: retention.keep_per_path })
        .catch((err) => this.d.logger.warn({ err: errorMessage(err) }, 'pruning backups failed'));
    }
  }
}
