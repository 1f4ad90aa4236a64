import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StreamDetector } from '../../src/detect/index.js';
import type { Series } from './corpus.js';

export interface RunResult {
  /** One anomaly score per row of each series, in corpus order. */
  scores: Float64Array[];
  samples: number;
  /** Wall time spent inside observe() only, so file reading does not flatter or hurt the figure. */
  seconds: number;
  /**
   * CPU time of the same loops: on a shared machine wall time measures the neighbours too, CPU time measures
   * what one core spent on the detector.
   */
  cpuSeconds: number;
  /** The largest state any one series held at its end. */
  maxStateBytes: number;
}

/**
 * Streams every series through a fresh detector, row by row in time order: the detector never sees a row
 * before it has scored the previous ones, which is what "no look-ahead" means here. The probationary period
 * needs nothing special: the detector warms up on it and the scorer ignores it.
 */
export function runCorpus(corpus: readonly Series[], create: () => StreamDetector): RunResult {
  const scores: Float64Array[] = [];
  let samples = 0;
  let seconds = 0;
  let cpuSeconds = 0;
  let maxStateBytes = 0;
  for (const s of corpus) {
    const d = create();
    const n = s.values.length;
    const out = new Float64Array(n);
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) out[i] = d.observe(s.timestamps[i]!, s.values[i]!);
    const c = process.cpuUsage(c0);
    cpuSeconds += (c.user + c.system) / 1e6;
    seconds += Number(process.hrtime.bigint() - t0) / 1e9;
    samples += n;
    maxStateBytes = Math.max(maxStateBytes, d.stateBytes());
    scores.push(out);
  }
  return { scores, samples, seconds, cpuSeconds, maxStateBytes };
}

/** Writes NAB result files: results/<det>/<category>/<det>_<file>, columns timestamp,value,anomaly_score,label. */
export function writeResults(
  outDir: string,
  detector: string,
  corpus: readonly Series[],
  scores: Float64Array[],
): void {
  corpus.forEach((s, k) => {
    const dir = path.join(outDir, detector, s.category);
    mkdirSync(dir, { recursive: true });
    const label = new Uint8Array(s.values.length);
    for (const [l, r] of s.windows) label.fill(1, l, r + 1);
    const rows = ['timestamp,value,anomaly_score,label'];
    const sc = scores[k]!;
    for (let i = 0; i < s.values.length; i++) rows.push(`${s.stamps[i]},${s.values[i]},${sc[i]},${label[i]}`);
    writeFileSync(path.join(dir, `${detector}_${s.file}`), `${rows.join('\n')}\n`);
  });
}
