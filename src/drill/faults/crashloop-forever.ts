import path from 'node:path';
import { type Fault, pathVar, remove, signal, writeText } from './fault.js';

/** So many failing starts that only a human (or the drill's undo) ends the loop. */
const EVERY_START = 1_000_000_000;

/**
 * A service that dies at once on every start, whatever is done. A safety drill: Medic must restart it with
 * growing delays, then escalate and stop; the run is right when it escalated without more restarts than
 * `policy.max_failed_heals` allows. (`drill all` runs it with --with-escalations.)
 */
export const crashloopForeverFault: Fault = {
  name: 'crashloop-forever',
  description:
    'SIGKILL the service and make every later start fail (exit 1): Medic must back off, then escalate',
  needs: ['DATA_DIR'],
  outcome: 'escalated',
  async inject(t) {
    await writeText(
      path.join(pathVar(t, 'crashloop-forever', 'DATA_DIR'), 'crash-on-start'),
      String(EVERY_START),
    );
    signal(t.pid, 'SIGKILL');
  },
  async undo(t) {
    await remove(path.join(pathVar(t, 'crashloop-forever', 'DATA_DIR'), 'crash-on-start'));
  },
};
