export * from './create.js';
export * from './medic.js';
export type { MedicOptions, ServiceStatus } from './options.js';
export * from './stage.js';
export { SystemdNotifier } from './systemd-notify.js';
export * from './wiring.js';
