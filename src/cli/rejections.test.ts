import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('a rejected promise nobody awaits is logged with its stack, and the process goes on', async () => {
  const guard = path.join(import.meta.dirname, 'rejections.ts');
  const script = `
    const { installRejectionGuard } = await import(${JSON.stringify(guard)});
    installRejectionGuard();
    Promise.reject(new Error('timeout expired'));
    setTimeout(() => console.log('still running'), 200);
  `;
  const { stdout, stderr } = await run(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      timeout: 30_000,
    },
  );
  expect(stdout.trim()).toBe('still running');
  const line = JSON.parse(stderr.trim().split('\n').at(-1)!);
  expect(line).toMatchObject({ level: 50, msg: expect.stringMatching(/unhandled promise rejection/) });
  expect(line.err).toMatch(/Error: timeout expired\n\s+at /);
}, 40_000);
