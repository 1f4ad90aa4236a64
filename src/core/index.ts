export * from './bus.js';
export * from './clock.js';
export * from './duration.js';
export * from './errors.js';
export * from './ids.js';
export * from './registry.js';
export * from './types.js';
