import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
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

  it('fails a connection attempt to a server that never answers within the default connect timeout', async () => {
    const silent = await listen((sock) => sock.on('error', () => {}));
    try {
      const started = Date.now();
      await expect(
        openPostgresStore({ url: `postgres://postgres:x@127.0.0.1:${port(silent.server)}/db` }),
      ).rejects.toThrow(/timeout/i);
      expect(Date.now() - started).toBeLessThan(9_000);
    } finally {
      silent.close();
    }
  }, 20_000);

  it('fails writes within the query timeout when the network goes silent, and still closes', async () => {
    const url = await server().createDatabase();
    const proxy = await partitionableProxy(server().port);
    try {
      const store = await openPostgresStore({
        url: url.replace(`:${server().port}/`, `:${port(proxy.server)}/`),
        statementTimeoutMs: 500,
        queryTimeoutMs: 1_000,
        connectTimeoutMs: 1_000,
      });
      await store.audit({ at: 1, actor: 'a', event: 'before', subject: 's' });

      proxy.partition();
      const started = Date.now();
      await expect(store.audit({ at: 2, actor: 'a', event: 'during', subject: 's' })).rejects.toThrow(
        /timeout/i,
      );
      // The next read neither reuses the stuck connection nor waits forever for a new one.
      await expect(store.listAudit({})).rejects.toThrow(/timeout/i);
      await store.close();
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      proxy.close();
    }
  }, 30_000);
});

function port(srv: Server): number {
  const addr = srv.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

async function listen(onConnection: (sock: Socket) => void): Promise<{ server: Server; close(): void }> {
  const sockets = new Set<Socket>();
  const srv = createServer((sock) => {
    sockets.add(sock);
    onConnection(sock);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    server: srv,
    close() {
      for (const s of sockets) s.destroy();
      srv.close();
    },
  };
}

/**
 * A TCP proxy to the test server that can be cut like a network partition: once cut, nothing passes in
 * either direction, no connection is closed (the peer never learns), and new connections are accepted but
 * never answered.
 */
async function partitionableProxy(targetPort: number) {
  let cut = false;
  const all: Socket[] = [];
  const proxy = await listen((client) => {
    all.push(client);
    client.on('error', () => {});
    if (cut) {
      client.pause();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    all.push(upstream);
    upstream.on('error', () => {});
    client.on('data', (d: Buffer) => {
      if (!cut) upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (!cut) client.write(d);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return {
    server: proxy.server,
    partition() {
      cut = true;
      // Paused sockets read nothing, so a FIN the client sends is never seen nor answered.
      for (const s of all) s.pause();
    },
    close() {
      for (const s of all) s.destroy();
      proxy.close();
    },
  };
}
