import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { storeContract } from './contract.js';
import { sharedPostgres } from './pg.fixture.js';
import { openPostgresStore, type PostgresStore } from './postgres.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const projectRoot = join(here, '..', '..');
const server = sharedPostgres();

storeContract('postgres', async () => openPostgresStore({ url: await server().createDatabase() }));

/** Runs the audit writer fixture in a real child process; resolves when it exits cleanly. */
interface Writer {
  ready: Promise<void>;
  go(): void;
  done: Promise<void>;
}

/** A child process appending to the audit log; it connects, says ready, and appends once told to go. */
function auditWriter(url: string, actor: string, n: number): Writer {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'pg-audit.fixture.ts'), url, actor, String(n)],
    { cwd: projectRoot, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${actor} exited ${code}: ${stderr}`)),
    );
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    done.then(() => reject(new Error(`${actor} exited before it was ready`)), reject);
  });
  return { ready, go: () => child.stdin.end('go\n'), done };
}

describe('PostgresStore', () => {
  const open: PostgresStore[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('keeps one verified audit chain with several processes appending at once', async () => {
    const url = await server().createDatabase();
    const store = await openPostgresStore({ url });
    open.push(store);
    const perWriter = 40;
    const writers = ['child-1', 'child-2', 'child-3'].map((actor) => auditWriter(url, actor, perWriter));
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();
    for (let i = 0; i < perWriter; i++) {
      await store.audit({ at: i, actor: 'parent', event: 'append', subject: 'chain', data: { i } });
    }
    await Promise.all(writers.map((w) => w.done));
    const total = 4 * perWriter;
    expect(await store.verifyAudit()).toEqual({ ok: true, entries: total, brokenAt: null });
    const entries = await store.listAudit({});
    const byActor = new Map<string, number>();
    for (const e of entries) byActor.set(e.actor, (byActor.get(e.actor) ?? 0) + 1);
    expect(Object.fromEntries(byActor)).toEqual({
      parent: perWriter,
      'child-1': perWriter,
      'child-2': perWriter,
      'child-3': perWriter,
    });
    // The writers really interleaved: one chain, not four runs one after another.
    const actorsInOrder = entries.map((e) => e.actor);
    const switches = actorsInOrder.filter((a, i) => i > 0 && a !== actorsInOrder[i - 1]).length;
    expect(switches).toBeGreaterThan(3);
  }, 60_000);

  it('runs migrations idempotently when several replicas start at once', async () => {
    const url = await server().createDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url })));
    open.push(...stores);
    await Promise.all(stores.map((s) => s.migrate()));
    expect((await stores[0]!.listIncidents({})).total).toBe(0);
  });

  it('returns numbers for bigint columns', async () => {
    const store = await openPostgresStore({ url: await server().createDatabase() });
    open.push(store);
    const e = await store.audit({ at: 1_767_225_600_000, actor: 'a', event: 'e', subject: 's' });
    const [listed] = await store.listAudit({});
    expect(listed).toEqual(e);
    expect(typeof listed?.seq).toBe('number');
  });
});
