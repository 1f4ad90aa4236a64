import type pg from 'pg';
import type { Fault, FaultTarget } from './fault.js';

/** The role of the runaway client: a plain one, as a batch job's would be (superusers keep reserved slots). */
const ROLE = 'batch_report';
const APP = 'batch-report';

/** What each target holds, by its pid, for undo. */
const held = new Map<number, pg.Client[]>();

/** The database server's URL from its run environment (PGPORT, PGHOST, PGUSER as libpq reads them). */
function adminUrl(t: FaultTarget): string {
  const vars = t.env?.vars ?? {};
  const port = vars['PGPORT'];
  if (!port) throw new Error(`db-saturated needs PGPORT in ${t.service}'s run.env`);
  const host = vars['PGHOST'] && !vars['PGHOST'].startsWith('/') ? vars['PGHOST'] : '127.0.0.1';
  return `postgres://${encodeURIComponent(vars['PGUSER'] ?? 'postgres')}@${host}:${port}/postgres`;
}

async function client(url: string, application: string): Promise<pg.Client> {
  const { default: pgm } = await import('pg');
  const c = new pgm.Client({
    connectionString: url,
    application_name: application,
    connectionTimeoutMillis: 3_000,
  });
  c.on('error', () => {}); // terminated by the heal: expected
  await c.connect();
  return c;
}

/**
 * A runaway batch job: it opens connection after connection as its own (not superuser) role, begins a
 * transaction in each and leaves it idle, until the server refuses it for want of a slot. Every slot but the
 * superusers' reserved ones is then taken: any other client's new connection is refused, until someone ends
 * those sessions. The stack's API and Medic connect as the superuser and keep working through the reserved
 * slots (and the API through its pooled connection), which is how the healer gets in.
 */
export const dbSaturatedFault: Fault = {
  name: 'db-saturated',
  description:
    'a client opens connections idle in a transaction until PostgreSQL refuses more (max_connections, less the reserved slots)',
  role: 'database',
  // PostgreSQL's own port in the service's environment: a database of another kind (a Redis) does not fit.
  needs: ['PGPORT'],
  expectCause: ['db_saturated'],
  async inject(t) {
    const url = adminUrl(t);
    const admin = await client(url, 'medic-drill');
    try {
      // Trust authentication on loopback (the stack's): the role needs no password. Created once, kept.
      await admin.query(
        `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN CREATE ROLE ${ROLE} LOGIN; END IF; END $$`,
      );
      const { rows } = await admin.query<{ max: number }>(
        "SELECT current_setting('max_connections')::int AS max",
      );
      const u = new URL(url);
      u.username = ROLE;
      const mine = held.get(t.pid) ?? [];
      held.set(t.pid, mine);
      for (let i = 0; i < rows[0]!.max; i++) {
        let c: pg.Client;
        try {
          c = await client(u.toString(), APP);
        } catch (err) {
          // 53300: no slot left for a role like this one. The fault is in force.
          if ((err as { code?: string }).code === '53300') break;
          throw err;
        }
        mine.push(c);
        await c.query('BEGIN');
        await c.query('SELECT count(*) FROM pg_class');
      }
      if (mine.length === 0) throw new Error(`db-saturated: ${ROLE} could not open a single connection`);
    } finally {
      await admin.end().catch(() => {});
    }
  },
  async undo(t) {
    const mine = held.get(t.pid) ?? [];
    held.delete(t.pid);
    await Promise.all(mine.map((c) => c.end().catch(() => {})));
  },
};
