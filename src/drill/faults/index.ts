import { Registry } from '../../core/index.js';
import { badConfigFault } from './bad-config.js';
import { badDeployFault } from './bad-deploy.js';
import { bruteForceFault } from './brute-force.js';
import { cacheDownFault } from './cache-down.js';
import { configDriftFault } from './config-drift.js';
import { crashFault } from './crash.js';
import { crashloopFault } from './crashloop.js';
import { crashloopTransientFault } from './crashloop-transient.js';
import { dbDownFault } from './db-down.js';
import { dbSaturatedFault } from './db-saturated.js';
import { diskFillFault } from './disk-fill.js';
import { errorBurstFault } from './error-burst.js';
import type { Fault } from './fault.js';
import { hangFault } from './hang.js';
import { leakFault } from './leak.js';
import { portConflictFault } from './port-conflict.js';
import { portSquatterFault } from './port-squatter.js';
import { slowFault } from './slow.js';

export type { Fault, FaultNeed, FaultRole, FaultTarget, TargetEnv } from './fault.js';

/** Every fault, in the order `drill all` runs them. */
export const faults = new Registry<Fault>('fault')
  .register(crashFault.name, crashFault)
  .register(hangFault.name, hangFault)
  .register(slowFault.name, slowFault)
  .register(leakFault.name, leakFault)
  .register(errorBurstFault.name, errorBurstFault)
  .register(dbDownFault.name, dbDownFault)
  .register(cacheDownFault.name, cacheDownFault)
  .register(diskFillFault.name, diskFillFault)
  .register(portConflictFault.name, portConflictFault)
  // Late: these make heals fail on purpose, and failed heals lower what the learner trusts.
  .register(crashloopTransientFault.name, crashloopTransientFault)
  .register(crashloopFault.name, crashloopFault)
  .register(badConfigFault.name, badConfigFault)
  .register(configDriftFault.name, configDriftFault)
  // The API's restart by a deploy right after a database fault would find the API still waiting on it.
  .register(badDeployFault.name, badDeployFault)
  .register(dbSaturatedFault.name, dbSaturatedFault)
  .register(bruteForceFault.name, bruteForceFault)
  // A safety drill, whose right ending is an escalation: `drill all` runs it with --with-escalations.
  .register(portSquatterFault.name, portSquatterFault);
