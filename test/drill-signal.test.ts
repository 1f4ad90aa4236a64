import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, tempDir, waitFor } from './helpers.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Ctrl-C in the middle of `medic drill`: the supervised service is stopped with Medic (never left running
 * unwatched) and the drill's temporary store is removed, as when the drill ends by itself.
 */
describe('medic drill stopped by a signal', () => {
  it('stops the services it runs and removes its temporary store (exit 130)', async () => {
    const dir = await tempDir();
    const tmp = path.join(dir, 'tmp');
    await mkdir(tmp);
    const pids = path.join(dir, 'pids');
    const config = path.join(dir, 'medic.yaml');
    const worker = `require('fs').appendFileSync(${JSON.stringify(pids)}, process.pid + '\\n'); setInterval(() => {}, 1000)`;
    await writeFile(
      config,
      `services:
  worker:
    run: { command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(worker)}] }
    checks:
      - name: alive
        process: {}
        interval: 1s
        timeout: 500ms
playbooks:
  restart-worker:
    when: { service: worker, kind: down }
    steps: [{ restart: {} }]
    verify: { within: 10s }
notifiers: []
`,
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'drill', 'crash', '--config', config, '--runs', '50'],
      { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Mid-drill: one run healed, the next one's fault on its way.
      await waitFor('a drill run to finish', () => err.includes('run 1:'), 60_000);
      const drillStores = (await readdir(tmp)).filter((f) => f.startsWith('medic-drill-'));
      expect(drillStores).toHaveLength(1);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(err).toContain('SIGINT: stopping the supervised services');
    const started = (await readFile(pids, 'utf8')).trim().split('\n').map(Number);
    expect(started.length).toBeGreaterThanOrEqual(2);
    expect(started.filter(alive)).toEqual([]);
    expect((await readdir(tmp)).filter((f) => f.startsWith('medic-'))).toEqual([]);
  }, 90_000);
});
