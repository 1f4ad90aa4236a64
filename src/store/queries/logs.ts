/** Log templates, counts, lines and tail positions (migration 005). */
import { sql } from 'kysely';
import '../telemetry-schema.js';
import {
  CHUNK_LINES,
  chunkBodyText,
  LogChunkBuilder,
  type LogChunkRow,
  noNul,
  noNulOrNull,
} from '../log-chunk.js';
import type { LogBatch, LogLine, LogPosition, LogTemplateFilter, LogTemplateRecord } from '../store.js';
import { countOf, type Db, greatest, least, paged } from './common.js';

/** Rows per INSERT statement: under SQLite's and PostgreSQL's limits on bound parameters. */
export const BATCH = 400;

export function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export type StoredLine = [number, string, string | null, string, string];

type ChunkBody =
  | StoredLine[]
  | { v: 2; k: [string, string | null, string][]; l: [number, number, string][] }
  | { v: 3; k: [string, string | null, string][]; t: number[]; i: number[]; x: string[] };

/** The lines of a stored chunk body, in any layout (v3 is LogChunkBuilder's). */
export function chunkLines(body: string, firstAt: number): StoredLine[] {
  const parsed = JSON.parse(body) as ChunkBody;
  if (Array.isArray(parsed)) return parsed;
  if (parsed.v === 2)
    return parsed.l.map(([dt, k, text]) => {
      const [templateId, level, source] = parsed.k[k] as [string, string | null, string];
      return [firstAt + dt, templateId, level, source, text];
    });
  return parsed.x.map((text, n) => {
    const [templateId, level, source] = parsed.k[parsed.i[n] as number] as [string, string | null, string];
    return [firstAt + (parsed.t[n] as number), templateId, level, source, text];
  });
}

/**
 * Stores log batches in one transaction, each applied as if alone and in order (a later batch's merges see the
 * earlier batch's templates); their lines go in together, so a write of several small batches still makes
 * full chunks. `encoded`, when given, stores chunks the caller holds in another form, in the transaction,
 * where the batches' own encoded chunks go (the log writer's thread: see log-writer.ts).
 */
export async function recordLogBatch(
  db: Db,
  batch: LogBatch | readonly LogBatch[],
  encoded?: (trx: Db) => Promise<void>,
): Promise<void> {
  const list: readonly LogBatch[] = Array.isArray(batch) ? batch : [batch as LogBatch];
  // Lines by service, in order; the usual batch is one service's, taken as it is (no copy).
  const byService = new Map<string, LogLine[]>();
  for (const b of list) {
    const lines = b.lines ?? [];
    if (lines.length === 0) continue;
    const service = (lines[0] as LogLine).service;
    if (list.length === 1 && lines.every((l) => l.service === service)) {
      byService.set(service, lines as LogLine[]);
      continue;
    }
    for (const l of lines) {
      const to = byService.get(l.service);
      if (to) to.push(l);
      else byService.set(l.service, [l]);
    }
  }
  // Chunks a writer encoded already (a LogPipeline's: see LogChunkBuilder), then the lines given one by one.
  const rows: LogChunkRow[] = [];
  for (const b of list) if (b.chunks) for (const c of b.chunks) rows.push(c);
  for (const [service, lines] of byService) {
    const builder = new LogChunkBuilder(service);
    for (let n = 0; n < lines.length; n++) {
      const l = lines[n] as LogLine;
      builder.add(l.at, l.templateId, l.level, l.source, l.text);
      if (builder.size >= CHUNK_LINES) rows.push(builder.take() as LogChunkRow);
    }
    const rest = builder.take();
    if (rest) rows.push(rest);
  }
  await db.transaction().execute(async (trx) => {
    for (const b of grouped(list)) await applyBatch(trx, b);
    if (encoded) await encoded(trx);
    for (const part of chunks(rows, 50))
      await trx
        .insertInto('log_chunks')
        .values(part.map((r) => ({ ...r, body: chunkBodyText(r.body) })))
        .execute();
  });
}

/**
 * Consecutive batches as one, up to and including the next that merges templates: a writer that mines a few
 * thousand lines at a time hands over many small batches per write, and each upsert statement costs its
 * compilation whatever its rows. Applying the group equals applying its batches in order: each key's template
 * and count rows fold in order as the upserts would combine them, the last position of a source wins, and
 * merges (only ever the group's last batch's) run after every template row before them, as they did; the
 * per-minute counts they do not touch.
 */
