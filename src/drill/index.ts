export * from './chaos.js';
export * from './chaos-plan.js';
export * from './chaos-report.js';
export * from './faults/index.js';
export * from './report.js';
export * from './runner.js';
export * from './soak.js';
export * from './target.js';
