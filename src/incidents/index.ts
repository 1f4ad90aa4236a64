export * from './correlate.js';
export * from './lifecycle.js';
export * from './report.js';
export * from './report-render.js';
export * from './report-source.js';
export * from './slo.js';
export * from './topology.js';
