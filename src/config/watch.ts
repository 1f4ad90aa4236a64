import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Clock, ConfigError, TimerHandle } from '../core/index.js';
import { type LoadedConfig, parseConfig, readError } from './load.js';

export interface WatchConfigOptions {
  clock: Clock;
  /** A valid new config. Errors it throws are passed to onError. */
  onChange: (c: LoadedConfig) => void | Promise<void>;
  /** An invalid or unreadable config: the caller keeps running the previous one. */
  onError: (err: ConfigError | Error) => void;
  /** Quiet time after the last file event before reloading. */
  debounceMs?: number;
}

export interface ConfigWatcher {
  close(): void;
}

/**
 * Reloads a config file when it changes. Watches the directory, not the file: editors save by writing a
 * temporary file and renaming it over the old one, which a watch on the file itself would lose track of.
 */
export function watchConfig(file: string, opts: WatchConfigOptions): ConfigWatcher {
  const { clock, onChange, onError } = opts;
  const debounceMs = opts.debounceMs ?? 200;
  const abs = path.resolve(file);
  const base = path.basename(abs);
  // Seeded synchronously so a touch (or a save without edits) right after start is not taken as a change.
  let lastText: string | null = readOrNull(abs);
  let timer: TimerHandle | undefined;
  let closed = false;
  // Reloads run one at a time, in order, so an older read never overwrites a newer one.
  let chain: Promise<void> = Promise.resolve();

  const reload = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(abs, 'utf8');
    } catch (err) {
      lastText = null;
      if (!closed) onError(readError(file, err));
      return;
    }
    if (closed || text === lastText) return;
    lastText = text;
    let loaded: LoadedConfig;
    try {
      loaded = parseConfig(text, file);
    } catch (err) {
      onError(err as Error);
      return;
    }
    try {
      await onChange(loaded);
    } catch (err) {
      onError(err as Error);
    }
  };

  const schedule = () => {
    clock.clearTimeout(timer);
    timer = clock.setTimeout(() => {
      timer = undefined;
      chain = chain.then(reload);
    }, debounceMs);
  };

  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(path.dirname(abs), (_event, name) => {
      // Some platforms do not report the name; then any event in the directory may be ours.
      if (closed || (name !== null && name.toString() !== base)) return;
      schedule();
    });
    watcher.on('error', (err) => {
      if (!closed) onError(err);
    });
  } catch (err) {
    onError(err as Error);
  }

  return {
    close() {
      closed = true;
      clock.clearTimeout(timer);
      watcher?.close();
    },
  };
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
