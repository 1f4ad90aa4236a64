import { baseVars, renderString } from '../template.js';
import type { RemediationAction } from './action.js';
import { banTarget, removeBan } from './nft.js';
import { type ExtendedStep, parseStep, unblockStep } from './steps.js';

/** Lifts an address's bans (every port's) before their timeout; an address not banned is no error. */
export const unblockAction: RemediationAction<ExtendedStep> = {
  kind: 'unblock',
  plan(step, service, _services, pctx) {
    const s = parseStep(unblockStep, step.unblock, 'unblock');
    const { address, set } = banTarget(renderString(s.address, baseVars(service, pctx?.vars)));
    return {
      kind: 'unblock',
      target: service,
      params: { address, set, netns: s.netns ?? null },
      description: `lift the ban of ${address} (${set})`,
    };
  },
  async apply(plan, ctx) {
    const { address } = banTarget(String(plan.params['address']));
    const netns = (plan.params['netns'] as string | null) ?? undefined;
    const lifted = await removeBan({ netns, signal: ctx.signal }, address);
    return lifted ? `ban of ${address} lifted` : `${address} was not banned`;
  },
};
