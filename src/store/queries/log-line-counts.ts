/** Counts of stored log lines per source and template over a time range (the diagnosis' error baseline). */
import '../telemetry-schema.js';
import type { LogLineCounts } from '../store.js';
import type { Db } from './common.js';
import { chunkLines } from './logs.js';

/**
 * Lines of `service` stamped in [since, until), counted per (source, template), newest first: once `maxLines`
 * are counted the rest is left, and `from` says how far back the counts reach (then later than `since`), so
 * a rate over [from, until) stays right for a service that logs much.
 */
export async function logLineCounts(
  db: Db,
  service: string,
  since: number,
  until: number,
  maxLines = 50_000,
): Promise<LogLineCounts> {
  const counts = new Map<string, { source: string; templateId: string; lines: number }>();
  let counted = 0;
  let from = since;
  let before: number | null = null;
  scan: while (true) {
    let q = db
      .selectFrom('log_chunks')
      .selectAll()
      .where('service', '=', service)
      .where('last_at', '>=', since)
      .where('first_at', '<', until)
      .orderBy('id', 'desc')
      .limit(20);
    if (before !== null) q = q.where('id', '<', before);
    const rows = await q.execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      before = Number(r.id);
      const lines = chunkLines(r.body, Number(r.first_at));
      for (let i = lines.length - 1; i >= 0; i--) {
        const [at, templateId, , source] = lines[i] as [number, string, string | null, string, string];
        if (at < since || at >= until) continue;
        if (counted >= maxLines) {
          from = Math.max(from, at + 1);
          break scan;
        }
        const key = `${source}\u0000${templateId}`;
        const c = counts.get(key) ?? { source, templateId, lines: 0 };
        c.lines++;
        counts.set(key, c);
        counted++;
      }
    }
  }
  const sorted = [...counts.values()].sort(
    (a, b) => a.source.localeCompare(b.source) || a.templateId.localeCompare(b.templateId),
  );
  return { from, to: until, counts: sorted };
}
