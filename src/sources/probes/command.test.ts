import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { tempDirSync } from '../../core/temp-dir.fixture.js';
import { commandProbe } from './command.js';
import { isAlive } from './procfs.js';
import { check, context } from './testing.fixture.js';

const node = process.execPath;

describe('command probe', () => {
  it('is ok on the expected exit code and quotes the last line', async () => {
    const r = await commandProbe.run(
      check({ command: { command: [node, '-e', 'console.log("a\\nall good")'] } }),
      context(),
    );
    expect(r).toMatchObject({ ok: true, message: 'exit 0: all good' });
    expect(r.details?.exitCode).toBe(0);
  });

  it('fails on another exit code, and accepts it when configured', async () => {
    const argv = [node, '-e', 'console.error("broken"); process.exit(3)'];
    const bad = await commandProbe.run(check({ command: { command: argv } }), context());
    expect(bad).toMatchObject({ ok: false, message: 'exit 3 (expected 0): broken' });
    const good = await commandProbe.run(check({ command: { command: argv, exit_code: 3 } }), context());
    expect(good.ok).toBe(true);
  });

  it('matches stdout against the output regex', async () => {
    const argv = [node, '-e', 'console.log("replicas: 3")'];
    expect(
      (await commandProbe.run(check({ command: { command: argv, output: 'replicas: [1-9]' } }), context()))
        .ok,
    ).toBe(true);
    const bad = await commandProbe.run(
      check({ command: { command: argv, output: 'replicas: 0' } }),
      context(),
    );
    expect(bad).toMatchObject({
      ok: false,
      message: 'exit 0, output does not match /replicas: 0/: replicas: 3',
    });
  });

  it('runs in cwd relative to baseDir with env merged, never through a shell', async () => {
    const dir = tempDirSync('medic-cmd-');
    writeFileSync(join(dir, 'marker.txt'), 'here');
    const argv = [
      node,
      '-e',
      'console.log(require("fs").readFileSync("marker.txt","utf8"), process.env.FOO, !!process.env.PATH)',
    ];
    const r = await commandProbe.run(
      check({ command: { command: argv, env: { FOO: 'bar' } } }),
      context(5_000, { baseDir: dir }),
    );
    expect(r.message).toBe('exit 0: here bar true');
    const literal = await commandProbe.run(
      check({ command: { command: ['echo', '$HOME;', 'x'] } }),
      context(),
    );
    expect(literal.message).toBe('exit 0: $HOME; x');
  });

  it('truncates a long last line to 200 characters', async () => {
    const r = await commandProbe.run(
      check({ command: { command: [node, '-e', 'console.log("x".repeat(500))'] } }),
      context(),
    );
    expect(r.message.length).toBeLessThanOrEqual('exit 0: '.length + 200);
  });

  it('fails cleanly on a missing program', async () => {
    const r = await commandProbe.run(check({ command: { command: ['/no/such/program'] } }), context());
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^cannot run \/no\/such\/program: not found/);
  });

  it('kills the child on timeout and returns promptly', async () => {
    // A shell prints its pid at once (node may take longer than the timeout to start on a loaded machine).
    const argv = ['/bin/sh', '-c', 'echo $$; exec sleep 60'];
    const t0 = performance.now();
    const r = await commandProbe.run(check({ command: { command: argv }, timeout: 500 }), context(500));
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(r).toMatchObject({ ok: false, message: 'timed out after 500ms' });
    const pid = Number(r.details?.stdout);
    expect(pid).toBeGreaterThan(0);
    for (let i = 0; i < 50 && (await isAlive(pid)); i++) await sleep(20);
    expect(await isAlive(pid)).toBe(false);
  });

  it("runs with the allow-listed part of Medic's environment and the check's env, never Medic's secrets", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { MEDIC_STORE_URL: 'postgres://u:pw@db/m', OPENAI_API_KEY: 'sk-x' });
    try {
      const argv = ['sh', '-c', 'env | cut -d= -f1 | sort | tr "\\n" " "'];
      const r = await commandProbe.run(check({ command: { command: argv, env: { FOO: 'bar' } } }), context());
      const names = String(r.details?.stdout).trim().split(' ');
      expect(names).toEqual(expect.arrayContaining(['FOO', 'PATH']));
      expect(names.filter((n) => n.startsWith('MEDIC_') || n === 'OPENAI_API_KEY')).toEqual([]);
    } finally {
      process.env = saved;
    }
  });
});
