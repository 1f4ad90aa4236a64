import fs from 'node:fs/promises';
import { ActionError, NotApplicableError } from '../../core/index.js';
import { sha256 } from '../backup-record.js';
import { renderStepPath } from '../safe-path.js';
import { baseVars } from '../template.js';
import type { RemediationAction } from './action.js';
import { restoreFiles } from './file.js';
import { configRollbackStep, type ExtendedStep, parseStep } from './steps.js';

/** The file's content hash and permission bits now (a mode changed by hand is a change to put back). */
async function current(file: string): Promise<{ hash: string | null; mode: number | null }> {
  try {
    const [data, st] = await Promise.all([fs.readFile(file), fs.stat(file)]);
    return { hash: sha256(data), mode: st.mode & 0o7777 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { hash: null, mode: null };
    throw err;
  }
}

/**
 * Puts a file back to its last known good version: the newest backup marked good (its service was verified
 * healthy with that content). The current version is backed up first, so the step itself can be undone.
 */
export const configRollbackAction: RemediationAction<ExtendedStep> = {
  kind: 'config-rollback',
  plan(step, service, _services, pctx) {
    const s = parseStep(configRollbackStep, step.config_rollback, 'config_rollback');
    const file = renderStepPath(s.path, baseVars(service, pctx?.vars), pctx?.baseDir ?? '.', pctx?.files);
    return {
      kind: 'config-rollback',
      target: service,
      params: { path: file, backupFiles: [file] },
      description: `restore the last known good version of ${file}`,
      backup: { files: [file] },
    };
  },
  async apply(plan, ctx) {
    const file = plan.params['path'] as string;
    if (!ctx.backups) throw new ActionError('no backup store: cannot find a known good version');
    const good = await ctx.backups.lastKnownGood(file);
    if (!good)
      throw new ActionError(
        `no known good version of ${file} is recorded (name it in the service's config_files: Medic records it once the service has been healthy for policy.known_good_after)`,
      );
    const now = await current(file);
    if (now.hash === good.hash && (good.mode === null || now.mode === good.mode))
      throw new NotApplicableError(
        `${file} already is its last known good version (${good.id}): nothing to roll back`,
      );
    await ctx.backups.restore(good.id);
    return `restored ${file} to its last known good version ${good.id} (${new Date(good.goodAt ?? good.createdAt).toISOString()})`;
  },
  rollback(_plan, ctx, backup) {
    return restoreFiles(ctx, backup);
  },
};
