/**
 * Bans (the `block` action): one row per ban that reached the kernel, so a repeat offender's next ban is
 * counted by one indexed query (address, time) instead of paging through a week of actions and reading a
 * journal per failed one. Bans already journaled are copied in (keyed by their action's id), so the escalation survives the
 * upgrade.
 * Portable DDL for SQLite and PostgreSQL.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('bans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('bans_address_at').on('bans').columns(['address', 'at']).execute();
  // A ban counts once its action was applied, also if it failed later (a ban is never undone).
  const { rows } = await sql<{ id: string; params: string; at: number | string }>`
    select a.id, a.params, min(j.at) as at from actions a join action_journal j on j.action_id = a.id
    where a.kind = 'block' and j.state = 'applied' group by a.id, a.params`.execute(db);
  for (const r of rows) {
    const address = (JSON.parse(r.params) as { address?: unknown }).address;
    if (typeof address !== 'string') continue;
    await sql`insert into bans (id, address, at) values (${r.id}, ${address}, ${Number(r.at)})`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('bans').execute();
}
