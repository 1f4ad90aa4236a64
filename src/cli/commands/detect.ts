import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { AnomalyMonitor, DEFAULT_THRESHOLD, detectors } from '../../detect/index.js';
import { table } from '../table.js';

interface Row {
  stamp: string;
  at: number;
  value: number;
}

/** Epoch seconds or ms, or a date ("2014-07-01 00:00:00" is read as UTC, as NAB and most exports mean it). */
function parseTime(text: string, line: number): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return n < 1e11 ? n * 1000 : n;
  }
  const iso =
    /^\d{4}-\d\d-\d\d \d/.test(t) && !/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? `${t.replace(' ', 'T')}Z` : t;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`line ${line}: cannot read time "${t}"`);
  return ms;
}

/** A `timestamp,value` CSV (header optional; other columns ignored). */
export function parseSeriesCsv(text: string): Row[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const first = (lines[0] ?? '').split(',').map((c) => c.trim().toLowerCase());
  const hasHeader = first.some((c) => Number.isNaN(Number(c)) && Number.isNaN(Date.parse(c)));
  const ti = hasHeader ? Math.max(0, first.indexOf('timestamp')) : 0;
  const vi = hasHeader && first.includes('value') ? first.indexOf('value') : ti === 0 ? 1 : 0;
  return lines.slice(hasHeader ? 1 : 0).map((l, k) => {
    const cells = l.split(',');
    const stamp = (cells[ti] ?? '').trim();
    return { stamp, at: parseTime(stamp, k + (hasHeader ? 2 : 1)), value: Number(cells[vi]) };
  });
}

/** A one-line chart of the series with a mark under each anomaly: enough to see where they fall. */
function sparkline(rows: Row[], hits: Set<number>, width = 100): string {
  const bars = '▁▂▃▄▅▆▇█';
  const finite = rows.map((r) => r.value).filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const per = Math.max(1, Math.ceil(rows.length / width));
  let line = '';
  let marks = '';
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per).map((r) => r.value);
    const v = Math.max(...chunk);
    line += bars[hi > lo ? Math.round(((v - lo) / (hi - lo)) * (bars.length - 1)) : 0];
    let hit = false;
    for (let k = i; k < i + per; k++) if (hits.has(k)) hit = true;
    marks += hit ? '^' : ' ';
  }
  return `${line}\n${marks.trimEnd()}`;
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description('run a streaming detector over a timestamp,value CSV and list the anomalies')
    .requiredOption('--csv <file>', 'the series (timestamp,value)')
    .option('--detector <name>', `one of: ${detectors.names().join(', ')}`, 'auto')
    .option('--threshold <score>', 'score that opens a finding (0..1)', String(DEFAULT_THRESHOLD))
    .option('--json', 'print JSON: every anomaly with its score')
    .action(async (opts: { csv: string; detector: string; threshold: string; json?: boolean }) => {
      const rows = parseSeriesCsv(await readFile(opts.csv, 'utf8'));
      const threshold = Number(opts.threshold);
      if (!(threshold >= 0 && threshold <= 1))
        throw new Error(`--threshold must be in 0..1, not ${opts.threshold}`);
      const detector = detectors.get(opts.detector)();
      const monitor = new AnomalyMonitor('csv', path.basename(opts.csv), detector, { threshold });
      const found: { index: number; time: string; value: number; score: number; summary: string }[] = [];
      rows.forEach((r, index) => {
        const v = monitor.observe(r.at, r.value);
        if (v.finding)
          found.push({ index, time: r.stamp, value: r.value, score: v.score, summary: v.finding.summary });
      });
      if (opts.json) {
        console.log(
          JSON.stringify(
            { detector: opts.detector, threshold, samples: rows.length, anomalies: found },
            null,
            2,
          ),
        );
        return;
      }
      console.log(
        `${rows.length} samples, detector ${opts.detector}, threshold ${threshold}: ${found.length} anomalies`,
      );
      if (rows.length > 0) console.log(sparkline(rows, new Set(found.map((f) => f.index))));
      if (found.length > 0)
        console.log(
          table(
            ['ROW', 'TIME', 'VALUE', 'SCORE'],
            found.map((f) => [String(f.index), f.time, String(f.value), f.score.toFixed(3)]),
          ),
        );
    });
}
