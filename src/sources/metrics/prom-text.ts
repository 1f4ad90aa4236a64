/**
 * The Prometheus text exposition format (version 0.0.4), as every `/metrics` endpoint speaks it:
 *   # HELP name text
 *   # TYPE name counter|gauge|histogram|summary|untyped
 *   name{label="value",...} 1.5e3 [timestamp_ms]
 * Label values escape \\, \" and \n; values may be NaN, +Inf, -Inf.
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Epoch ms when the exposition carried one, else null (the scrape time applies). */
  timestamp: number | null;
}

export interface PromFamily {
  type: string;
  help: string;
}

export interface PromExposition {
  samples: PromSample[];
  /** By metric family name. Histogram and summary samples (_bucket, _sum, _count) belong to their family. */
  families: Record<string, PromFamily>;
}

function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const v = Number(text);
  if (text === '' || Number.isNaN(v)) throw new Error(`bad sample value "${text}"`);
  return v;
}

/** Parses `{a="x",b="y"}` starting at `i` (the '{'); returns the labels and the index after '}'. */
function parseLabels(line: string, i: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return [labels, i + 1];
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error('label without "="');
    const key = line.slice(i, eq).trim();
    i = eq + 1;
    while (line[i] === ' ') i++;
    if (line[i] !== '"') throw new Error(`label ${key}: value must be quoted`);
    i++;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new Error(`label ${key}: unterminated value`);
      if (c === '"') break;
      if (c === '\\') {
        const n = line[i + 1];
        value += n === 'n' ? '\n' : (n ?? '');
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    labels[key] = value;
    i++;
  }
}

/** Parses a whole exposition. A malformed line throws with its line number: a half-read scrape misleads. */
export function parsePromText(text: string): PromExposition {
  const samples: PromSample[] = [];
  const families: Record<string, PromFamily> = {};
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '') continue;
    try {
      if (line.startsWith('#')) {
        const m = /^#\s*(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line);
        if (!m) continue; // any other comment
        const fam = families[m[2]!] ?? { type: 'untyped', help: '' };
        families[m[2]!] = fam;
        if (m[1] === 'TYPE') fam.type = m[3]!.trim();
        else fam.help = m[3]!.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
        continue;
      }
      let i = 0;
      while (i < line.length && line[i] !== '{' && line[i] !== ' ' && line[i] !== '\t') i++;
      const name = line.slice(0, i);
      let labels: Record<string, string> = {};
      if (line[i] === '{') [labels, i] = parseLabels(line, i);
      const rest = line.slice(i).trim().split(/\s+/);
      const value = parseValue(rest[0] ?? '');
      const timestamp = rest[1] !== undefined ? Number(rest[1]) : null;
      if (timestamp !== null && !Number.isFinite(timestamp)) throw new Error(`bad timestamp "${rest[1]}"`);
      samples.push({ name, labels, value, timestamp });
    } catch (err) {
      throw new Error(`metrics line ${n + 1}: ${(err as Error).message}`);
    }
  }
  return { samples, families };
}

/** A stable series key: `name{a="x",b="y"}` with labels sorted, the way Prometheus prints a series. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}
