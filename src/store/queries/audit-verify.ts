/**
 * Verifying the audit chain without stalling the process: entries are read and hashed a batch at a time with
 * a turn of the event loop between batches (better-sqlite3 answers synchronously, so awaiting its queries
 * alone never lets another request in), and from the newest checkpoint instead of the genesis entry when
 * asked. Checkpoints (migration 009) are written as the walk passes every CHECKPOINT_EVERY-th entry intact;
 * every verification compares each checkpointed entry's hash with the one recorded, so rewriting old entries
 * and recomputing the chain after them shows even when the walk does not go back that far.
 */
import { setImmediate as turn } from 'node:timers/promises';
import '../audit-checkpoint-schema.js';
import { ChainVerifier, chainHash } from '../audit-chain.js';
import type { AuditVerification, AuditVerifyOptions } from '../store.js';
import type { Db } from './common.js';

/** Entries read and hashed per turn of the event loop (about 5-10 ms of work here). */
const VERIFY_BATCH = 500;
/** A checkpoint every this many entries. */
export const CHECKPOINT_EVERY = 1000;

interface Row {
  seq: number | string;
  at: number | string;
  actor: string;
  event: string;
  subject: string;
  data: string;
  prev_hash: string;
  hash: string;
}

function parsed(row: Row): { seq: number; ok: boolean; entry: Parameters<ChainVerifier['push']>[0] | null } {
  const seq = Number(row.seq);
  try {
    const data: unknown = JSON.parse(row.data);
    return { seq, ok: true, entry: { ...row, seq, at: Number(row.at), data, prevHash: row.prev_hash } };
  } catch {
    return { seq, ok: false, entry: null };
  }
}

/** The first checkpoint whose entry is gone or no longer has the hash it had when checkpointed. */
async function firstChangedCheckpoint(db: Db): Promise<number | null> {
  const row = await db
    .selectFrom('audit_checkpoints as c')
    .leftJoin('audit_log as a', 'a.seq', 'c.seq')
    .select('c.seq')
    .where((eb) => eb.or([eb('a.hash', 'is', null), eb('a.hash', '!=', eb.ref('c.hash'))]))
    .orderBy('c.seq')
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.seq) : null;
}

/**
 * Where an incremental walk starts: after the newest checkpoint whose entry still hashes, from its own content,
 * to the recorded hash. Null: from the genesis entry.
 */
async function startingPoint(db: Db): Promise<{ seq: number; hash: string } | null> {
  const cp = await db
    .selectFrom('audit_checkpoints')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!cp) return null;
  const row = await db.selectFrom('audit_log').selectAll().where('seq', '=', cp.seq).executeTakeFirst();
  const p = row ? parsed(row) : null;
  if (!p?.entry || p.entry.hash !== cp.hash || chainHash(p.entry.prevHash, p.entry) !== cp.hash) return null;
  return { seq: Number(cp.seq), hash: cp.hash };
}

export async function verifyAudit(db: Db, opts: AuditVerifyOptions = {}): Promise<AuditVerification> {
  const changed = await firstChangedCheckpoint(db);
  const start = opts.incremental ? await startingPoint(db) : null;
  const verifier = start ? new ChainVerifier(start.seq, start.hash) : new ChainVerifier();
  const from = start?.seq ?? 0;
  const now = opts.now ?? Date.now();
  let after = from;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(VERIFY_BATCH)
      .execute();
    const reached: { seq: number; hash: string }[] = [];
    for (const row of rows) {
      const p = parsed(row);
      if (!p.entry) {
        verifier.fail(p.seq);
        continue;
      }
      if (verifier.push(p.entry) && p.seq % CHECKPOINT_EVERY === 0) reached.push(verifier.last);
    }
    // Only a chain intact from the start (or from an intact checkpoint) earns a checkpoint.
    if (reached.length > 0 && verifier.brokenAt === null && changed === null) {
      // Best effort: a store that refuses writes (read-only, full) still gets its verdict.
      await db
        .insertInto('audit_checkpoints')
        .values(reached.map((c) => ({ seq: c.seq, hash: c.hash, verified_at: now })))
        .onConflict((oc) => oc.column('seq').doNothing())
        .execute()
        .catch(() => undefined);
    }
    const last = rows.at(-1);
    if (!last || rows.length < VERIFY_BATCH) break;
    after = Number(last.seq);
    await turn();
  }
  const brokenAt =
    changed !== null && (verifier.brokenAt === null || changed < verifier.brokenAt)
      ? changed
      : verifier.brokenAt;
  const out: AuditVerification = { ok: brokenAt === null, entries: from + verifier.entries, brokenAt };
  if (opts.incremental) {
    out.from = from;
    out.checked = verifier.entries;
  }
  return out;
}
