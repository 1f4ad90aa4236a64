import { loadConfig } from '../config/index.js';
import { openStore, resolveStoreSpec } from '../store/index.js';
import { Medic } from './medic.js';
import { dataDirOf, type MedicOptions } from './options.js';

/** Loads the config, opens the store and builds a Medic (not yet started). */
export async function createMedic(opts: MedicOptions): Promise<Medic> {
  const loaded = opts.loaded ?? (opts.configFile ? await loadConfig(opts.configFile) : null);
  if (!loaded) throw new Error('createMedic needs configFile or loaded');
  // The store opens before Medic (and its logger) exists: its one late word, a failed log writer thread, is
  // told once the logger is there.
  let medic: Medic | null = null;
  const store = await openStore(
    resolveStoreSpec({ dir: dataDirOf(loaded, opts), postgres: loaded.config.store.postgres }),
    {
      ...(opts.clock ? { clock: opts.clock } : {}),
      onLogWriterError: (err) =>
        medic?.logger.warn(
          { err: err.message },
          'log writer thread failed: log lines are written on the main connection from now on',
        ),
    },
  );
  medic = new Medic(store, loaded, opts);
  return medic;
}
