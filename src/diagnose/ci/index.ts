/** CI failure classification: its classes, the classifier, and the diagnosis rules of CI findings. */
export * from './causes.js';
export * from './classify.js';
export * from './rules.js';
export { failingTests } from './signatures.js';
