import path from 'node:path';
import { type Fault, pathVar, remove, signal, writeText } from './fault.js';

/**
 * A service that dies at once on every start: its cache file (the demo service's DATA_DIR/cache.json) is
 * corrupt, and the service is SIGKILLed. Restarting cannot help. Where a playbook can fix the cause (the
 * stack clears the cache once a restart has failed: a ladder with `when.after`), the run ends healed; where
 * restarting is all there is (examples/medic.yaml), the right ending is an escalation after no more restarts
 * than `policy.max_failed_heals` allows.
 */
export const crashloopFault: Fault = {
  name: 'crashloop',
  description: 'corrupt the service cache and SIGKILL it: every start dies until the cache is cleared',
  program: 'demo-service',
  needs: ['DATA_DIR'],
  outcome: 'healed-or-escalated',
  expectCause: ['process_crashed'],
  async inject(t) {
    await writeText(path.join(pathVar(t, 'crashloop', 'DATA_DIR'), 'cache.json'), '{"entries": {"a": tru');
    signal(t.pid, 'SIGKILL');
  },
  async undo(t) {
    await remove(path.join(pathVar(t, 'crashloop', 'DATA_DIR'), 'cache.json'));
  },
};
