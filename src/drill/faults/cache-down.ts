import { type Fault, signalGroup } from './fault.js';

export const cacheDownFault: Fault = {
  name: 'cache-down',
  description: 'SIGKILL the cache: the services that depend on it fail too',
  role: 'cache',
  // The cache itself is the root cause, and it died (see db-down).
  expectCause: ['process_crashed'],
  async inject(t) {
    signalGroup(t.pid, 'SIGKILL');
  },
  async undo() {
    // A dead cache is restarted by Medic or by the drill's clean-up.
  },
};
