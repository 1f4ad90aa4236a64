import { type Fault, signalGroup } from './fault.js';

export const dbDownFault: Fault = {
  name: 'db-down',
  description: 'SIGKILL the database (its whole process group): the services that depend on it fail too',
  role: 'database',
  // The database itself is the root cause, and it died: its dependents' `db_unreachable` is not the root's.
  expectCause: ['process_crashed'],
  async inject(t) {
    signalGroup(t.pid, 'SIGKILL');
  },
  async undo() {
    // A dead database is restarted by Medic or by the drill's clean-up.
  },
};
