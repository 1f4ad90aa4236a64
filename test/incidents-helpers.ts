import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/index.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { exited } from './helpers.js';

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
