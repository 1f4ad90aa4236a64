/** The diagnose stage's public face: cause rules, prompt redaction, the optional LLM, and their combination. */

export * from './ci/index.js';
export * from './combine.js';
export * from './evidence.js';
export * from './llm.js';
export * from './redact.js';
export * from './rules.js';
export { isErrorLine, sustainedGrowth } from './signals.js';
