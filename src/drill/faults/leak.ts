import { type Fault, faultSwitch, resetSwitches } from './fault.js';

const MB_PER_S = 20;

export const leakFault: Fault = {
  name: 'leak',
  description: `the service allocates and keeps ${MB_PER_S} MB a second until it would run out of memory`,
  program: 'demo-service',
  needs: ['url'],
  // Seen properly when exhaustion is predicted, before the process is at its limit.
  expect: ['forecast'],
  gradual: true,
  expectCause: ['memory_leak'],
  async inject(t) {
    await faultSwitch(t, 'leak', 'leak', { mb_per_s: MB_PER_S });
  },
  async undo(t) {
    await resetSwitches(t, 'leak');
  },
};
