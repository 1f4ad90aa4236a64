import path from 'node:path';
import { type Fault, pathVar, remove, signal, writeText } from './fault.js';

/**
 * A start-up that needs a few tries: the next starts fail, then one succeeds (the demo service reads
 * DATA_DIR/crash-on-start). Medic's backoff should carry it through without a human.
 */
const FAILING_STARTS = 2;

export const crashloopTransientFault: Fault = {
  name: 'crashloop-transient',
  description: `SIGKILL the service and make its next ${FAILING_STARTS} starts fail (exit 1), as a start-up that needs a few tries`,
  needs: ['DATA_DIR'],
  async inject(t) {
    await writeText(path.join(pathVar(t, 'crashloop', 'DATA_DIR'), 'crash-on-start'), String(FAILING_STARTS));
    signal(t.pid, 'SIGKILL');
  },
  async undo(t) {
    await remove(path.join(pathVar(t, 'crashloop', 'DATA_DIR'), 'crash-on-start'));
  },
};
