import { type LogRecord, parseJsonLine, parseLine, toEpochMs } from './parse.js';

/**
 * Payloads of the log push endpoint, as pure functions the API mounts: JSON lines (one object or one text
 * line per line) and Loki's push format, so that Promtail, Vector or Fluent Bit can send. Invalid entries are
 * counted, never thrown: one bad line must not reject a batch of good ones.
 */

export interface PushedRecord extends LogRecord {
  /** Labels (Loki stream labels) or the `service` field of a JSON line: which service it belongs to. */
  labels: Record<string, string>;
}

export interface PushResult {
  records: PushedRecord[];
  invalid: number;
}

export function parseJsonLinesPayload(body: string): PushResult {
  const records: PushedRecord[] = [];
  let invalid = 0;
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    const json = line.trim().startsWith('{');
    const rec = json ? parseJsonLine(line) : parseLine(line);
    if (!rec) {
      invalid++;
      continue;
    }
    const labels: Record<string, string> = {};
    for (const k of ['service', 'app', 'job', 'container']) {
      const v = rec.fields[k];
      if (typeof v === 'string') labels[k] = v;
    }
    records.push({ ...rec, labels });
  }
  return { records, invalid };
}

interface LokiStream {
  stream?: Record<string, unknown>;
  values?: unknown[];
}

/** `{streams: [{stream: {labels}, values: [[ts_ns, line], …]}]}`; accepts a parsed object or its JSON text. */
export function parseLokiPush(body: unknown): PushResult {
  let obj = body;
  if (typeof body === 'string') {
    try {
      obj = JSON.parse(body);
    } catch {
      return { records: [], invalid: 1 };
    }
  }
  const streams = (obj as { streams?: unknown })?.streams;
  if (!Array.isArray(streams)) return { records: [], invalid: 1 };
  const records: PushedRecord[] = [];
  let invalid = 0;
  for (const s of streams as LokiStream[]) {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(s?.stream ?? {})) if (typeof v === 'string') labels[k] = v;
    for (const entry of Array.isArray(s?.values) ? s.values : []) {
      if (!Array.isArray(entry) || typeof entry[1] !== 'string') {
        invalid++;
        continue;
      }
      const rec = parseLine(entry[1]);
      const at = toEpochMs(typeof entry[0] === 'string' ? Number(entry[0]) : entry[0]);
      records.push({ ...rec, at: at ?? rec.at, labels });
    }
  }
  return { records, invalid };
}
