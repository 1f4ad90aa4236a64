export * from './actions/index.js';
export * from './backups.js';
export * from './engine.js';
export * from './guard.js';
export * from './journal.js';
export * from './playbooks.js';
export * from './template.js';
export * from './verify.js';
