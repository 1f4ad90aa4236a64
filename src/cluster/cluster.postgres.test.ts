import { sharedPostgres } from '../store/pg.fixture.js';
import { openPostgresStore } from '../store/postgres.js';
import { clusterSuite } from './testing.js';

const server = sharedPostgres();

// Each replica its own pool on one database, as separate `medic run` processes would be.
clusterSuite('postgres (one pool per replica)', async (n) => {
  const url = await server().createDatabase();
  return Promise.all(Array.from({ length: n }, () => openPostgresStore({ url, poolSize: 4 })));
});
