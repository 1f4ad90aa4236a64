import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import type { Incident, IncidentState } from '../src/core/index.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { exited, waitFor } from './helpers.js';

/** An in-process Medic over a config written to `dir`. */
export async function startMedic(dir: string, yaml: string): Promise<Medic> {
  const file = path.join(dir, 'medic.yaml');
  await writeFile(file, yaml);
  const medic = await createMedic({
    loaded: await loadConfig(file),
    watch: false,
    verifyPollMs: 100,
    logger: pino({ level: process.env['MEDIC_LOG_LEVEL'] ?? 'silent' }),
  });
  await medic.start();
  return medic;
}

/** A child process that is killed when the test ends. */
export function run(cmd: string, args: string[], cwd: string): ChildProcess & { output(): string } {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  return Object.assign(child, { output: () => out });
}

export async function stop(child: ChildProcess | null | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await exited(child);
}

/**
 * An in-process Medic for each test of the file, stopped after it: `const start = medicPerTest();` at the
 * top, then `const m = await start(dir, yaml)` in a test.
 */
export function medicPerTest(): (dir: string, yaml: string) => Promise<Medic> {
  let medic: Medic | null = null;
  afterEach(async () => {
    await medic?.stop();
    medic = null;
  });
  return async (dir, yaml) => {
    medic = await startMedic(dir, yaml);
    return medic;
  };
}

/** Waits until the incident is in `state`, and returns it. */
export function incidentIn(m: Medic, id: string, state: IncidentState, ms = 10_000): Promise<Incident> {
  return waitFor(
    `incident ${id} ${state}`,
    async () => {
      const i = await m.store.getIncident(id);
      return i?.state === state ? i : null;
    },
    ms,
  );
}
