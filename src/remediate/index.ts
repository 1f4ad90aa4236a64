export * from './actions/index.js';
export * from './engine.js';
export * from './guard.js';
export * from './journal.js';
export * from './playbooks.js';
export * from './verify.js';
