export * from './medic.js';
export * from './wiring.js';
