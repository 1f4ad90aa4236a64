import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { isSqlite } from '../migrations/helpers.js';
import type { StoreSchema } from '../schema.js';
import type { Page } from '../store.js';

/** The store's database, or a transaction on it. */
export type Db = Kysely<StoreSchema>;

/** Stands in for "no limit" when only an offset is given (SQLite needs a LIMIT before an OFFSET). */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

function nonNegativeInt(n: number | undefined): number | undefined {
  if (n === undefined || !Number.isFinite(n)) return undefined;
  return Math.max(0, Math.floor(n));
}

/** Applies limit/offset; no limit given means every row. */
export function paged<QB extends { limit(n: number): QB; offset(n: number): QB }>(qb: QB, page: Page): QB {
  const limit = nonNegativeInt(page.limit);
  const offset = nonNegativeInt(page.offset);
  if (limit === undefined && !offset) return qb;
  const limited = qb.limit(limit ?? NO_LIMIT);
  return offset ? limited.offset(offset) : limited;
}

/** A count(*) result as a number (PostgreSQL returns it as a string). */
export function countOf(row: { n: number | string | bigint } | undefined): number {
  return row ? Number(row.n) : 0;
}

/** The larger / smaller of two column expressions, in either dialect (SQLite's max/min of two values). */
export function greatest(db: Db, a: string, b: string) {
  return isSqlite(db as never) ? sql.raw<number>(`max(${a}, ${b})`) : sql.raw<number>(`greatest(${a}, ${b})`);
}
export function least(db: Db, a: string, b: string) {
  return isSqlite(db as never) ? sql.raw<number>(`min(${a}, ${b})`) : sql.raw<number>(`least(${a}, ${b})`);
}
