/**
 * Child process for the durability test: opens the store in argv[2], writes an audit entry and an incident,
 * prints "written" and then waits to be killed.
 */
import { openSqliteStore } from './sqlite.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: durability.fixture.ts <dir>');
const store = await openSqliteStore({ dir });
await store.audit({
  at: 1000,
  actor: 'child',
  event: 'durability.test',
  subject: 'inc_durable',
  data: { n: 1 },
});
await store.createIncident(
  {
    id: 'inc_durable',
    service: 'api',
    state: 'open',
    title: 'written before kill -9',
    severity: 'critical',
    rootCause: null,
    openedAt: 1000,
    updatedAt: 1000,
    resolvedAt: null,
  },
  'durability test',
);
process.stdout.write('written\n');
setInterval(() => {}, 60_000);
