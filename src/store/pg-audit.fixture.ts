/**
 * Child process for the multi-process audit test: appends argv[4] entries as actor argv[3] to the PostgreSQL
 * store at argv[2] once it reads a line on stdin (after printing "ready"), then exits 0.
 */
import { openPostgresStore } from './postgres.js';

const [url, actor, count] = process.argv.slice(2);
if (!url || !actor || !count) throw new Error('usage: pg-audit.fixture.ts <url> <actor> <count>');
const store = await openPostgresStore({ url, poolSize: 2 });
// A start barrier: every writer is connected before any appends, so they really contend.
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();
for (let i = 0; i < Number(count); i++) {
  await store.audit({ at: i, actor, event: 'append', subject: 'chain', data: { i, pid: process.pid } });
}
await store.close();
