/**
 * What Medic remembers of each pipeline between restarts: the failing tests' results per commit, each log
 * template's re-run outcomes (did the re-run pass?), the re-runs made (for the caps), the failures awaiting
 * their re-run's result, the recent failed runs (a later pass of the same commit, whoever started it, passes
 * their tests), and the webhook deliveries seen (replays are refused). Kept in one small JSON file in
 * the data directory, written whole through a temporary file and a rename, so a crash leaves the old or the
 * new file, never half of one. Every list is bounded.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CiClass, CiHistoryView, TemplateOutcomes, TestRun } from '../../diagnose/ci/index.js';

const RUNS_PER_TEST = 30;
const TESTS_PER_PIPELINE = 2_000;
const TEMPLATES_PER_PIPELINE = 5_000;
const RERUNS_KEPT = 200;
const FAILED_RUNS_KEPT = 200;
const DELIVERIES_KEPT = 20_000;
export const DELIVERY_TTL_MS = 7 * 86_400_000;

/** A failure that was classified and may be re-run: its result teaches the history. */
export interface PendingFailure {
  commit: string | null;
  cls: CiClass;
  tests: string[];
  templates: { key: string; text: string }[];
  at: number;
  reran: boolean;
  /** The workflow's name (a repository's pipeline may run several): only its own passes pass its tests. */
  workflow?: string;
}

/** A failed run's failing tests, until a run of the same workflow passes on the same commit. */
interface FailedRun {
  runKey: string;
  commit: string;
  workflow: string | null;
  tests: string[];
  at: number;
  passedAt?: number;
}

/** The run whose result arrived: its commit and workflow, when the event said. */
export interface RunResult {
  commit: string | null;
  workflow: string | null;
}

interface PipelineHistory {
  tests: Record<string, TestRun[]>;
  templates: Record<string, TemplateOutcomes & { text: string; seen: number }>;
  reruns: { at: number; commit: string | null; run: string }[];
  pending: Record<string, PendingFailure>;
  failedRuns?: FailedRun[];
}

interface HistoryFile {
  version: 1;
  pipelines: Record<string, PipelineHistory>;
  deliveries: Record<string, number>;
}

const empty = (): PipelineHistory => ({ tests: {}, templates: {}, reruns: [], pending: {} });

function trimRecord<T>(r: Record<string, T>, max: number): void {
  const keys = Object.keys(r);
  for (const k of keys.slice(0, Math.max(0, keys.length - max))) delete r[k];
}

export class CiHistory {
  private data: HistoryFile;

