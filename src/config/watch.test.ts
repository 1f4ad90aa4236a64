import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, RealClock } from '../core/index.js';
import type { LoadedConfig } from './load.js';
import { type ConfigWatcher, watchConfig } from './watch.js';

let dir: string;
let file: string;
let watcher: ConfigWatcher | undefined;
let changes: LoadedConfig[];
let errors: Error[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medic-watch-'));
  file = path.join(dir, 'medic.yaml');
  await writeFile(file, 'server: { port: 7000 }\n');
  changes = [];
  errors = [];
  watcher = start(30);
});

function start(debounceMs: number): ConfigWatcher {
  return watchConfig(file, {
    clock: new RealClock(),
    debounceMs,
    onChange: (c) => {
      changes.push(c);
    },
    onError: (e) => {
      errors.push(e);
    },
  });
}

afterEach(async () => {
  watcher?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Saves like an editor does: write a temporary file, then rename it over the original. */
async function save(text: string): Promise<void> {
  const tmp = path.join(dir, '.medic.yaml.swp');
  await writeFile(tmp, text);
  await rename(tmp, file);
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 200));

describe('watchConfig', () => {
  it('reloads on a valid edit, reports a broken one, and reloads again once fixed', async () => {
    await save('server: { port: 7001 }\n');
    await until(() => changes.length === 1);
    expect(changes[0]?.config.server.port).toBe(7001);
    expect(errors).toEqual([]);

    await save('server: { port: 7002\n');
    await until(() => errors.length === 1);
    expect(errors[0]).toBeInstanceOf(ConfigError);
    expect(changes).toHaveLength(1);

    await writeFile(file, 'server: { port: 7003 }\n');
    await until(() => changes.length === 2);
    expect(changes[1]?.config.server.port).toBe(7003);
    await settle();
    expect(errors).toHaveLength(1);
  });

  it('ignores a save whose content did not change', async () => {
    await save('server: { port: 7000 }\n');
    await writeFile(path.join(dir, 'other.yaml'), 'x: 1\n');
    await settle();
    expect(changes).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('debounces a burst of writes into one reload', async () => {
    watcher?.close();
    // Wide enough that a slow machine still writes the whole burst inside one quiet period.
    watcher = start(250);
    for (let port = 7100; port < 7105; port++) await writeFile(file, `server: { port: ${port} }\n`);
    await until(() => changes.length >= 1);
    await settle();
    await settle();
    expect(changes).toHaveLength(1);
    expect(changes[0]?.config.server.port).toBe(7104);
  });

  it('passes an error thrown by onChange to onError', async () => {
    watcher?.close();
    watcher = watchConfig(file, {
      clock: new RealClock(),
      debounceMs: 30,
      onChange: () => Promise.reject(new Error('apply failed')),
      onError: (e) => {
        errors.push(e);
      },
    });
    await save('server: { port: 7200 }\n');
    await until(() => errors.length === 1);
    expect(errors[0]?.message).toBe('apply failed');
  });
});
