import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The optional heavy clients cost tens of MB each, and every fork() of the daemon pays for its pages: they must
 * load when first used, not when the daemon is imported. A real node child imports the daemon and reports
 * which of them it loaded; a second import of them directly proves the detector sees ESM and CJS alike.
 */
const HEAVY = ['@kubernetes/client-node', 'dockerode', 'pg', 'nodemailer', 'openai'];
const ROOT = path.resolve(import.meta.dirname, '..');

// Runs on the loader thread: records each heavy package the first time a module of it resolves. It writes
// synchronously, so a line is out before the import that caused it goes on.
const HOOKS = `
import { writeSync } from 'node:fs';
const heavy = ${JSON.stringify(HEAVY)};
const seen = new Set();
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  for (const p of heavy) {
    if (!seen.has(p) && r.url.includes('/node_modules/' + p + '/')) {
      seen.add(p);
      writeSync(1, 'loaded ' + p + '\\n');
    }
  }
  return r;
}`;

// Also asks the CommonJS cache, which sees a package that a CommonJS module require()s.
const CHILD = `
import { register, createRequire } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}));
const heavy = ${JSON.stringify(HEAVY)};
const cached = () => {
  const keys = Object.keys(createRequire(import.meta.url).cache);
  return heavy.filter((p) => keys.some((k) => k.includes('/node_modules/' + p + '/')));
};
await import('./src/daemon/index.ts');
console.log('daemon imported; cjs cache: ' + cached().join(','));
for (const p of heavy) await import(p);
console.log('all imported; cjs cache: ' + cached().join(','));
`;

describe('optional heavy dependencies', () => {
  it('are not loaded by importing the daemon', { timeout: 20_000 }, async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', CHILD],
      { cwd: ROOT, timeout: 18_000 },
    );
    const lines = stdout.trim().split('\n');
    const mark = lines.findIndex((l) => l.startsWith('daemon imported'));
    expect(mark, stdout).toBeGreaterThanOrEqual(0);
    const before = lines.slice(0, mark).filter((l) => l.startsWith('loaded '));
    expect(before, 'loaded by importing the daemon').toEqual([]);
    expect(lines[mark]).toBe('daemon imported; cjs cache: ');
    // The detector works: each package, imported on purpose, is seen.
    const after = lines.slice(mark).filter((l) => l.startsWith('loaded '));
    expect(after.sort()).toEqual(HEAVY.map((p) => `loaded ${p}`).sort());
    const cjs = (lines.at(-1) ?? '').replace('all imported; cjs cache: ', '').split(',');
    expect(cjs).toEqual(expect.arrayContaining(['dockerode', 'nodemailer', 'pg']));
  });
});