  /** `file` null: memory only (tests, a daemon without a data directory). */
  constructor(private readonly file: string | null) {
    this.data = { version: 1, pipelines: {}, deliveries: {} };
    if (!file) return;
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as HistoryFile;
      if (parsed?.version === 1) this.data = parsed;
    } catch {
      // No file yet, or an unreadable one: start afresh rather than refuse to start.
    }
  }

  private pipeline(name: string): PipelineHistory {
    const p = this.data.pipelines[name] ?? empty();
    this.data.pipelines[name] = p;
    return p;
  }

  /** Whether the delivery was seen before (a replay); records it if not. */
  seenDelivery(provider: string, id: string, now: number): boolean {
    const key = `${provider}:${id}`;
    const at = this.data.deliveries[key];
    if (at !== undefined && now - at < DELIVERY_TTL_MS) return true;
    this.data.deliveries[key] = now;
    for (const [k, t] of Object.entries(this.data.deliveries))
      if (now - t >= DELIVERY_TTL_MS) delete this.data.deliveries[k];
    trimRecord(this.data.deliveries, DELIVERIES_KEPT);
    this.save();
    return false;
  }

  view(name: string): CiHistoryView {
    const p = this.pipeline(name);
    return {
      testRuns: (test) => p.tests[test] ?? [],
      template: (key) => p.templates[key],
    };
  }

  recordTests(name: string, runs: readonly TestRun[]): void {
    const p = this.pipeline(name);
    for (const r of runs) {
      const list = p.tests[r.test] ?? [];
      list.push(r);
      p.tests[r.test] = list.slice(-RUNS_PER_TEST);
    }
    trimRecord(p.tests, TESTS_PER_PIPELINE);
    this.save();
  }

  /** A classified failure: its templates are counted, and it waits for a re-run's result under `runKey`. */
  recordFailure(name: string, runKey: string, f: PendingFailure): void {
    const p = this.pipeline(name);
    for (const t of f.templates) {
      const have = p.templates[t.key] ?? { text: t.text, seen: 0, rerunPassed: 0, rerunFailed: 0, cls: null };
      have.seen++;
      have.cls = f.cls;
      p.templates[t.key] = have;
    }
    p.pending[runKey] = f;
    trimRecord(p.pending, 50);
    if (f.commit && f.tests.length > 0) {
      const runs = p.failedRuns ?? [];
      runs.push({ runKey, commit: f.commit, workflow: f.workflow ?? null, tests: f.tests, at: f.at });
      p.failedRuns = runs.slice(-FAILED_RUNS_KEPT);
    }
    trimRecord(p.templates, TEMPLATES_PER_PIPELINE);
    this.save();
  }

  /** The run was re-run: its next result is the re-run's. */
  markReran(name: string, runKey: string, at: number): void {
    const p = this.pipeline(name);
    const f = p.pending[runKey];
    if (f) f.reran = true;
    p.reruns.push({ at, commit: f?.commit ?? null, run: runKey });
    p.reruns = p.reruns.slice(-RERUNS_KEPT);
    this.save();
  }

  /**
   * A result of the run `runKey`. A failure waiting there learns from it when it is that failure's re-run:
   * one Medic asked for, or, for a pass, one on the same commit whoever started it (a person's re-run, the same
   * pipeline again); its templates count whether a re-run fixes them. A pass also passes, on its commit, the
   * failing tests of every failed run of the same workflow on that commit, so a test that failed and then
   * passed on one commit is known to flake. Returns the failure it settles, if one waited.
   */
  settle(
    name: string,
    runKey: string,
    passed: boolean,
    at: number,
    run: RunResult | null = null,
  ): PendingFailure | null {
    const p = this.pipeline(name);
    const f = p.pending[runKey] ?? null;
    const commit = run?.commit ?? null;
    const rerunOf = f !== null && (f.reran || (passed && commit !== null && f.commit === commit));
    if (rerunOf) {
      delete p.pending[runKey];
      for (const t of f.templates) {
        const o = p.templates[t.key];
        if (!o) continue;
        if (passed) o.rerunPassed++;
        else o.rerunFailed++;
      }
    }
    if (passed) {
      // Without the pass's commit, a re-run Medic asked for is taken to be of its failure's commit.
      const on = commit ?? (rerunOf ? f.commit : null);
      if (on) this.passTests(p, name, runKey, on, run?.workflow ?? null, at, rerunOf ? f : null);
    }
    this.save();
    return rerunOf ? f : null;
  }

  /** The failing tests of the runs that failed on `commit` and are passed by this run, passed at `at`. */
  private passTests(
    p: PipelineHistory,
    name: string,
    runKey: string,
    commit: string,
    workflow: string | null,
    at: number,
    settled: PendingFailure | null,
  ): void {
    const tests = new Set<string>(settled?.commit === commit ? settled.tests : []);
    for (const r of p.failedRuns ?? []) {
      if (r.commit !== commit || r.passedAt !== undefined) continue;
      // Another workflow of the repository passing says nothing of this one's tests.
      if (r.runKey !== runKey && (workflow === null || r.workflow !== workflow)) continue;
      r.passedAt = at;
      for (const t of r.tests) tests.add(t);
    }
    if (tests.size > 0)
      this.recordTests(
        name,
        [...tests].map((test) => ({ test, commit, passed: true, at })),
      );
  }

  /** Re-runs of the pipeline since `since`, and of the commit among them. */
  reruns(
    name: string,
    since: number,
    commit: string | null,
  ): { total: number; ofCommit: number; last: number | null } {
    const list = this.pipeline(name).reruns.filter((r) => r.at >= since);
    return {
      total: list.length,
      ofCommit: commit ? this.pipeline(name).reruns.filter((r) => r.commit === commit).length : 0,
      last: this.pipeline(name).reruns.at(-1)?.at ?? null,
    };
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
