/**
 * Moves an installation from one store to another (`medic store copy`): every table row for row, ids and
 * audit hashes included, so timelines, journals and the audit chain read exactly as before. Runtime-only
 * tables (replicas, action claims) are not copied: the new installation starts with none.
 */
import { type Kysely, sql } from 'kysely';
import { StoreError } from '../core/index.js';
import { isSqlite } from './migrations/helpers.js';
import type { StoreSchema } from './schema.js';
import type { AuditVerification } from './store.js';

/** Anything with a migrated store database: a KyselyStore (SQLite or PostgreSQL). */
export interface CopyEndpoint {
  readonly db: Kysely<StoreSchema>;
  verifyAudit(): Promise<AuditVerification>;
}

interface TableSpec {
  table: keyof StoreSchema;
  /** The primary key: rows are read in its order. */
  key: readonly string[];
  /** The database assigns `id` (a PostgreSQL sequence to move past the copied ids). */
  autoId?: boolean;
}

/** In foreign-key order: parents before children. */
export const COPIED_TABLES: readonly TableSpec[] = [
  { table: 'probe_results', key: ['id'], autoId: true },
  { table: 'probe_latest', key: ['service', 'check'] },
  { table: 'incidents', key: ['id'] },
  { table: 'incident_timeline', key: ['id'], autoId: true },
  { table: 'findings', key: ['id'] },
  { table: 'actions', key: ['id'] },
  { table: 'action_journal', key: ['id'], autoId: true },
  { table: 'guard_state', key: ['service'] },
  { table: 'outcomes', key: ['id'], autoId: true },
  { table: 'audit_log', key: ['seq'] },
  { table: 'api_tokens', key: ['id'] },
  { table: 'silences', key: ['id'] },
  { table: 'healing_switch', key: ['id'] },
  { table: 'ci_pipeline_history', key: ['pipeline'] },
];

export interface CopyOptions {
  /** Rows per read and per insert; default 500 (well under both databases' parameter limits). */
  batchSize?: number;
  onProgress?: (table: string, rows: number) => void;
}

export interface CopyReport {
  rows: Record<string, number>;
  /** The audit chain as verified on the target after the copy. */
  audit: AuditVerification;
}

// Table names vary at run time here, so the copy speaks to a loosely typed view of the same database.
type Loose = Record<string, Record<string, unknown>>;
const loose = (db: Kysely<StoreSchema>) => db as unknown as Kysely<Loose>;

/**
 * Copies every row of `from` into `to`, in one transaction on the target: it ends with everything copied or
 * nothing. The target must be migrated and empty. Stop Medic on the source first: rows written during the
 * copy may be missed (SQLite sources are read in one transaction, a consistent snapshot).
 */
export async function copyStore(
  from: CopyEndpoint,
  to: CopyEndpoint,
  opts: CopyOptions = {},
): Promise<CopyReport> {
  const batch = Math.max(1, opts.batchSize ?? 500);
  await assertEmpty(to.db);
  const rows: Record<string, number> = {};
  const targetIsPg = !isSqlite(to.db as unknown as Kysely<unknown>);
  await readSnapshot(from.db, (src) =>
    to.db.transaction().execute(async (dst) => {
      for (const spec of COPIED_TABLES) {
        rows[spec.table] = await copyTable(src, dst, spec, batch, opts.onProgress);
        if (spec.autoId && targetIsPg) await moveSequence(dst, spec.table);
      }
    }),
  );
  const audit = await to.verifyAudit();
  const sourceAudit = await from.verifyAudit();
  if (audit.entries !== sourceAudit.entries || audit.ok !== sourceAudit.ok) {
    throw new StoreError(
      `audit log differs after copy: source ${JSON.stringify(sourceAudit)}, target ${JSON.stringify(audit)}`,
    );
  }
  return { rows, audit };
}

/**
 * Runs `fn` inside a read transaction on SQLite (a WAL snapshot); on PostgreSQL reads are plain. A deferred
 * transaction, not the store's usual IMMEDIATE one: a copy only reads, and holding the write lock for its whole
 * length would stall a daemon still writing to the same file past its busy timeout.
 */
export async function readSnapshot(
  db: Kysely<StoreSchema>,
  fn: (src: Kysely<StoreSchema>) => Promise<void>,
): Promise<void> {
  if (!isSqlite(db as unknown as Kysely<unknown>)) return fn(db);
  return db.connection().execute(async (conn) => {
    await sql`begin deferred`.execute(conn);
    try {
      await fn(conn);
    } catch (err) {
      await sql`rollback`.execute(conn);
      throw err;
    }
    await sql`commit`.execute(conn);
  });
}

async function assertEmpty(db: Kysely<StoreSchema>): Promise<void> {
  for (const { table } of COPIED_TABLES) {
    const row = await loose(db)
      .selectFrom(table)
      .select(sql<number>`1`.as('one'))
      .limit(1)
      .executeTakeFirst();
    if (row)
      throw new StoreError(`target store is not empty (table ${table} has rows): copy into a new database`);
  }
}

async function copyTable(
  src: Kysely<StoreSchema>,
  dst: Kysely<StoreSchema>,
  spec: TableSpec,
  batch: number,
  onProgress: CopyOptions['onProgress'],
): Promise<number> {
  let copied = 0;
  let last: unknown;
  for (;;) {
    let q = loose(src).selectFrom(spec.table).selectAll().limit(batch);
    for (const k of spec.key) q = q.orderBy(k);
    // One key column: keyset paging (fast on big history tables); a composite key: offset (small tables).
    const keyset = spec.key.length === 1 ? spec.key[0] : undefined;
    if (keyset === undefined) q = q.offset(copied);
    else if (last !== undefined) q = q.where(keyset, '>', last);
    const page = await q.execute();
    if (page.length === 0) break;
    await loose(dst).insertInto(spec.table).values(page).execute();
    copied += page.length;
    onProgress?.(spec.table, copied);
    if (keyset !== undefined) last = page.at(-1)?.[keyset];
    if (page.length < batch) break;
  }
  return copied;
}

/** Moves a bigserial sequence past the copied ids, so the next insert does not collide. */
async function moveSequence(db: Kysely<StoreSchema>, table: string): Promise<void> {
  await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce(max(id), 0) + 1, false) from ${sql.table(table)}`.execute(
    db,
  );
}
