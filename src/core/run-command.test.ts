import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCommand } from './run-command.js';

describe('runCommand', () => {
  it('runs argv without a shell: metacharacters stay one argument', async () => {
    const r = await runCommand([process.execPath, '-e', 'console.log(process.argv[1])', '; rm -rf / $(id)']);
    expect(r).toMatchObject({ code: 0, aborted: false, error: null });
    expect(r.stdout.trim()).toBe('; rm -rf / $(id)');
  });

  it('resolves when the program exits, even if a child it left running holds the output pipes', async () => {
    const t0 = Date.now();
    const r = await runCommand(['sh', '-c', 'sleep 5 & echo started']);
    expect(r).toMatchObject({ code: 0, aborted: false });
    expect(r.stdout.trim()).toBe('started');
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('kills the whole process group on abort', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await runCommand(['sh', '-c', 'sleep 30 & echo $! ; wait'], { signal: ac.signal });
    expect(r.aborted).toBe(true);
    const grandchild = Number(r.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((res) => setTimeout(res, 100));
    // Gone, or a zombie waiting for init to reap it: either way no longer running.
    const stat = await readFile(`/proc/${grandchild}/stat`, 'utf8').catch(() => null);
    expect(stat === null || / Z /.test(stat.slice(stat.lastIndexOf(')')))).toBe(true);
  });

  it('reports a program that cannot start', async () => {
    const r = await runCommand(['/nonexistent/program']);
    expect(r.error).toContain('not found');
  });

  it("gives the program the allow-listed part of Medic's environment and its own env, never Medic's secrets", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      MEDIC_TOKEN: 'medic_0123456789ab_x',
      LLM_KEY: 'sk-secret',
      LANG: 'C.UTF-8',
    });
    try {
      const r = await runCommand(['env'], { env: { STEP_VAR: '1' } });
      const names = r.stdout.split('\n').map((l) => l.split('=')[0]);
      expect(names).toEqual(expect.arrayContaining(['PATH', 'LANG', 'STEP_VAR']));
      expect(names).not.toContain('MEDIC_TOKEN');
      expect(names).not.toContain('LLM_KEY');
    } finally {
      process.env = saved;
    }
  });
});
