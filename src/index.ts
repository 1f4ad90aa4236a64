/** Medic as a library: `import { createMedic } from 'medic'`. */
export { type ApiServer, buildApi, startApi } from './api/index.js';
export {
  configJsonSchema,
  configSchema,
  type LoadedConfig,
  loadConfig,
  type MedicConfig,
  parseConfig,
} from './config/index.js';
export * from './core/index.js';
export { createMedic, Medic, type MedicOptions, type ServiceStatus } from './daemon/index.js';
export type { Store } from './store/index.js';
