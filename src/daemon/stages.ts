import type { StageFactory } from './stage.js';

/** Every stage the daemon starts, in order (stopped in reverse). */
export const STAGES: StageFactory[] = [];
