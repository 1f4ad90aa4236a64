import { type Fault, faultSwitch, resetSwitches } from './fault.js';

/** Above the stack's max_latency (500 ms), below its check timeout (900 ms): slow, not dead. */
const DELAY_MS = 700;

export const slowFault: Fault = {
  name: 'slow',
  description: `turn on the service's latency switch: every answer ${DELAY_MS} ms late`,
  program: 'demo-service',
  needs: ['url'],
  expect: ['degraded'],
  // No rule names slowness (rules.ts has no latency cause): the honest diagnosis is `unknown`, and one that
  // names a cause (hung, error_burst) is wrong.
  expectCause: ['unknown'],
  async inject(t) {
    await faultSwitch(t, 'slow', 'slow', { ms: DELAY_MS });
  },
  async undo(t) {
    await resetSwitches(t, 'slow');
  },
};
