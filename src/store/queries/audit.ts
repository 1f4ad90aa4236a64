/** The hash-chained audit log: append, list, verify. There is deliberately no update or delete. */
import type { AuditEntry } from '../../core/index.js';
import { ChainVerifier, chainHash, GENESIS_HASH, normalizeJson } from '../audit-chain.js';
import { rowToAudit } from '../rows.js';
import type { AuditInput, AuditVerification, Page } from '../store.js';
import { type Db, paged } from './common.js';

const VERIFY_BATCH = 1000;

/**
 * Reads the last entry and appends the next one in one transaction. Callers must still serialize appends
 * within a process (KyselyStore does). Across processes, `lock` (run first in the transaction) makes other
 * writers wait until this append commits; without one, the primary key on seq refuses a fork.
 */
export async function appendAudit(
  db: Db,
  e: AuditInput,
  lock?: (trx: Db) => Promise<void>,
): Promise<AuditEntry> {
  return db.transaction().execute(async (trx) => appendAuditIn(trx, e, lock));
}

/**
 * Appends to the chain inside the caller's transaction, so that the audit entry and the change it records
 * commit together or not at all. `lock` (a cross-process lock on the chain's head) is taken first.
 */
export async function appendAuditIn(
  trx: Db,
  e: AuditInput,
  lock?: (trx: Db) => Promise<void>,
): Promise<AuditEntry> {
  await lock?.(trx);
  const last = await trx
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const fields = {
    seq: last ? Number(last.seq) + 1 : 1,
    at: e.at,
    actor: e.actor,
    event: e.event,
    subject: e.subject,
    data: normalizeJson(e.data),
  };
  const prevHash = last ? last.hash : GENESIS_HASH;
  const entry: AuditEntry = { ...fields, prevHash, hash: chainHash(prevHash, fields) };
  await trx
    .insertInto('audit_log')
    .values({
      seq: entry.seq,
      at: entry.at,
      actor: entry.actor,
      event: entry.event,
      subject: entry.subject,
      data: JSON.stringify(entry.data),
      prev_hash: entry.prevHash,
      hash: entry.hash,
    })
    .execute();
  return entry;
}

/** Newest first. */
export async function listAudit(db: Db, filter: Page & { subject?: string }): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll();
  if (filter.subject !== undefined) q = q.where('subject', '=', filter.subject);
  const rows = await paged(q.orderBy('seq', 'desc'), filter).execute();
  return rows.map(rowToAudit);
}

/** Recomputes every hash in seq order, a batch at a time. */
export async function verifyAudit(db: Db): Promise<AuditVerification> {
  const verifier = new ChainVerifier();
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(VERIFY_BATCH)
      .execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      let data: unknown;
      try {
        data = JSON.parse(row.data);
      } catch {
        verifier.fail(seq);
        continue;
      }
      verifier.push({ ...row, seq, at: Number(row.at), data, prevHash: row.prev_hash });
    }
    const last = rows.at(-1);
    if (!last || rows.length < VERIFY_BATCH) break;
    after = Number(last.seq);
  }
  return { ok: verifier.brokenAt === null, entries: verifier.entries, brokenAt: verifier.brokenAt };
}
