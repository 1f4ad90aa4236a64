import { type Fault, signal } from './fault.js';

export const hangFault: Fault = {
  name: 'hang',
  description: 'SIGSTOP the service process: it holds its port and answers nothing',
  expectCause: ['hung'],
  async inject(t) {
    signal(t.pid, 'SIGSTOP');
  },
  async undo(t) {
    signal(t.pid, 'SIGCONT');
  },
};
