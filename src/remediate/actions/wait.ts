import { ActionError, formatDuration, RealClock } from '../../core/index.js';
import type { RemediationAction } from './action.js';
import { type ExtendedStep, parseStep, waitStep } from './steps.js';

const realClock = new RealClock();

/** Waits (on the injected clock) before the next step; the step's timeout or Medic stopping cuts it short. */
export const waitAction: RemediationAction<ExtendedStep> = {
  kind: 'wait',
  plan(step, service) {
    const s = parseStep(waitStep, step.wait, 'wait');
    return {
      kind: 'wait',
      target: service,
      params: { ms: s.duration },
      description: `wait ${formatDuration(s.duration)}`,
    };
  },
  async apply(plan, ctx) {
    const ms = plan.params['ms'] as number;
    try {
      await (ctx.clock ?? realClock).sleep(ms, ctx.signal);
    } catch (err) {
      throw new ActionError(`wait of ${formatDuration(ms)} interrupted`, { cause: err });
    }
    return `waited ${formatDuration(ms)}`;
  },
  // Nothing to undo.
  async rollback() {
    return 'a wait changes nothing';
  },
};
