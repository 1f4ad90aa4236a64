/**
 * What the dashboard's CI page shows, read from the pipelines' histories: each pipeline's last result, the
 * failures by class, Medic's re-runs and how they ended, the recent failures, and the flakiest tests (those
 * that failed and passed on the same commit most often: a failure there was not the commit's).
 */
import { CI_CLASSES, type CiClass } from '../../diagnose/ci/index.js';
import type { FailureLog, PipelineHistory } from './history.js';

export interface CiPipelineSummary {
  name: string;
  provider: string;
  repository: string;
  service: string;
  branches: string[];
  last: PipelineHistory['last'] | null;
  failures: number;
  reruns: number;
}

export interface CiSummary {
  since: number;
  pipelines: CiPipelineSummary[];
  byClass: Record<CiClass, number>;
  reruns: { total: number; passed: number; failed: number; waiting: number };
  recent: (FailureLog & { pipeline: string })[];
  flakiest: { pipeline: string; test: string; flakyCommits: number; failures: number; lastAt: number }[];
}

export interface PipelineRef {
  provider: string;
  repository: string;
  service: string;
  branches: string[];
}

const RECENT = 50;
const FLAKIEST = 20;

export function summarizeCi(
  histories: readonly { pipeline: string; history: PipelineHistory }[],
  configured: Record<string, PipelineRef>,
  since: number,
): CiSummary {
  const byName = new Map(histories.map((h) => [h.pipeline, h.history]));
  const byClass = Object.fromEntries(CI_CLASSES.map((c) => [c, 0])) as Record<CiClass, number>;
  const reruns = { total: 0, passed: 0, failed: 0, waiting: 0 };
  const recent: CiSummary['recent'] = [];
  const flakiest: CiSummary['flakiest'] = [];
  const pipelines: CiPipelineSummary[] = [];
  // Configured pipelines first, in the config's order; then any the config no longer names (history only).
  const names = [...Object.keys(configured), ...[...byName.keys()].filter((n) => !(n in configured))];
  for (const name of names) {
    const h = byName.get(name);
    const failures = (h?.failures ?? []).filter((f) => f.at >= since);
    for (const f of failures) {
      byClass[f.cls] = (byClass[f.cls] ?? 0) + 1;
      if (!f.reran) continue;
      reruns.total++;
      if (f.outcome === 'passed') reruns.passed++;
      else if (f.outcome === 'failed') reruns.failed++;
      else reruns.waiting++;
    }
    // Newest last in the log: reversed, so a stable sort keeps the later of two at one time first.
    recent.push(...failures.map((f) => ({ ...f, pipeline: name })).reverse());
    for (const [test, runs] of Object.entries(h?.tests ?? {})) {
      const inWindow = runs.filter((r) => r.at >= since);
      const failed = new Set(inWindow.filter((r) => !r.passed).map((r) => r.commit));
      const passed = new Set(inWindow.filter((r) => r.passed).map((r) => r.commit));
      const flakyCommits = [...failed].filter((c) => passed.has(c)).length;
      if (flakyCommits === 0) continue;
      flakiest.push({
        pipeline: name,
        test,
        flakyCommits,
        failures: inWindow.filter((r) => !r.passed).length,
        lastAt: Math.max(...inWindow.map((r) => r.at)),
      });
    }
    const c = configured[name];
    pipelines.push({
      name,
      provider: c?.provider ?? 'unknown',
      repository: c?.repository ?? '',
      service: c?.service ?? '',
      branches: c?.branches ?? [],
      last: h?.last ?? null,
      failures: failures.length,
      reruns: failures.filter((f) => f.reran).length,
    });
  }
  recent.sort((a, b) => b.at - a.at);
  flakiest.sort((a, b) => b.flakyCommits - a.flakyCommits || b.failures - a.failures || b.lastAt - a.lastAt);
  return {
    since,
    pipelines,
    byClass,
    reruns,
    recent: recent.slice(0, RECENT),
    flakiest: flakiest.slice(0, FLAKIEST),
  };
}
