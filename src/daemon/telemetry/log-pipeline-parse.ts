import {
  compileHeader,
  type HeaderParser,
  type LogRecord,
  type MessageAndLevel,
  parseJsonLine,
  parseLine,
  parseMessage,
  parseTextLine,
} from '../../sources/logs/index.js';

/** A log format's line parser (`json`, `text`, `auto`, or a header pattern): every field of the record. */
export type LineParser = (text: string) => LogRecord;

export function lineParser(format: string): LineParser {
  if (format === 'json') return (t) => parseJsonLine(t) ?? parseTextLine(t, null);
  if (format === 'text') return (t) => parseTextLine(t, null);
  const header: HeaderParser | null = format === 'auto' ? null : compileHeader(format);
  return (t) => parseLine(t, header);
}

/** The per-line parse of the pipeline: message and level only (see parseMessage). */
export function messageParser(format: string): (text: string) => MessageAndLevel {
  if (format === 'json') return (t) => parseJsonLine(t) ?? parseTextLine(t, null);
  if (format === 'text') return (t) => parseTextLine(t, null);
  const header: HeaderParser | null = format === 'auto' ? null : compileHeader(format);
  return (t) => parseMessage(t, header);
}
