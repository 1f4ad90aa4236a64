import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type Fault, faultSwitch, pathVar, remove, resetSwitches } from './fault.js';

/** 48 MB (the stack's limit) in about 24 s: time for a forecast to see it coming. */
const MB_PER_S = 2;

export const diskFillFault: Fault = {
  name: 'disk-fill',
  description: `a runaway writer in the service appends ${MB_PER_S} MB a second to its data directory (DATA_DIR/spool)`,
  program: 'demo-service',
  needs: ['url', 'DATA_DIR'],
  // Seen properly when the limit is predicted, before the directory is full.
  expect: ['forecast'],
  gradual: true,
  expectCause: ['disk_filling'],
  async inject(t) {
    await faultSwitch(t, 'disk-fill', 'fill', { mb_per_s: MB_PER_S });
  },
  async undo(t) {
    await resetSwitches(t, 'disk-fill');
    const spool = path.join(pathVar(t, 'disk-fill', 'DATA_DIR'), 'spool');
    const files = await readdir(spool).catch(() => [] as string[]);
    for (const f of files) if (f.endsWith('.bin')) await remove(path.join(spool, f));
  },
};
