import type { HeaderParser } from './header.js';

/** One parsed log record, whatever it came from. */
export interface LogRecord {
  /** Epoch ms when the record says it happened, if it says. */
  at: number | null;
  level: string | null;
  /** The message to mine (a header's <Content>, a JSON line's message). */
  message: string;
  fields: Record<string, unknown>;
  raw: string;
}

const MESSAGE_KEYS = ['message', 'msg', 'log', 'text', 'event', '@message'];
const LEVEL_KEYS = ['level', 'severity', 'lvl', 'levelname', 'log.level', '@level'];
const TIME_KEYS = ['timestamp', 'time', 'ts', '@timestamp', 'datetime', 't'];
/** pino and bunyan write numeric levels. */
const NUMERIC_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** Parses a JSON log line (level, message and the other fields); null when the line is not a JSON object. */
export function parseJsonLine(line: string): LogRecord | null {
  const s = line.trim();
  if (s.charCodeAt(0) !== 123) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(s);
  } catch {
    return null;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return null;
  const fields = { ...(obj as Record<string, unknown>) };
  const take = (keys: string[]): unknown => {
    for (const k of keys) {
      if (k in fields) {
        const v = fields[k];
        delete fields[k];
        return v;
      }
    }
    return undefined;
  };
  const msg = take(MESSAGE_KEYS);
  const lvl = take(LEVEL_KEYS);
  const time = take(TIME_KEYS);
  const level =
    typeof lvl === 'number'
      ? (NUMERIC_LEVELS[lvl] ?? String(lvl))
      : typeof lvl === 'string'
        ? lvl.toLowerCase()
        : null;
  // A stack in its own field belongs to the message: the classifier and the miner's evidence want it.
  const stack = typeof fields['stack'] === 'string' ? `\n${fields['stack']}` : '';
  return {
    at: toEpochMs(time),
    level,
    message: (typeof msg === 'string' ? msg : msg === undefined ? s : JSON.stringify(msg)) + stack,
    fields,
    raw: line,
  };
}

/** Parses a plain-text line with a header pattern; a line without the header is all message. */
export function parseTextLine(line: string, header: HeaderParser | null): LogRecord {
  const h = header?.parse(line) ?? null;
  if (!h) {
    // Without a header pattern, a leading ISO-8601 timestamp is the record's time, not part of its message.
    const ts = header ? null : ISO_PREFIX.exec(line);
    const at = ts ? toEpochMs(ts[1]) : null;
    const message = ts && at !== null ? line.slice(ts[0].length) : line;
    return { at, level: guessLevel(message), message, fields: {}, raw: line };
  }
  const f = h.fields;
  const level = f['Level'] ?? f['level'] ?? f['Severity'] ?? null;
  const date = [f['Date'], f['Time']].filter(Boolean).join(' ') || f['Timestamp'] || '';
  return {
    at: date ? toEpochMs(date) : null,
    level: level ? level.toLowerCase() : guessLevel(h.content),
    message: h.content,
    fields: f,
    raw: line,
  };
}

/** JSON when the line is a JSON object, else text with the header (if any). */
export function parseLine(line: string, header: HeaderParser | null = null): LogRecord {
  return parseJsonLine(line) ?? parseTextLine(line, header);
}

/** What the log pipeline reads of a line: its message and level. */
export interface MessageAndLevel {
  message: string;
  level: string | null;
  /**
   * True when the message was cut from the line by its header pattern: the rest of the line is the header's
   * fields (time, host, process, level, component), which name machines and programs, not what happened.
   */
  headed?: boolean;
  /**
   * Where the message begins in the line, when it is the line's tail as it came (a header's content): the
   * line is one flat string, the message a slice of it, which is slower to scan character by character.
   * Absent or -1: not known.
   */
  from?: number;
}

/**
 * The message and level `parseLine` would give, without the time and the other fields: the per-line parse of
 * the log pipeline, which stores a line at the time it arrived and keeps the rest in the line's text.
 */
export function parseMessage(line: string, header: HeaderParser | null): MessageAndLevel {
  if (firstNonSpace(line) === 123) {
    const r = parseJsonLine(line);
    if (r) return r;
  }
  if (!header) return parseTextLine(line, null);
  const h = header.split(line);
  if (!h) return { message: line, level: guessLevel(line), headed: false };
  const level = h.level ? lowerLevel(h.level) : guessLevel(h.content);
  return { message: h.content, level, headed: true, from: h.from };
}

/** The last level seen and its lower case: a log repeats a few levels, each a fresh string per line. */
let lastLevel = '';
let lastLower = '';
function lowerLevel(level: string): string {
  if (level !== lastLevel) {
    lastLevel = level;
    lastLower = level.toLowerCase();
  }
  return lastLower;
}

/** The code of the first character that is not white space (-1 for none), without a trimmed copy. */
function firstNonSpace(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    // What trimStart skips beyond ASCII is what \s matches (no-break and other Unicode spaces, BOM).
    if (c < 128 || !/\s/.test(line[i] as string)) return c;
  }
  return -1;
}

const ISO_PREFIX = /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\]?\s+/;

const LEVEL_WORD = /\b(TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC)\b/;

function guessLevel(text: string): string | null {
  const m = LEVEL_WORD.exec(text.length > 120 ? text.slice(0, 120) : text);
  return m ? (m[1] as string).toLowerCase() : null;
}

export function toEpochMs(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) {
    // Seconds, milliseconds or nanoseconds since the epoch, told apart by size.
    if (v > 1e17) return Math.floor(v / 1e6);
    if (v > 1e11) return Math.floor(v);
    return Math.floor(v * 1000);
  }
  if (typeof v === 'string' && v.length > 0) {
    if (/^\d+(\.\d+)?$/.test(v)) return toEpochMs(Number(v));
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}
