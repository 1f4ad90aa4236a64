import { loadConfig } from '../config/index.js';
import { openStore, resolveStoreSpec } from '../store/index.js';
import { Medic } from './medic.js';
import { dataDirOf, type MedicOptions } from './options.js';

/** Loads the config, opens the store and builds a Medic (not yet started). */
export async function createMedic(opts: MedicOptions): Promise<Medic> {
  const loaded = opts.loaded ?? (opts.configFile ? await loadConfig(opts.configFile) : null);
  if (!loaded) throw new Error('createMedic needs configFile or loaded');
  const store = await openStore(
    resolveStoreSpec({ dir: dataDirOf(loaded, opts), postgres: loaded.config.store.postgres }),
    opts.clock ? { clock: opts.clock } : {},
  );
  return new Medic(store, loaded, opts);
}
