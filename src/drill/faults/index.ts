import { Registry } from '../../core/index.js';
import { crashFault } from './crash.js';
import type { Fault } from './fault.js';
import { hangFault } from './hang.js';

export type { Fault, FaultTarget } from './fault.js';

export const faults = new Registry<Fault>('fault')
  .register(crashFault.name, crashFault)
  .register(hangFault.name, hangFault);
