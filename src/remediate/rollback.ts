import type { StepConfig } from '../config/index.js';
import type { Action } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import {
  type ActionPlan,
  actions,
  type RemediationAction,
  type StepBackup,
  stepKind,
} from './actions/index.js';
import type { StepApplier } from './apply.js';
import type { Backups } from './backups.js';
import type { EngineDeps } from './deps.js';
import { planStep, type Run } from './run.js';

/** A step that changed something, with what undoing it needs. */
export interface Applied {
  action: Action;
  plan: ActionPlan;
  impl: RemediationAction;
  step: StepConfig;
  backup: StepBackup;
}

/**
 * Undoes the applied steps in reverse order: the action's own rollback, else its backed-up files restored,
 * else the step stays `failed` ("cannot be rolled back"). Then the playbook's explicit rollback steps run.
 * A rollback that fails is recorded and the next one still runs: undoing as much as possible beats stopping.
 */
export async function rollback(
  d: Pick<EngineDeps, 'config' | 'journal' | 'incidents' | 'store' | 'clock'>,
  backups: Backups,
  applier: StepApplier,
  run: Run,
  applied: readonly Applied[],
  why: string,
): Promise<void> {
  for (const a of [...applied].reverse()) {
    // Bounded by the step's timeout only, not by Medic stopping: a rollback left half done is the worse state.
    const ctx = applier.context(a.step, AbortSignal.timeout(a.step.timeout));
    try {
      let message: string;
      if (a.impl.rollback) message = await a.impl.rollback(a.plan, ctx, a.backup);
      else if (a.backup.files.length > 0) {
        for (const f of a.backup.files) await backups.restore(f.id);
        message = `restored ${a.backup.files.map((f) => `${f.path} (${f.id})`).join(', ')}`;
      } else {
        await d.journal.move(a.action.id, 'failed', `${why}; this step cannot be rolled back`);
        continue;
      }
      await d.journal.move(a.action.id, 'rolled_back', `${why}; rolled back: ${message}`);
      await d.incidents.note(
        run.incident.id,
        `rolled back step ${a.action.step + 1} (${a.action.kind}): ${message}`,
        {
          actionId: a.action.id,
        },
      );
    } catch (err) {
      const msg = `${why}; rollback failed: ${errorMessage(err)}`;
      await d.journal.move(a.action.id, 'failed', msg);
      await d.incidents.note(run.incident.id, `step ${a.action.step + 1} (${a.action.kind}) ${msg}`, {
        actionId: a.action.id,
      });
    }
  }
  for (const [j, step] of run.playbook.rollback.entries()) {
    const label = `rollback step ${j + 1}`;
    try {
      const impl = actions.get(stepKind(step));
      const { plan } = planStep(d, run, step);
      const result = await applier.applyWithRetries(impl, plan, step);
      const message = result.ok ? result.message : `failed: ${result.message}`;
      await d.incidents.note(run.incident.id, `${label} (${plan.kind}): ${message}`);
      await d.store.audit({
        at: d.clock.now(),
        actor: 'medic',
        event: result.ok ? 'rollback.step.applied' : 'rollback.step.failed',
        subject: run.service,
        data: { playbook: run.name, incident: run.incident.id, step: j, kind: plan.kind, message },
      });
    } catch (err) {
      await d.incidents.note(run.incident.id, `${label} refused: ${errorMessage(err)}`);
    }
  }
}
