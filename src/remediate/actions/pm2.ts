import { ActionError } from '../../core/index.js';
import { baseVars, renderString } from '../template.js';
import type { RemediationAction } from './action.js';
import { type ExtendedStep, parseStep, pm2Step } from './steps.js';
import { checkName, runChecked } from './util.js';

/** Restarts (reloads, starts, stops) a pm2 process: `pm2 restart NAME`, argv, never a shell. */
export const pm2Action: RemediationAction<ExtendedStep> = {
  kind: 'pm2',
  plan(step, service, _services, pctx) {
    const s = parseStep(pm2Step, step.pm2, 'pm2');
    const name = checkName('pm2 process name', renderString(s.name, baseVars(service, pctx?.vars)));
    return {
      kind: 'pm2',
      target: service,
      params: { name, action: s.action, bin: s.bin },
      description: `pm2 ${s.action} ${name}`,
    };
  },
  async apply(plan, ctx) {
    const { bin, action, name } = plan.params as { bin: string; action: string; name: string };
    await runChecked([bin, action, name], ctx.signal, ctx.baseDir);
    return `pm2 ${action} ${name}: done`;
  },
  async rollback(plan, ctx) {
    const { bin, action, name } = plan.params as { bin: string; action: string; name: string };
    const inverse = action === 'stop' ? 'start' : action === 'start' ? 'stop' : null;
    if (!inverse) throw new ActionError(`a pm2 ${action} cannot be undone`);
    await runChecked([bin, inverse, name], ctx.signal, ctx.baseDir);
    return `pm2 ${inverse} ${name}: undone`;
  },
};
