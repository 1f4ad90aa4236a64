export * from './medic.js';
export * from './stage.js';
export * from './wiring.js';
