/**
 * What Medic remembers of each pipeline: the failing tests' results per commit, each log template's re-run
 * outcomes (did the re-run pass?), the re-runs made (for the caps), the failures awaiting their re-run's
 * result, the recent failed runs (a later pass of the same commit, whoever started it, passes their tests),
 * the recent failures with their outcome (the dashboard's), and the webhook deliveries seen (replays are
 * refused). Kept in the shared store (one document per pipeline, changed atomically), so every replica
 * judges with the same history and counts the same caps. Every list is bounded.
 */
import { readFileSync, renameSync } from 'node:fs';
import type { CiClass, CiHistoryView, TemplateOutcomes, TestRun } from '../../diagnose/ci/index.js';

const RUNS_PER_TEST = 30;
const TESTS_PER_PIPELINE = 2_000;
const TEMPLATES_PER_PIPELINE = 5_000;
const RERUNS_KEPT = 200;
const FAILED_RUNS_KEPT = 200;
const FAILURES_LOGGED = 200;
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
  /** The verdict's confidence, the run's id and page (for people). */
  confidence?: number;
  run?: string;
  url?: string | null;
}

/** A failure as the dashboard shows it: its class, whether Medic re-ran it, and how that ended. */
export interface FailureLog {
  at: number;
  runKey: string;
  run: string | null;
  commit: string | null;
  workflow: string | null;
  cls: CiClass;
  confidence: number | null;
  tests: string[];
  url: string | null;
  reran: boolean;
  /** The re-run's result (Medic's or a person's on the same commit); null while none came. */
  outcome: 'passed' | 'failed' | null;
  settledAt: number | null;
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

export interface PipelineHistory {
  tests: Record<string, TestRun[]>;
  templates: Record<string, TemplateOutcomes & { text: string; seen: number }>;
  reruns: { at: number; commit: string | null; run: string }[];
  pending: Record<string, PendingFailure>;
  failedRuns?: FailedRun[];
  failures?: FailureLog[];
  /** The pipeline's last result: when, and whether it passed. */
  last?: { at: number; passed: boolean; commit: string | null; workflow: string | null };
}

/** The ci-history.json a replica kept before the shared store held it (imported once). */
interface HistoryFile {
  version: 1;
  pipelines: Record<string, PipelineHistory>;
  deliveries: Record<string, number>;
}

/**
 * Where the history lives: the Store's CI methods (shared by replicas), or `memoryCiBackend` for a daemon
 * without a store and for tests. `updateCiHistory` is atomic per pipeline; `change` is synchronous.
 */
export interface CiHistoryBackend {
  recordCiDelivery(key: string, at: number, since: number): Promise<boolean>;
  getCiHistory(pipeline: string): Promise<unknown | null>;
  updateCiHistory<R>(
    pipeline: string,
    at: number,
    change: (doc: unknown | null) => { doc: unknown; result: R },
  ): Promise<R>;
  listCiHistories(): Promise<{ pipeline: string; doc: unknown; updatedAt: number }[]>;
}

/** The history in this process's memory, copied in and out as the store would (no shared references). */
export function memoryCiBackend(): CiHistoryBackend {
  const docs = new Map<string, { doc: string; at: number }>();
  const deliveries = new Map<string, number>();
  return {
    async recordCiDelivery(key, at, since) {
      for (const [k, t] of deliveries) if (t < since) deliveries.delete(k);
      if (deliveries.has(key)) return false;
      deliveries.set(key, at);
      return true;
    },
    async getCiHistory(pipeline) {
      const d = docs.get(pipeline);
      return d ? (JSON.parse(d.doc) as unknown) : null;
    },
    async updateCiHistory(pipeline, at, change) {
      const d = docs.get(pipeline);
      const { doc, result } = change(d ? (JSON.parse(d.doc) as unknown) : null);
      docs.set(pipeline, { doc: JSON.stringify(doc), at });
      return result;
    },
    async listCiHistories() {
      return [...docs]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([pipeline, d]) => ({ pipeline, doc: JSON.parse(d.doc) as unknown, updatedAt: d.at }));
    },
  };
}

function trimRecord<T>(r: Record<string, T>, max: number): void {
  const keys = Object.keys(r);
  for (const k of keys.slice(0, Math.max(0, keys.length - max))) delete r[k];
}

function docOf(v: unknown): PipelineHistory {
  const p = (v && typeof v === 'object' ? v : {}) as Partial<PipelineHistory>;
  return {
    ...p,
    tests: p.tests ?? {},
    templates: p.templates ?? {},
    reruns: p.reruns ?? [],
    pending: p.pending ?? {},
  };
}

function addTests(p: PipelineHistory, runs: readonly TestRun[]): void {
  for (const r of runs) {
    const list = p.tests[r.test] ?? [];
    list.push(r);
    p.tests[r.test] = list.slice(-RUNS_PER_TEST);
  }
  trimRecord(p.tests, TESTS_PER_PIPELINE);
}

/** The failing tests of the runs that failed on `commit` and are passed by this run, passed at `at`. */
function passTests(
  p: PipelineHistory,
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
    addTests(
      p,
      [...tests].map((test) => ({ test, commit, passed: true, at })),
    );
}

/** A pipeline's history over the backend: every change is one atomic read-change-write of its document. */
export class CiHistory {
  constructor(private readonly backend: CiHistoryBackend = memoryCiBackend()) {}

  private change<R>(name: string, at: number, fn: (p: PipelineHistory) => R): Promise<R> {
    return this.backend.updateCiHistory(name, at, (doc) => {
      const p = docOf(doc);
      const result = fn(p);
      return { doc: p, result };
    });
  }

