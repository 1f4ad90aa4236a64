import { errorMessage } from '../core/index.js';
import type { TemplateMiner } from '../detect/logs/index.js';
import { type CiHistoryView, type CiVerdict, classifyCiFailure } from '../diagnose/index.js';
import { type CiClient, type CiEvent, cutToFailingStep, mineLog } from '../sources/ci/index.js';
import { targetOf } from './ci-run-keys.js';

/** Jobs of one failed run whose logs are read: a run with more failed jobs is judged by its first ones. */
const MAX_JOBS = 3;
/** Classes by how much they forbid a re-run: one job failing on the code makes the whole run a code failure. */
const PRECEDENCE = ['config', 'code', 'dependency', 'flaky_test', 'infrastructure'] as const;

export interface CiJudgement {
  verdict: CiVerdict;
  step: string | null;
  templates: { key: string; text: string }[];
  /** What could not be read (a job list, a log): the verdict stands on less. */
  notes: string[];
}

export interface CiJudgeInput {
  /** The provider's API client; null without credentials (the event alone is judged). */
  client: CiClient | null;
  /** The pipeline's history, read once the jobs are known: every job of the run is judged against it. */
  history(): Promise<CiHistoryView>;
  /** The pipeline's template miner, kept across its runs. */
  miner: TemplateMiner;
  logMaxBytes: number;
}

/** The failed jobs' logs, cut, mined and classified; the run's verdict is its most forbidding job's. */
export async function judgeCiRun(e: CiEvent, input: CiJudgeInput): Promise<CiJudgement> {
  const { client, miner } = input;
  const notes: string[] = [];
  const target = targetOf(e);
  let jobs = e.jobId ? [{ id: e.jobId, name: e.jobName ?? '', failedStep: e.failedStep }] : [];
  if (jobs.length === 0 && client) {
    jobs = await client.failedJobs(target).catch((err) => {
      notes.push(`failed jobs not listed: ${errorMessage(err)}`);
      return [];
    });
  }
  if (jobs.length === 0 && e.provider === 'jenkins')
    jobs = [{ id: e.runId, name: e.repository, failedStep: null }];
  const history = await input.history();
  const judged: Omit<CiJudgement, 'notes'>[] = [];
  for (const job of jobs.slice(0, MAX_JOBS)) {
    let lines: string[] = [];
    if (client) {
      lines = await client.jobLog(target, job.id, input.logMaxBytes).catch((err) => {
        notes.push(`log of job ${job.name || job.id} not read: ${errorMessage(err)}`);
        return [];
      });
    }
    const cut = cutToFailingStep(e.provider, lines);
    const templates = mineLog(miner, cut.lines, e.at);
    const verdict = classifyCiFailure(
      {
        lines: cut.lines,
        templates,
        commit: e.commit,
        providerReason: e.providerReason,
        step: cut.step,
        at: e.at,
      },
      history,
    );
    judged.push({
      verdict,
      step: job.failedStep ?? cut.step,
      templates: templates.map((t) => ({ key: t.key, text: t.text })),
    });
  }
  if (judged.length === 0) {
    const verdict = classifyCiFailure(
      { lines: [], templates: [], commit: e.commit, providerReason: e.providerReason, at: e.at },
      history,
    );
    judged.push({ verdict, step: e.failedStep, templates: [] });
  }
  const rank = (v: CiVerdict) => PRECEDENCE.indexOf(v.cls);
  judged.sort((a, b) => rank(a.verdict) - rank(b.verdict) || a.verdict.confidence - b.verdict.confidence);
  const chosen = judged[0] as (typeof judged)[number];
  return { ...chosen, notes };
}
