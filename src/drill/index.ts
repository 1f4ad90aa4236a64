export * from './faults/index.js';
export * from './report.js';
export * from './runner.js';
export * from './soak.js';
export * from './target.js';
