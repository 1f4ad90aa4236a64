import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { tempDir } from '../../core/temp-dir.fixture.js';
import { FakeDockerd } from './docker.fixture.js';
import type { DockerLogSource } from './docker.js';

/** The simulated clock's start, 2026-01-01T00:00:00Z, in seconds: the fixture lines are stamped near it. */
export const BASE = Date.UTC(2026, 0, 1) / 1000;

/** Docker's stamp `sec` seconds after BASE, with a nanosecond fraction (nine digits, as dockerd writes). */
export function ts(sec: number, frac = '000000000'): string {
  return `2026-01-01T00:00:${String(sec).padStart(2, '0')}.${frac}Z`;
}

export async function until<T>(what: string, fn: () => T | undefined | null | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A test's fake Docker daemon, listening on a unix socket in a directory of the test's own. */
export interface DockerdEnv {
  dir: string;
  socketPath: string;
  /** A test that restarts the daemon on the same socket puts the new one here (it is closed after the test). */
  dockerd: FakeDockerd;
  /** The sources a test started: stopped after it, before the daemon closes. */
  readonly sources: DockerLogSource[];
  /** The daemon's requests for a container's log, in order. */
  logRequests(): FakeDockerd['requests'];
}

/** A new fake daemon before each test of the file, closed after it. */
export function fakeDockerdPerTest(): DockerdEnv {
  const env: DockerdEnv = {
    dir: '',
    socketPath: '',
    dockerd: new FakeDockerd(''),
    sources: [],
    logRequests: () => env.dockerd.requests.filter((r) => r.path.endsWith('/logs')),
  };
  beforeEach(async () => {
    env.dir = await tempDir('medic-docker-logs-');
    env.socketPath = path.join(env.dir, 'docker.sock');
    env.dockerd = new FakeDockerd(env.socketPath);
    await env.dockerd.listen();
  });
  afterEach(async () => {
    for (const s of env.sources.splice(0)) await s.stop();
    await env.dockerd.close();
  });
  return env;
}