function grouped(list: readonly LogBatch[]): LogBatch[] {
  if (list.length <= 1) return list as LogBatch[];
  const out: LogBatch[] = [];
  let cur: Required<Pick<LogBatch, 'templates' | 'merges' | 'counts' | 'offsets'>> | null = null;
  for (const b of list) {
    cur ??= { templates: [], merges: [], counts: [], offsets: [] };
    for (const t of b.templates) cur.templates.push(t);
    for (const c of b.counts ?? []) cur.counts.push(c);
    for (const o of b.offsets ?? []) cur.offsets.push(o);
    if (b.merges && b.merges.length > 0) {
      for (const m of b.merges) cur.merges.push(m);
      out.push(cur);
      cur = null;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** One batch's templates, merges, per-minute counts and tail positions (its lines are written by the caller). */
async function applyBatch(trx: Db, b: LogBatch): Promise<void> {
  // One upsert may not touch a row twice (PostgreSQL refuses): fold the batch per key first.
  const templates = new Map<string, (typeof b.templates)[number]>();
  for (const raw of b.templates) {
    const t = { ...raw, service: noNul(raw.service), templateId: noNul(raw.templateId) };
    const key = `${t.service}\u0000${t.templateId}`;
    const prev = templates.get(key);
    if (!prev) templates.set(key, { ...t });
    else {
      prev.count += t.count;
      prev.firstSeen = Math.min(prev.firstSeen, t.firstSeen);
      prev.lastSeen = Math.max(prev.lastSeen, t.lastSeen);
      prev.text = t.text;
      prev.category = t.category ?? prev.category;
      prev.severity = t.severity ?? prev.severity;
      // An empty list leaves the stored examples as they are (see the upsert), so it must not replace these.
      if (t.examples && t.examples.length > 0) prev.examples = t.examples;
    }
  }
  const counts = new Map<string, { service: string; template_id: string; bucket: number; count: number }>();
  for (const c of b.counts ?? []) {
    const key = `${noNul(c.service)}\u0000${noNul(c.templateId)}\u0000${c.bucket}`;
    const prev = counts.get(key);
    if (prev) prev.count += c.count;
    else
      counts.set(key, {
        service: noNul(c.service),
        template_id: noNul(c.templateId),
        bucket: c.bucket,
        count: c.count,
      });
  }
  const offsets = new Map<string, NonNullable<LogBatch['offsets']>[number]>();
  for (const o of b.offsets ?? []) offsets.set(o.source, o);

  const rows = [...templates.values()].map((t) => ({
    service: noNul(t.service),
    template_id: noNul(t.templateId),
    text: noNul(t.text),
    category: noNulOrNull(t.category),
    severity: noNulOrNull(t.severity),
    count: t.count,
    first_seen: t.firstSeen,
    last_seen: t.lastSeen,
    examples: JSON.stringify((t.examples ?? []).map(noNul)),
    merged_into: null,
  }));
  for (const part of chunks(rows, BATCH)) {
    await trx
      .insertInto('log_templates')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['service', 'template_id']).doUpdateSet({
          text: (eb) => eb.ref('excluded.text'),
          category: sql`coalesce(excluded.category, log_templates.category)`,
          severity: sql`coalesce(excluded.severity, log_templates.severity)`,
          count: sql`log_templates.count + excluded.count`,
          first_seen: least(trx, 'log_templates.first_seen', 'excluded.first_seen'),
          last_seen: greatest(trx, 'log_templates.last_seen', 'excluded.last_seen'),
          examples: sql`case when excluded.examples = '[]' then log_templates.examples else excluded.examples end`,
          merged_into: null,
        }),
      )
      .execute();
  }
  for (const raw of b.merges ?? []) {
    const m = { service: noNul(raw.service), from: noNul(raw.from), into: noNul(raw.into) };
    if (m.from === m.into) continue;
    const from = await trx
      .selectFrom('log_templates')
      .selectAll()
      .where('service', '=', m.service)
      .where('template_id', '=', m.from)
      .where('merged_into', 'is', null)
      .executeTakeFirst();
    if (!from) continue;
    // The template it joined may have no row yet (no line of this batch named it): create it from this one.
    await trx
      .insertInto('log_templates')
      .values({ ...from, template_id: m.into, count: Number(from.count), merged_into: null })
      .onConflict((oc) =>
        oc.columns(['service', 'template_id']).doUpdateSet({
          count: sql`log_templates.count + excluded.count`,
          first_seen: least(trx, 'log_templates.first_seen', 'excluded.first_seen'),
          last_seen: greatest(trx, 'log_templates.last_seen', 'excluded.last_seen'),
        }),
      )
      .execute();
    await trx
      .updateTable('log_templates')
      .set({ merged_into: m.into, count: 0 })
      .where('service', '=', m.service)
      .where('template_id', '=', m.from)
      .execute();
  }
  for (const part of chunks([...counts.values()], BATCH)) {
    await trx
      .insertInto('log_counts')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['service', 'template_id', 'bucket']).doUpdateSet({
          count: sql`log_counts.count + excluded.count`,
        }),
      )
      .execute();
  }
  for (const o of offsets.values()) {
    const row = {
      source: o.source,
      dev: o.position.dev,
      ino: o.position.ino,
      offset: o.position.offset,
      updated_at: o.at,
    };
    await trx
      .insertInto('log_offsets')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('source')
          .doUpdateSet({ dev: row.dev, ino: row.ino, offset: row.offset, updated_at: row.updated_at }),
      )
      .execute();
  }
}

