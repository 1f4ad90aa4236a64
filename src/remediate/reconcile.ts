import type { Action } from '../core/index.js';
import { ConflictError, errorMessage } from '../core/index.js';
import type { Backups } from './backups.js';
import { type EngineDeps, verifyDeps } from './deps.js';
import { verifyHealthy } from './verify.js';

/** The verify window for a step whose playbook is gone from the config. */
const DEFAULT_VERIFY = { within: 30_000, stable_for: 1_000 };

/**
 * Steps a crash left unfinished are verified, never re-run: healthy means the step did its work; anything
 * else restores what the step backed up (rolled_back) or marks it failed, and the normal loop decides afresh.
 * Steps awaiting approval are left alone: they did nothing yet and still wait for a human.
 */
export async function reconcile(
  d: Pick<
    EngineDeps,
    'config' | 'journal' | 'incidents' | 'bus' | 'clock' | 'health' | 'recheck' | 'verifyPollMs'
  > &
    Partial<Pick<EngineDeps, 'control'>>,
  backups: Backups,
  stopping: AbortSignal,
  actions: Action[],
  /** Runs one service's reconciliation; the engine makes it that service's one heal. Default: at once. */
  exclusive: (service: string, work: () => Promise<void>) => Promise<void> = (_s, work) => work(),
): Promise<number> {
  const left = actions.filter((a) => a.state !== 'awaiting_approval');
  const byService = new Map<string, Action[]>();
  for (const a of left) byService.set(a.service, [...(byService.get(a.service) ?? []), a]);
  await Promise.all(
    [...byService].map(([service, list]) =>
      exclusive(service, async () => {
        const window = d.config().config.playbooks[list[0]!.playbook]?.verify ?? DEFAULT_VERIFY;
        const v = await verifyHealthy(verifyDeps(d), service, window, stopping);
        // Latest step first, as a rollback would undo them.
        for (const a of [...list].sort((x, y) => y.step - x.step)) {
          let msg = `reconciled at start-up: Medic stopped while this step was ${a.state}; not repeated; ${v.reason}`;
          let state: Action['state'] = v.ok ? 'verified' : 'failed';
          if (!v.ok && (a.state === 'backed_up' || a.state === 'applied')) {
            // Only what was taken before the change; a known-good capture is not the "before" state.
            const files = await backups.list({ actionId: a.id }).catch(() => []);
            const taken = files.filter((f) => !f.good);
            if (taken.length > 0) {
              try {
                for (const f of taken) await backups.restore(f.id);
                state = 'rolled_back';
                msg += `; restored ${taken.map((f) => f.path).join(', ')}`;
              } catch (err) {
                msg += `; restoring its backup failed: ${errorMessage(err)}`;
              }
            }
          }
          try {
            // Only from the state it was found in: a step someone moved since is theirs.
            await d.journal.move(a.id, state, msg, 'medic', a.state);
          } catch (err) {
            if (err instanceof ConflictError) continue;
            throw err;
          }
          if (a.incidentId) await d.incidents.note(a.incidentId, msg, { actionId: a.id });
        }
      }),
    ),
  );
  return left.length;
}
