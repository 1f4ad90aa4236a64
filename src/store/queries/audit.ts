/** The hash-chained audit log: append, list, verify. There is deliberately no update or delete. */
import type { AuditEntry } from '../../core/index.js';
import { chainHash, GENESIS_HASH, normalizeJson } from '../audit-chain.js';
import { rowToAudit } from '../rows.js';
import type { AuditHead, AuditInput, Page } from '../store.js';
import { type Db, paged } from './common.js';

export { verifyAudit } from './audit-verify.js';

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

/** The newest entry: the head a person publishes elsewhere, so that a later truncation shows. */
export async function auditHead(db: Db, seq?: number): Promise<AuditHead | null> {
  let q = db.selectFrom('audit_log').select(['seq', 'hash', 'at']);
  q = seq === undefined ? q.orderBy('seq', 'desc').limit(1) : q.where('seq', '=', seq);
  const row = await q.executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.hash, at: Number(row.at) } : null;
}