  /** Whether the delivery was seen in the last week (a replay, on any replica); records it if not. */
  async seenDelivery(provider: string, id: string, now: number): Promise<boolean> {
    return !(await this.backend.recordCiDelivery(`${provider}:${id}`, now, now - DELIVERY_TTL_MS));
  }

  /** The pipeline's history as the classifier reads it: a snapshot taken now. */
  async view(name: string): Promise<CiHistoryView> {
    const p = docOf(await this.backend.getCiHistory(name));
    return {
      testRuns: (test) => p.tests[test] ?? [],
      template: (key) => p.templates[key],
    };
  }

  async recordTests(name: string, runs: readonly TestRun[]): Promise<void> {
    if (runs.length === 0) return;
    await this.change(name, runs.at(-1)?.at ?? 0, (p) => addTests(p, runs));
  }

  /** A classified failure: its templates are counted, and it waits for a re-run's result under `runKey`. */
  async recordFailure(name: string, runKey: string, f: PendingFailure): Promise<void> {
    await this.change(name, f.at, (p) => {
      for (const t of f.templates) {
        const have = p.templates[t.key] ?? {
          text: t.text,
          seen: 0,
          rerunPassed: 0,
          rerunFailed: 0,
          cls: null,
        };
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
      const log = p.failures ?? [];
      log.push({
        at: f.at,
        runKey,
        run: f.run ?? null,
        commit: f.commit,
        workflow: f.workflow ?? null,
        cls: f.cls,
        confidence: f.confidence ?? null,
        tests: f.tests.slice(0, 20),
        url: f.url ?? null,
        reran: false,
        outcome: null,
        settledAt: null,
      });
      p.failures = log.slice(-FAILURES_LOGGED);
      p.last = { at: f.at, passed: false, commit: f.commit, workflow: f.workflow ?? null };
    });
  }

  /** The run was re-run: its next result is the re-run's. */
  async markReran(name: string, runKey: string, at: number): Promise<void> {
    await this.change(name, at, (p) => {
      const f = p.pending[runKey];
      if (f) f.reran = true;
      const logged = p.failures?.findLast((l) => l.runKey === runKey && l.outcome === null);
      if (logged) logged.reran = true;
      p.reruns.push({ at, commit: f?.commit ?? null, run: runKey });
      p.reruns = p.reruns.slice(-RERUNS_KEPT);
    });
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
  ): Promise<PendingFailure | null> {
    return this.change(name, at, (p) => {
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
        const logged = p.failures?.findLast((l) => l.runKey === runKey && l.outcome === null);
        if (logged) {
          logged.outcome = passed ? 'passed' : 'failed';
          logged.settledAt = at;
        }
      }
      if (passed) {
        // Without the pass's commit, a re-run Medic asked for is taken to be of its failure's commit.
        const on = commit ?? (rerunOf ? f.commit : null);
        if (on) passTests(p, runKey, on, run?.workflow ?? null, at, rerunOf ? f : null);
        p.last = { at, passed: true, commit: on, workflow: run?.workflow ?? null };
      }
      return rerunOf ? f : null;
    });
  }

  /** Re-runs of the pipeline since `since`, and of the commit among them. */
  async reruns(
    name: string,
    since: number,
    commit: string | null,
  ): Promise<{ total: number; ofCommit: number; last: number | null }> {
    const p = docOf(await this.backend.getCiHistory(name));
    return {
      total: p.reruns.filter((r) => r.at >= since).length,
      ofCommit: commit ? p.reruns.filter((r) => r.commit === commit).length : 0,
      last: p.reruns.at(-1)?.at ?? null,
    };
  }

  /** Every pipeline's history (the dashboard's summary reads it). */
  async all(): Promise<{ pipeline: string; history: PipelineHistory; updatedAt: number }[]> {
    return (await this.backend.listCiHistories()).map((r) => ({
      pipeline: r.pipeline,
      history: docOf(r.doc),
      updatedAt: r.updatedAt,
    }));
  }
}

/**
 * Imports the ci-history.json a replica kept before the store held the history, once: a pipeline the store
 * already knows keeps the store's (another replica imported or learned it first), and deliveries still within
 * their week are recorded. The file is renamed to `<file>.imported`, so a restart does not import it again.
 * Returns the pipelines imported, or null when there was no file.
 */
export async function importCiHistoryFile(
  file: string,
  backend: CiHistoryBackend,
  now: number,
): Promise<{ imported: string[]; kept: string[] } | null> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let parsed: HistoryFile;
  try {
    parsed = JSON.parse(text) as HistoryFile;
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message}); move it aside to start afresh`);
  }
  if (parsed?.version !== 1 || typeof parsed.pipelines !== 'object' || parsed.pipelines === null)
    throw new Error(`${file}: not a CI history of version 1`);
  const imported: string[] = [];
  const kept: string[] = [];
  for (const [name, doc] of Object.entries(parsed.pipelines)) {
    const took = await backend.updateCiHistory(name, now, (have) =>
      have === null ? { doc: docOf(doc), result: true } : { doc: have, result: false },
    );
    (took ? imported : kept).push(name);
  }
  for (const [key, at] of Object.entries(parsed.deliveries ?? {}))
    if (typeof at === 'number' && now - at < DELIVERY_TTL_MS)
      await backend.recordCiDelivery(key, at, now - DELIVERY_TTL_MS);
  renameSync(file, `${file}.imported`);
  return { imported, kept };
}
