import path from 'node:path';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import type { Clock, ServiceHealth } from '../core/index.js';

export interface MedicOptions {
  /** Path of medic.yaml; or pass `loaded` directly. */
  configFile?: string;
  loaded?: LoadedConfig;
  clock?: Clock;
  logger?: Logger;
  /** Watch the config file and apply valid edits (default true with a configFile). */
  watch?: boolean;
  /** How often verification re-checks a healed service (default 500 ms). */
  verifyPollMs?: number;
  /** Overrides `store.dir` of the config. */
  dataDir?: string;
  /**
   * This Medic runs a drill: faults are injected on purpose, so heal outcomes are recorded as drills and
   * kept out of what the learner learns.
   */
  drill?: boolean;
}

export interface ServiceStatus {
  name: string;
  health: ServiceHealth;
  supervised: boolean;
  pid: number | null;
  checks: { name: string; state: string }[];
  dependsOn: string[];
  /** This replica runs the service's checks. */
  local: boolean;
}

/** Where the daemon keeps its data: `--data-dir`, else the config's `store.dir`, next to the config. */
export function dataDirOf(loaded: LoadedConfig, opts: MedicOptions): string {
  return path.resolve(loaded.baseDir, opts.dataDir ?? loaded.config.store.dir);
}
