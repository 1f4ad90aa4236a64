export * from './learner.js';
export * from './outcomes.js';
