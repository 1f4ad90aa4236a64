export * from './health.js';
export * from './threshold.js';
