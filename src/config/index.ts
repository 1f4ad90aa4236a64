export { formatIssues, type LoadedConfig, loadConfig, parseConfig } from './load.js';
export * from './schema.js';
export { type ConfigWatcher, type WatchConfigOptions, watchConfig } from './watch.js';
