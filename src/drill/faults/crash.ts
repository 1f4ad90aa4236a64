import { type Fault, signal } from './fault.js';

export const crashFault: Fault = {
  name: 'crash',
  description: 'SIGKILL the service process',
  expectCause: ['process_crashed'],
  async inject(t) {
    signal(t.pid, 'SIGKILL');
  },
  async undo() {
    // Nothing to undo: a dead process is restarted by Medic or by the next run's set-up.
  },
};
