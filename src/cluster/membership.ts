/**
 * Replica membership: each replica upserts its heartbeat into `replicas`; a replica is live while its last
 * heartbeat is younger than the expiry. No consensus of our own: the shared database is the only truth.
 *
 * Times come from each replica's Clock, so replicas' clocks must agree to well under the expiry (NTP).
 */
import { type Kysely, sql } from 'kysely';
import type { Clock } from '../core/index.js';
import { isSqlite, type StoreSchema } from '../store/index.js';

/** How often a replica heartbeats. */
export const DEFAULT_HEARTBEAT_MS = 2_000;
/** A replica whose last heartbeat is older than this is dead: its checks and claims move to the others. */
export const DEFAULT_EXPIRY_MS = 8_000;

export interface MembershipOptions {
  db: Kysely<StoreSchema>;
  replicaId: string;
  clock: Clock;
  expiryMs?: number;
  /** Shown to people (host, pid, version); never used for decisions. */
  info?: Record<string, unknown>;
}

export interface ReplicaRow {
  id: string;
  startedAt: number;
  heartbeatAt: number;
  info: Record<string, unknown>;
}

/**
 * The longest a dead replica keeps its checks: it is declared dead `expiryMs` after its last heartbeat (which
 * came at or before its death), and each other replica notices at its next heartbeat, at most one interval
 * later. With the defaults: 8 s + 2 s = 10 s.
 */
export function reassignBoundMs(heartbeatMs = DEFAULT_HEARTBEAT_MS, expiryMs = DEFAULT_EXPIRY_MS): number {
  return expiryMs + heartbeatMs;
}

export class Membership {
  readonly replicaId: string;
  readonly expiryMs: number;
  private readonly db: Kysely<StoreSchema>;
  private readonly clock: Clock;
  private readonly info: string;
  private startedAt: number | null = null;

  constructor(opts: MembershipOptions) {
    this.db = opts.db;
    this.replicaId = opts.replicaId;
    this.clock = opts.clock;
    this.expiryMs = opts.expiryMs ?? DEFAULT_EXPIRY_MS;
    this.info = JSON.stringify(opts.info ?? {});
  }

  /**
   * Writes this replica's heartbeat (joining on the first call) and returns the live replicas, by id. Write
   * and read are atomic: a heartbeat others can see always comes with this replica's fresh view of them,
   * which is what a joining replica waits for before it runs its share.
   */
  async beat(): Promise<ReplicaRow[]> {
    const now = this.clock.now();
    this.startedAt ??= now;
    const startedAt = this.startedAt;
    // SQLite's calls are synchronous and cost no round trip; it has no data-modifying CTE either.
    if (isSqlite(this.db as never)) {
      return this.db.transaction().execute(async (trx) => {
        await this.upsert(trx, startedAt, now);
        return this.live(now, trx);
      });
    }
    // PostgreSQL: one statement, one round trip, so a replica whose event loop is busy (thousands of checks)
    // still beats in one turn of it. The read sees the table as it was before the write: this replica's
    // row comes from the write's RETURNING, or, when a newer beat overtook this one, from the table.
    const { rows } = await sql<DbRow>`
      with up as (
        insert into replicas (id, started_at, heartbeat_at, info)
        values (${this.replicaId}, ${startedAt}, ${now}, ${this.info})
        on conflict (id) do update set heartbeat_at = excluded.heartbeat_at, info = excluded.info
        where replicas.heartbeat_at < excluded.heartbeat_at
        returning id, started_at, heartbeat_at, info
      )
      select id, started_at, heartbeat_at, info from up
      union all
      select id, started_at, heartbeat_at, info from replicas
      where heartbeat_at > ${now - this.expiryMs} and id not in (select id from up)
      order by id`.execute(this.db);
    return rows.map(toRow);
  }

  private async upsert(db: Kysely<StoreSchema>, startedAt: number, now: number): Promise<void> {
    await db
      .insertInto('replicas')
      .values({ id: this.replicaId, started_at: startedAt, heartbeat_at: now, info: this.info })
      .onConflict((oc) =>
        // Never move a heartbeat backwards (a slow write overtaken by a newer one).
        oc
          .column('id')
          .doUpdateSet((eb) => ({
            heartbeat_at: eb.ref('excluded.heartbeat_at'),
            info: eb.ref('excluded.info'),
          }))
          .where((eb) => eb('replicas.heartbeat_at', '<', eb.ref('excluded.heartbeat_at'))),
      )
      .execute();
  }

  /** Replicas whose heartbeat is younger than the expiry, ordered by id. */
  async live(now = this.clock.now(), db: Kysely<StoreSchema> = this.db): Promise<ReplicaRow[]> {
    const rows = await db
      .selectFrom('replicas')
      .selectAll()
      .where('heartbeat_at', '>', now - this.expiryMs)
      .orderBy('id')
      .execute();
    return rows.map(toRow);
  }

  /** Leaves at once (a clean stop): the others take over at their next heartbeat instead of after expiry. */
  async leave(): Promise<void> {
    await this.db.deleteFrom('replicas').where('id', '=', this.replicaId).execute();
    this.startedAt = null;
  }

  /**
   * Forgets every other replica. Only for a store one process owns (SQLite behind the data-directory lock):
   * whoever else is listed is a dead predecessor, and its steps are orphans now rather than after expiry.
   */
  async evictOthers(): Promise<number> {
    const r = await this.db.deleteFrom('replicas').where('id', '!=', this.replicaId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Forgets replicas silent for longer than `olderThanMs` (default 1 h), so the table stays small. */
  async prune(olderThanMs = 3_600_000): Promise<number> {
    const r = await this.db
      .deleteFrom('replicas')
      .where('heartbeat_at', '<', this.clock.now() - olderThanMs)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

interface DbRow {
  id: string;
  started_at: number | string;
  heartbeat_at: number | string;
  info: string;
}

function toRow(r: DbRow): ReplicaRow {
  return {
    id: r.id,
    startedAt: Number(r.started_at),
    heartbeatAt: Number(r.heartbeat_at),
    info: parseInfo(r.info),
  };
}

function parseInfo(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
