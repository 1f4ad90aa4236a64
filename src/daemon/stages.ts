import { alertsStage } from './alerts-stage.js';
import { ciStage } from './ci-stage.js';
import { depsStage } from './deps-stage.js';
import { driftStage } from './drift-stage.js';
import { logsStage } from './logs-stage.js';
import { metricsStage } from './metrics-stage.js';
import type { StageFactory } from './stage.js';

/** Every stage the daemon starts, in order (stopped in reverse). */
export const STAGES: StageFactory[] = [metricsStage, logsStage, alertsStage, ciStage, driftStage, depsStage];