function rowToTemplate(r: {
  service: string;
  template_id: string;
  text: string;
  category: string | null;
  severity: string | null;
  count: number | string;
  first_seen: number | string;
  last_seen: number | string;
  examples: string;
  merged_into: string | null;
}): LogTemplateRecord {
  return {
    service: r.service,
    templateId: r.template_id,
    text: r.text,
    category: r.category,
    severity: r.severity,
    count: Number(r.count),
    firstSeen: Number(r.first_seen),
    lastSeen: Number(r.last_seen),
    examples: JSON.parse(r.examples) as string[],
    mergedInto: r.merged_into,
  };
}

export async function listLogTemplates(
  db: Db,
  f: LogTemplateFilter,
): Promise<{ items: LogTemplateRecord[]; total: number }> {
  let q = db.selectFrom('log_templates');
  if (f.service !== undefined) q = q.where('service', '=', f.service);
  if (!f.merged) q = q.where('merged_into', 'is', null);
  const total = countOf(await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst());
  let list = q.selectAll();
  list =
    f.order === 'recent'
      ? list.orderBy('last_seen', 'desc').orderBy('template_id')
      : list.orderBy('count', 'desc').orderBy('template_id');
  const rows = await paged(list, f).execute();
  return { items: rows.map(rowToTemplate), total };
}

export async function getLogTemplate(db: Db, service: string, id: string): Promise<LogTemplateRecord | null> {
  const r = await db
    .selectFrom('log_templates')
    .selectAll()
    .where('service', '=', service)
    .where('template_id', '=', id)
    .executeTakeFirst();
  return r ? rowToTemplate(r) : null;
}

export async function logCounts(
  db: Db,
  service: string,
  templateId: string | null,
  since: number,
): Promise<{ bucket: number; count: number }[]> {
  let q = db
    .selectFrom('log_counts')
    .select(['bucket', (eb) => eb.fn.sum<number | string>('count').as('n')])
    .where('service', '=', service)
    .where('bucket', '>=', since);
  if (templateId !== null) q = q.where('template_id', '=', templateId);
  const rows = await q.groupBy('bucket').orderBy('bucket').execute();
  return rows.map((r) => ({ bucket: Number(r.bucket), count: Number(r.n) }));
}

export async function getLogOffset(db: Db, source: string): Promise<LogPosition | null> {
  const r = await db.selectFrom('log_offsets').selectAll().where('source', '=', source).executeTakeFirst();
  return r ? { dev: Number(r.dev), ino: Number(r.ino), offset: Number(r.offset) } : null;
}

export async function pruneLogs(db: Db, before: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const gone = await trx
      .selectFrom('log_chunks')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('lines'), sql<number>`0`).as('n'))
      .where('last_at', '<', before)
      .executeTakeFirst();
    await trx.deleteFrom('log_chunks').where('last_at', '<', before).execute();
    await trx.deleteFrom('log_counts').where('bucket', '<', before).execute();
    return Number(gone?.n ?? 0);
  });
}
