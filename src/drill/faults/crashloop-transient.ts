import path from 'node:path';
import { type Fault, pathVar, remove, signal, writeText } from './fault.js';

/**
 * A crash loop that restarts with backoff outlive, as when a service dies and its next start-ups fail while
 * something it needs is not ready yet: the next starts fail, then one succeeds (the demo service reads
 * DATA_DIR/crash-on-start). Medic's backoff must carry it through without a human, within its cap.
 */
const FAILING_STARTS = 2;

export const crashloopTransientFault: Fault = {
  name: 'crashloop-transient',
  description: `SIGKILL the service and make its next ${FAILING_STARTS} starts fail (exit 1), then let one succeed`,
  program: 'demo-service',
  expectCause: ['process_crashed'],
  needs: ['DATA_DIR'],
  async inject(t) {
    await writeText(
      path.join(pathVar(t, 'crashloop-transient', 'DATA_DIR'), 'crash-on-start'),
      String(FAILING_STARTS),
    );
    signal(t.pid, 'SIGKILL');
  },
  async undo(t) {
    await remove(path.join(pathVar(t, 'crashloop-transient', 'DATA_DIR'), 'crash-on-start'));
  },
};
