import { openSqliteStore } from '../store/index.js';
import { clusterSuite } from './testing.js';

// SQLite is the single-process store: replicas there are logical, sharing one connection (several
// better-sqlite3 connections in one thread deadlock on interleaved transactions). Real replicas need
// PostgreSQL; this proves the same cluster code is correct on SQLite's dialect.
clusterSuite('sqlite (one connection)', async (n) => {
  const store = await openSqliteStore({ dir: ':memory:' });
  return Array.from({ length: n }, () => store);
});
