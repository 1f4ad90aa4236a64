/**
 * Reading stored log lines newest first within a budget: a search for a rare text (`contains`) reads chunk
 * after chunk, and without a bound one request could parse every line kept. The scan stops after
 * `maxChunks` chunks or `budgetMs` of work, says it was cut short and where to continue, and lets other work
 * run between batches of chunks (better-sqlite3 answers synchronously, so awaiting it alone never does).
 */
import { setImmediate as turn } from 'node:timers/promises';
import '../telemetry-schema.js';
import type { LogLine, LogLineScan, LogLineScanResult } from '../store.js';
import type { Db } from './common.js';
import { chunkLines } from './logs.js';

/** Chunks per query: one turn of the event loop each. */
const CHUNKS_PER_BATCH = 20;

export async function scanLogLines(db: Db, f: LogLineScan): Promise<LogLineScanResult> {
  const limit = Math.max(0, Math.floor(f.limit ?? 100));
  const maxChunks = f.maxChunks ?? Number.POSITIVE_INFINITY;
  const deadline = performance.now() + (f.budgetMs ?? Number.POSITIVE_INFINITY);
  const needle = f.contains?.toLowerCase();
  const out: LogLine[] = [];
  let before: number | null = f.before ?? null;
  let read = 0;
  let more = true;
  while (out.length < limit) {
    if (read >= maxChunks || performance.now() >= deadline) break;
    let q = db
      .selectFrom('log_chunks')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(Math.min(CHUNKS_PER_BATCH, maxChunks - read));
    if (f.service !== undefined) q = q.where('service', '=', f.service);
    if (f.since !== undefined) q = q.where('last_at', '>=', f.since);
    if (before !== null) q = q.where('id', '<', before);
    const rows = await q.execute();
    if (rows.length === 0) {
      more = false;
      break;
    }
    for (const r of rows) {
      read++;
      const body = chunkLines(r.body, Number(r.first_at));
      let i = body.length - 1;
      for (; i >= 0 && out.length < limit; i--) {
        const [at, templateId, level, source, text] = body[i] as [
          number,
          string,
          string | null,
          string,
          string,
        ];
        if (f.since !== undefined && at < f.since) continue;
        if (f.templateId !== undefined && templateId !== f.templateId) continue;
        if (needle !== undefined && !text.toLowerCase().includes(needle)) continue;
        out.push({ service: r.service, at, templateId, level, source, text });
      }
      // A chunk left part-read (the limit was reached) is not where a continuation could start.
      if (out.length >= limit) {
        more = false;
        break;
      }
      before = Number(r.id);
    }
    if (out.length < limit) await turn();
  }
  const truncated = more && out.length < limit;
  return { items: out.reverse(), truncated, cursor: truncated ? before : null };
}
