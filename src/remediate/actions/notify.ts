import { ActionError, errorMessage } from '../../core/index.js';
import { baseVars, renderString } from '../template.js';
import type { RemediationAction } from './action.js';
import { type ExtendedStep, notifyStep, parseStep } from './steps.js';

/** Sends a message through the notifiers (the daemon wires `ctx.notify`). */
export const notifyAction: RemediationAction<ExtendedStep> = {
  kind: 'notify',
  plan(step, service, _services, pctx) {
    const s = parseStep(notifyStep, step.notify, 'notify');
    const message = renderString(s.message, baseVars(service, pctx?.vars));
    return {
      kind: 'notify',
      target: service,
      params: { message, severity: s.severity, route: s.route ?? null },
      description: `notify ${s.route ?? 'the default route'}: ${message}`,
    };
  },
  async apply(plan, ctx) {
    if (!ctx.notify) throw new ActionError('no notifier is wired to the notify action');
    const { message, severity, route } = plan.params as {
      message: string;
      severity: 'info' | 'warning' | 'critical';
      route: string | null;
    };
    try {
      await ctx.notify({ service: plan.target, message, severity, route });
    } catch (err) {
      throw new ActionError(`notification failed: ${errorMessage(err)}`, { cause: err });
    }
    return `notified ${route ?? 'the default route'}`;
  },
  async rollback() {
    return 'a notification cannot be unsent';
  },
};
