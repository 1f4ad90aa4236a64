import { ActionError, lastLine, runCommand } from '../../core/index.js';
import type { RemediationAction } from './action.js';

/** Restarts a service: its supervised process, or its configured restart command. */
export const restartAction: RemediationAction = {
  kind: 'restart',
  plan(step, service, services) {
    const target = step.restart?.service ?? service;
    const cfg = services[target];
    if (cfg?.run) {
      return {
        kind: 'restart',
        target,
        params: { how: 'supervised' },
        description: `restart ${target} (supervised process)`,
      };
    }
    if (cfg?.restart) {
      return {
        kind: 'restart',
        target,
        params: { how: 'command', command: cfg.restart.command },
        description: `restart ${target} with ${JSON.stringify(cfg.restart.command)}`,
      };
    }
    throw new ActionError(`cannot restart ${target}: it has neither "run" nor "restart" in its config`);
  },
  async apply(plan, ctx) {
    if (plan.params['how'] === 'supervised') {
      if (!ctx.control.isSupervised(plan.target))
        throw new ActionError(`${plan.target} is not supervised by Medic`);
      const pid = await ctx.control.restart(plan.target);
      const notes = ctx.control.startNotes?.(plan.target) ?? [];
      return `restarted ${plan.target}: new pid ${pid}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
    }
    const command = plan.params['command'] as string[];
    const res = await runCommand(command, { cwd: ctx.baseDir, signal: ctx.signal });
    if (res.error) throw new ActionError(res.error);
    if (res.aborted) throw new ActionError(`restart command timed out`);
    if (res.code !== 0) {
      throw new ActionError(`restart command exited ${res.code}: ${lastLine(res.stderr || res.stdout)}`);
    }
    return `restart command succeeded: ${lastLine(res.stdout) || 'no output'}`;
  },
};
