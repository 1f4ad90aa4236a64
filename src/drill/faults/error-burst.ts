import { type Fault, faultSwitch, resetSwitches } from './fault.js';

/** Requests (health checks and work) that answer 500 before the service recovers by itself. */
const ERRORS = 60;

export const errorBurstFault: Fault = {
  name: 'error-burst',
  description: `the service's next ${ERRORS} requests answer 500 and log an error`,
  program: 'demo-service',
  needs: ['url'],
  // Seen properly as a spike of an error log template (or of the error rate), not only as a failed probe.
  expect: ['pattern', 'anomaly'],
  expectCause: ['error_burst'],
  async inject(t) {
    await faultSwitch(t, 'error-burst', 'errors', { count: ERRORS });
  },
  async undo(t) {
    await resetSwitches(t, 'error-burst');
  },
};
