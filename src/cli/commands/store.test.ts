import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../store/open.js';
import { registerStore } from './store.js';

const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'medic-cli-store-'));
  dirs.push(d);
  return d;
}

async function run(...args: string[]): Promise<string> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    lines.push(a.join(' '));
  });
  const program = new Command().exitOverride();
  registerStore(program);
  await program.parseAsync(['node', 'medic', ...args]);
  vi.restoreAllMocks();
  return lines.join('\n');
}

describe('medic store', () => {
  it('migrate creates and then reports the schema', async () => {
    const dir = await tempDir();
    expect(await run('store', 'migrate', '--url', `sqlite:${dir}`)).toMatch(/002_cluster\s+applied now/);
    expect(await run('store', 'migrate', '--url', `sqlite:${dir}`)).toMatch(/001_initial\s+applied before/);
  });

  it('copy moves the history and says the audit chain verifies', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    const src = await openStore(`sqlite:${a}`);
    await src.audit({ at: 1, actor: 'medic', event: 'e', subject: 's' });
    await src.audit({ at: 2, actor: 'medic', event: 'e', subject: 's' });
    await src.close();
    const out = await run('store', 'copy', '--from', `sqlite:${a}`, '--to', `sqlite:${b}`);
    expect(out).toMatch(/audit_log\s+2/);
    expect(out).toContain('audit chain verified: 2 entries');
    const dst = await openStore(`sqlite:${b}`);
    expect(await dst.verifyAudit()).toEqual({ ok: true, entries: 2, brokenAt: null });
    await dst.close();
  });
});
