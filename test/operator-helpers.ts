/** Shared by the operator-*.test.ts files: the CLI as a real process, and a daemon's API on a real socket. */
import { execFile } from 'node:child_process';
import { afterEach } from 'vitest';
import { type ApiServer, startApi, tokenStoreOf } from '../src/api/index.js';
import type { Medic } from '../src/daemon/index.js';
import { CLI, ROOT } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `medic ARGS` as its own process (asynchronously: an in-process daemon must keep serving meanwhile). */
export function medicCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { cwd: ROOT, env: { ...process.env, MEDIC_TOKEN: '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export interface Served {
  medic: Medic;
  api: ApiServer;
  url: string;
  /** Bearer tokens: alice (operator), vera (viewer), root (admin). */
  tokens: { operator: string; viewer: string; admin: string };
}

/**
 * An in-process Medic per test with its API on a free loopback port and tokens for each role (so every request
 * is signed in and audited under a name), all stopped after the test.
 */
export function servedPerTest(): (dir: string, yaml: string) => Promise<Served> {
  const start = medicPerTest();
  let api: ApiServer | null = null;
  afterEach(async () => {
    await api?.close();
    api = null;
  });
  return async (dir, yaml) => {
    const medic = await start(dir, yaml);
    const store = tokenStoreOf(medic.store);
    const tokens = {
      operator: (await store.create('alice', 'operator')).token,
      viewer: (await store.create('vera', 'viewer')).token,
      admin: (await store.create('root', 'admin')).token,
    };
    api = await startApi(medic, '127.0.0.1', 0, { webRoot: null });
    return { medic, api, url: api.url, tokens };
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
