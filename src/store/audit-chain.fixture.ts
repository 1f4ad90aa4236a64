/**
 * Test helper: appends `n` chained audit entries straight into the table in one transaction (a long chain
 * in a second instead of one transaction per entry), hashed exactly as the store hashes them.
 */
import type { Kysely } from 'kysely';
import { chainHash, GENESIS_HASH } from './audit-chain.js';
import type { StoreSchema } from './schema.js';

export async function seedAuditChain(db: Kysely<StoreSchema>, n: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const last = await trx
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    let seq = last ? Number(last.seq) : 0;
    let prev = last?.hash ?? GENESIS_HASH;
    for (let done = 0; done < n; ) {
      const rows = [];
      for (const end = Math.min(n, done + 200); done < end; done++) {
        seq++;
        const fields = {
          seq,
          at: seq,
          actor: 'medic',
          event: 'seeded',
          subject: `s${seq % 7}`,
          data: { i: seq },
        };
        const hash = chainHash(prev, fields);
        rows.push({ ...fields, data: JSON.stringify(fields.data), prev_hash: prev, hash });
        prev = hash;
      }
      await trx.insertInto('audit_log').values(rows).execute();
    }
  });
}

/**
 * Rewrites entry `seq`'s data and recomputes every hash from it to the head, as someone with write access to
 * the database would to hide a change.
 */
export async function rewriteAuditFrom(db: Kysely<StoreSchema>, seq: number, data: object): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>=', seq)
      .orderBy('seq')
      .execute();
    const before = await trx
      .selectFrom('audit_log')
      .select('hash')
      .where('seq', '=', seq - 1)
      .executeTakeFirst();
    let prev = before?.hash ?? GENESIS_HASH;
    for (const r of rows) {
      const s = Number(r.seq);
      const stored = s === seq ? JSON.stringify(data) : r.data;
      const fields = { seq: s, at: Number(r.at), actor: r.actor, event: r.event, subject: r.subject };
      const hash = chainHash(prev, { ...fields, data: JSON.parse(stored) });
      await trx
        .updateTable('audit_log')
        .set({ data: stored, prev_hash: prev, hash })
        .where('seq', '=', s)
        .execute();
      prev = hash;
    }
  });
}
