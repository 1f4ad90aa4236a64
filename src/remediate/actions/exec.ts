import path from 'node:path';
import { ActionError, lastLine, runCommand } from '../../core/index.js';
import { redactSecrets } from '../../notify/index.js';
import { baseVars, renderArgv } from '../template.js';
import type { RemediationAction } from './action.js';

/**
 * Runs a program from an argv array (never a shell string); a non-zero exit fails the step. Elements may use
 * templates (`{{service.name}}`, `{{finding.labels.pod}}`).
 */
export const execAction: RemediationAction = {
  kind: 'exec',
  plan(step, service, _services, pctx) {
    const e = step.exec;
    if (!e) throw new ActionError('exec step without exec');
    // Each argv element is rendered on its own: a value is never split nor seen by a shell.
    const command = renderArgv(e.command, baseVars(service, pctx?.vars));
    return {
      kind: 'exec',
      target: service,
      // Env values often hold secrets: the journal keeps their names, apply reads the values from config.
      params: { command, cwd: e.cwd ?? null, envKeys: Object.keys(e.env) },
      description: `run ${redactSecrets(JSON.stringify(command))}`,
    };
  },
  async apply(plan, ctx) {
    const command = plan.params['command'] as string[];
    const cwd = plan.params['cwd'] as string | null;
    const res = await runCommand(command, {
      cwd: cwd ? path.resolve(ctx.baseDir, cwd) : ctx.baseDir,
      env: ctx.step.exec?.env ?? {},
      signal: ctx.signal,
    });
    if (res.error) throw new ActionError(res.error);
    if (res.aborted) throw new ActionError('command timed out and was killed');
    if (res.code !== 0)
      throw new ActionError(`exited ${res.code ?? res.signal}: ${lastLine(res.stderr || res.stdout)}`);
    return `exited 0: ${lastLine(res.stdout) || 'no output'}`;
  },
};
