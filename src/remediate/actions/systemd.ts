import { ActionError, runCommand } from '../../core/index.js';
import { baseVars, renderString } from '../template.js';
import type { RemediationAction } from './action.js';
import { type ExtendedStep, parseStep, systemdStep } from './steps.js';
import { checkName, runChecked } from './util.js';

const INVERSE: Record<string, string | undefined> = { start: 'stop', stop: 'start' };

function argv(params: Record<string, unknown>, verb: string): string[] {
  const user = params['user'] === true ? ['--user'] : [];
  // "--" ends options: a unit name can never be read as one.
  return ['systemctl', ...user, verb, '--', params['unit'] as string];
}

/** Restarts, starts, stops or reloads a systemd unit with `systemctl` (argv, never a shell). */
export const systemdAction: RemediationAction<ExtendedStep> = {
  kind: 'systemd',
  plan(step, service, _services, pctx) {
    const s = parseStep(systemdStep, step.systemd, 'systemd');
    const unit = checkName('unit name', renderString(s.unit, baseVars(service, pctx?.vars)));
    return {
      kind: 'systemd',
      target: service,
      params: { unit, action: s.action, user: s.user },
      description: `systemctl ${s.user ? '--user ' : ''}${s.action} ${unit}`,
    };
  },
  async snapshot(plan, ctx) {
    // `is-active` exits non-zero for anything but active: read its word, not its code.
    const res = await runCommand(argv(plan.params, 'is-active'), { signal: ctx.signal });
    if (res.error) throw new ActionError(res.error);
    return { active: res.stdout.trim() === 'active' };
  },
  async apply(plan, ctx) {
    const verb = plan.params['action'] as string;
    await runChecked(argv(plan.params, verb), ctx.signal);
    return `systemctl ${verb} ${plan.params['unit']}: done`;
  },
  async rollback(plan, ctx, backup) {
    const verb = INVERSE[plan.params['action'] as string];
    if (!verb) throw new ActionError(`a systemd ${plan.params['action']} cannot be undone`);
    const was = backup.state?.['active'];
    if (verb === 'start' && was === false)
      return `${plan.params['unit']} was not active before: left stopped`;
    if (verb === 'stop' && was === true) return `${plan.params['unit']} was active before: left running`;
    await runChecked(argv(plan.params, verb), ctx.signal);
    return `systemctl ${verb} ${plan.params['unit']}: undone`;
  },
};
