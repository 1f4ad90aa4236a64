/** Bans that reached the kernel, by address: the block action's memory of repeat offenders. */
import '../bans-schema.js';
import { newId } from '../../core/index.js';
import type { BanRecord } from '../store.js';
import { countOf, type Db } from './common.js';

/** Records a ban (a step applies once: a crash mid-step is reconciled, never repeated). */
export async function recordBan(db: Db, b: BanRecord): Promise<void> {
  await db
    .insertInto('bans')
    .values({ id: newId('ban'), address: b.address, at: b.at })
    .execute();
}

/** Bans of `address` at or after `since`. */
export async function countBans(db: Db, address: string, since: number): Promise<number> {
  const row = await db
    .selectFrom('bans')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('address', '=', address)
    .where('at', '>=', since)
    .executeTakeFirst();
  return countOf(row);
}
