/**
 * A failed job's log as templates: its lines go through the project's template miner (src/detect/logs), so
 * the classifier and the history see "the same kind of line" across runs, not raw text with its ids, times
 * and paths. A template's key is a digest of its canonical text, stable across restarts, so history can be
 * kept per template.
 */
import { createHash } from 'node:crypto';
import { canonicalTemplate, TemplateMiner } from '../../detect/logs/index.js';

export interface MinedTemplate {
  key: string;
  text: string;
  count: number;
  /** The first line of this template, as written. */
  sample: string;
}

export function templateKey(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Mines the lines with a miner that has seen this pipeline's earlier logs (so its templates settle). */
export function mineLog(miner: TemplateMiner, lines: readonly string[], at: number): MinedTemplate[] {
  const matched = lines.map((line) => ({ line, t: miner.add(line, at).template }));
  const out = new Map<string, MinedTemplate>();
  for (const { line, t } of matched) {
    // Read the text once every line is in: a later line may have turned a word into a variable.
    const text = canonicalTemplate(miner.text(miner.resolve(t)));
    const key = templateKey(text);
    const have = out.get(key);
    if (have) have.count++;
    else out.set(key, { key, text, count: 1, sample: line });
  }
  return [...out.values()];
}

/** One miner per pipeline, bounded: CI logs are many kinds of lines, but few per pipeline. */
export function newCiMiner(): TemplateMiner {
  return new TemplateMiner({ maxClusters: 5_000 });
}
