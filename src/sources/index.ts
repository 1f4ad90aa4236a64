/** The sources stage's public face: probes, the check scheduler and the process supervisor. */

export * from './deps/index.js';
export * from './dir-usage.js';
export * from './drift/index.js';
export * from './logs/index.js';
export * from './metrics/index.js';
export * from './pidfiles.js';
export * from './probes/index.js';
export * from './proc-state.js';
export * from './scheduler.js';
export * from './supervisor.js';
export * from './tls-cert.js';
