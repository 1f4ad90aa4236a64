/**
 * The labelled corpus of `npm run bench:ci` (bench/ci/corpus/): manifest.yaml lists each failed job's log with
 * the class a reader gives it, the provider whose framing the cut reads, and what the pipeline's history held
 * for the failing tests when it arrived. A bad manifest is refused with the entry's line and field.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { CI_CLASSES, type CiClass } from '../../src/diagnose/ci/index.js';

export const CORPUS_DIR = path.join(import.meta.dirname, 'corpus');
export const CORPUS_SETS = ['dev', 'holdout', 'holdout2'] as const;
export type CorpusSet = (typeof CORPUS_SETS)[number];

const entrySchema = z.strictObject({
  file: z.string().regex(/^[\w.-]+\.txt$/, 'a .txt file name in the corpus folder'),
  label: z.enum(CI_CLASSES),
  provider: z.enum(['github', 'gitlab', 'jenkins']),
  tool: z.string().min(1),
  why: z.string().min(1),
  /**
   * dev: read while the classifier's rules were written; holdout: written after them, read when they were
   * made general; holdout2: written before that work and scored once at its end, never read for it.
   */
  set: z.enum(CORPUS_SETS).default('dev'),
  /** Earlier results of the failing tests; `same` is this failure's commit. */
  history: z.array(z.strictObject({ commit: z.string().min(1), passed: z.boolean() })).default([]),
  /** GitLab's failure_reason, when the webhook carried one. */
  reason: z.string().optional(),
});

export interface Sample {
  file: string;
  label: CiClass;
  provider: 'github' | 'gitlab' | 'jenkins';
  tool: string;
  why: string;
  set: CorpusSet;
  /** This failure's commit (made of the file name: each log is its own commit). */
  commit: string;
  history: { commit: string; passed: boolean }[];
  reason: string | null;
  lines: string[];
}

export function loadCorpus(dir = CORPUS_DIR): Sample[] {
  const manifest = path.join(dir, 'manifest.yaml');
  const counter = new LineCounter();
  const doc = parseDocument(readFileSync(manifest, 'utf8'), { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0] as { pos: [number, number]; message: string };
    throw new Error(`${manifest}:${counter.linePos(e.pos[0]).line}: ${e.message}`);
  }
  if (!isSeq(doc.contents)) throw new Error(`${manifest}: a list of entries is expected`);
  const samples: Sample[] = [];
  const seen = new Set<string>();
  doc.contents.items.forEach((node, i) => {
    const line = isMap(node) && node.range ? counter.linePos(node.range[0]).line : null;
    const where = `${manifest}:${line ?? '?'} (entry ${i + 1})`;
    const parsed = entrySchema.safeParse(isMap(node) ? node.toJSON() : node);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${where}: field ${issue?.path.join('.') || '(entry)'}: ${issue?.message}`);
    }
    const e = parsed.data;
    if (seen.has(e.file)) throw new Error(`${where}: ${e.file} is listed twice`);
    seen.add(e.file);
    const file = path.join(dir, e.file);
    if (!existsSync(file)) throw new Error(`${where}: field file: ${e.file} is not in ${dir}`);
    const commit = `c-${e.file.replace(/\.txt$/, '')}`;
    samples.push({
      file: e.file,
      label: e.label,
      provider: e.provider,
      tool: e.tool,
      why: e.why,
      set: e.set,
      commit,
      history: e.history.map((h) => ({ commit: h.commit === 'same' ? commit : h.commit, passed: h.passed })),
      reason: e.reason ?? null,
      lines: readFileSync(file, 'utf8').split(/\r?\n/),
    });
  });
  return samples;
}
