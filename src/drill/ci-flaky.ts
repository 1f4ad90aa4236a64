/**
 * `medic drill ci-flaky`: CI failure recovery end to end against a local GitHub (ci-flaky-github.ts). Medic
 * runs with the config's policy and a CI section pointed at it (ci-flaky-config.ts) and its API receives
 * GitHub's signed webhooks. Three failures of one pipeline, in turn:
 *  1. a test Playwright saw fail then pass on its retry: re-run once through rerun-failed-jobs, and the
 *     re-run's success turns the pipeline green and resolves the incident, with nobody approving anything;
 *  2. the same test failing outright on a later commit: the history of case 1 (failed and passed on one
 *     commit) makes it flaky, and it is re-run and goes green the same way;
 *  3. a build that does not compile: diagnosed ci_code with its failing line, never re-run, left open.
 * A case passes only when each of those holds; the drill passes when every case does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { type ApiServer, startApi } from '../api/index.js';
import { loadConfig } from '../config/index.js';
import type { Incident } from '../core/index.js';
import { createMedic, type Medic } from '../daemon/index.js';
import {
  CI_DRILL_BACKOFF_MS,
  CI_DRILL_PIPELINE,
  CI_DRILL_REPOSITORY,
  CI_DRILL_SECRET_ENV,
  CI_DRILL_SERVICE,
  CI_DRILL_TOKEN_ENV,
  ciDrillConfig,
} from './ci-flaky-config.js';
import { type LocalGithub, startLocalGithub } from './ci-flaky-github.js';
import { CODE_ERROR, codeLog, flakeFailedLog, flakeSeenLog } from './ci-flaky-logs.js';

export interface CiFlakyCase {
  case: string;
  /** What must happen: re-run and green, or never re-run and reported. */
  expected: 'rerun_green' | 'reported_not_rerun';
  cause: string | null;
  confidence: number | null;
  /** Re-run requests GitHub received for this case's run. */
  reruns: number;
  /** The run's conclusion on GitHub at the end (success after a re-run that passed). */
  pipeline: string | null;
  incident: string | null;
  /** Medic's actions on the incident, `kind:state`. */
  actions: string[];
  /** Someone had to approve (the policy asked for a human). */
  waited_for_human: boolean;
  /** The log lines the diagnosis shows. */
  failing_lines: string[];
  seconds: number;
  ok: boolean;
  why: string[];
}

export interface CiFlakyReport {
  drill: 'ci-flaky';
  provider: 'github';
  config: string;
  passed: boolean;
  cases: CiFlakyCase[];
}

export interface CiFlakyOptions {
  configFile: string;
  /** Longest a case may take to end. */
  timeoutMs: number;
  /** How long a failure that must not be re-run is watched for a re-run (after its diagnosis). */
  quietMs?: number;
  dataDir?: string;
  logger: Logger;
  onProgress?: (msg: string) => void;
}

interface CaseSpec {
  name: string;
  expected: CiFlakyCase['expected'];
  cause: string;
  runId: number;
  jobId: number;
  sha: string;
  failedStep: string;
  log: (start: number) => string;
  rerunPasses: boolean;
  /** A line the diagnosis must show. */
  shows?: string;
}

const CASES: readonly CaseSpec[] = [
  {
    name: 'flake seen by the test runner',
    expected: 'rerun_green',
    cause: 'ci_flaky_test',
    runId: 9101,
    jobId: 810100,
    sha: '1a'.repeat(20),
    failedStep: 'Run npx playwright test --fail-on-flaky-tests',
    log: (t) => flakeSeenLog(CI_DRILL_REPOSITORY, t),
    rerunPasses: true,
  },
  {
    name: 'flake known from history',
    expected: 'rerun_green',
    cause: 'ci_flaky_test',
    runId: 9102,
    jobId: 810200,
    sha: '2b'.repeat(20),
    failedStep: 'Run npx playwright test',
    log: (t) => flakeFailedLog(CI_DRILL_REPOSITORY, t),
    rerunPasses: true,
  },
  {
    name: 'code that does not compile',
    expected: 'reported_not_rerun',
    cause: 'ci_code',
    runId: 9103,
    jobId: 810300,
    sha: '3c'.repeat(20),
    failedStep: 'Run npm run build',
    log: (t) => codeLog(CI_DRILL_REPOSITORY, t),
    // A re-run would fail again; the drill fails if one is asked for at all.
    rerunPasses: false,
    shows: CODE_ERROR,
  },
];

export async function runCiFlakyDrill(o: CiFlakyOptions): Promise<CiFlakyReport> {
  const user = await loadConfig(o.configFile);
  const dataDir = o.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'medic-ci-drill-')));
  const secret = randomBytes(24).toString('hex');
  const saved = { secret: process.env[CI_DRILL_SECRET_ENV], token: process.env[CI_DRILL_TOKEN_ENV] };
  process.env[CI_DRILL_SECRET_ENV] = secret;
  process.env[CI_DRILL_TOKEN_ENV] = `ghs_drill_${randomBytes(12).toString('hex')}`;
  let github: LocalGithub | null = null;
  let medic: Medic | null = null;
  let api: ApiServer | null = null;
  try {
    github = await startLocalGithub(CI_DRILL_REPOSITORY, secret);
    const loaded = ciDrillConfig(user, github.url, dataDir);
    medic = await createMedic({ loaded, dataDir, watch: false, logger: o.logger, drill: true });
    await medic.start();
    api = await startApi(medic, '127.0.0.1', 0, { webRoot: null });
    github.deliverTo(api.url);
    o.onProgress?.(`local GitHub on ${github.url}; Medic's API on ${api.url}; pipeline ${CI_DRILL_PIPELINE}`);
    const cases: CiFlakyCase[] = [];
    for (const spec of CASES) {
      o.onProgress?.(`${spec.name}: run ${spec.runId} fails`);
      const c = await runCase(medic, github, spec, o);
      o.onProgress?.(`${spec.name}: ${c.ok ? 'ok' : `FAILED: ${c.why.join('; ')}`}`);
      cases.push(c);
    }
    return {
      drill: 'ci-flaky',
      provider: 'github',
      config: o.configFile,
      passed: cases.every((c) => c.ok),
      cases,
    };
  } finally {
    await api?.close();
    await medic?.stop();
    await github?.close();
    restore(CI_DRILL_SECRET_ENV, saved.secret);
    restore(CI_DRILL_TOKEN_ENV, saved.token);
    if (!o.dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

async function runCase(medic: Medic, github: LocalGithub, spec: CaseSpec, o: CiFlakyOptions) {
  // Medic's doubling backoff between re-runs of a pipeline holds a failure arriving sooner (and escalates it):
  // the next failure comes once it has passed, as failures on later commits would.
  const last = github.lastRerunAt();
  if (last !== null) {
    const backoff = CI_DRILL_BACKOFF_MS * 2 ** Math.max(0, github.reruns.length - 1);
    await sleep(Math.max(0, last + backoff + 250 - Date.now()));
  }
  const t0 = Date.now();
  const seen = new Map<string, number>();
  for (const i of await incidentsOf(medic)) seen.set(i.id, (await medic.store.timeline(i.id)).length);
  await github.fail({
    runId: spec.runId,
    jobId: spec.jobId,
    sha: spec.sha,
    log: spec.log(t0),
    failedStep: spec.failedStep,
    rerunPasses: spec.rerunPasses,
  });
  const deadline = t0 + o.timeoutMs;
  const why: string[] = [];
  // The incident this failure opened, once it is diagnosed (and, for a re-run case, once it has ended).
  let incident: Incident | null = null;
  let diagnosis: Record<string, unknown> | null = null;
  let joined = false;
  while (Date.now() < deadline) {
    // This failure's incident: a new one, or an open one its finding joined (the timeline grew by a finding).
    for (const i of await incidentsOf(medic)) {
      const entries = (await medic.store.timeline(i.id)).slice(seen.get(i.id) ?? 0);
      const finding = entries.find((e) => e.kind === 'finding');
      if (!finding) continue;
      incident = i;
      joined = seen.has(i.id);
      diagnosis = entries.findLast((e) => e.kind === 'diagnosis')?.data ?? null;
    }
    const ended = incident?.state === 'resolved' || incident?.state === 'escalated';
    if (diagnosis && (spec.expected === 'reported_not_rerun' || ended)) break;
    await sleep(100);
  }
  // A failure that must not be re-run is watched a while longer: a re-run asked for late is still a re-run.
  if (spec.expected === 'reported_not_rerun' && diagnosis) await sleep(o.quietMs ?? 2_000);
  if (incident) incident = (await incidentsOf(medic)).find((i) => i.id === incident?.id) ?? incident;
  const actions = incident
    ? (await medic.store.listActions({ service: CI_DRILL_SERVICE, limit: 50 })).items.filter(
        (a) => a.incidentId === incident?.id,
      )
    : [];
  const reruns = github.reruns.filter((r) => r === spec.runId).length;
  const cause = typeof diagnosis?.['cause'] === 'string' ? diagnosis['cause'] : null;
  const confidence = typeof diagnosis?.['confidence'] === 'number' ? diagnosis['confidence'] : null;
  const lines = failingLines(diagnosis);
  const waited = actions.some((a) => a.state === 'awaiting_approval');

  if (!incident) why.push(`no incident within ${o.timeoutMs} ms`);
  else if (!diagnosis)
    why.push(
      joined
        ? `the failure joined incident ${incident.id}, still ${incident.state} from before, and was not diagnosed apart`
        : `incident ${incident.id} was not diagnosed within ${o.timeoutMs} ms`,
    );
  if (diagnosis && cause !== spec.cause) why.push(`diagnosed ${cause}, not ${spec.cause}`);
  if (spec.expected === 'rerun_green') {
    if (reruns !== 1) why.push(`${reruns} re-runs, not exactly 1`);
    if (github.conclusion(spec.runId) !== 'success') why.push(`the run is ${github.conclusion(spec.runId)}`);
    if (incident && incident.state !== 'resolved') why.push(`the incident is ${incident.state}`);
    if (waited) why.push('the re-run waited for a human (policy autonomy)');
  } else {
    if (reruns !== 0) why.push(`re-run ${reruns} time(s): a code failure must never be`);
    if (incident && incident.state === 'resolved') why.push('the incident resolved without a fix');
    if (spec.shows && !lines.some((l) => l.includes(spec.shows as string)))
      why.push(`the diagnosis does not show the failing line "${spec.shows}"`);
  }
  for (const r of github.refused.splice(0)) why.push(`webhook refused: ${r}`);
  return {
    case: spec.name,
    expected: spec.expected,
    cause,
    confidence,
    reruns,
    pipeline: github.conclusion(spec.runId) ?? null,
    incident: incident?.state ?? null,
    actions: actions.map((a) => `${a.kind}:${a.state}`),
    waited_for_human: waited,
    failing_lines: lines,
    seconds: Math.round((Date.now() - t0) / 100) / 10,
    ok: why.length === 0,
    why,
  } satisfies CiFlakyCase;
}

async function incidentsOf(medic: Medic): Promise<Incident[]> {
  return (await medic.store.listIncidents({ service: CI_DRILL_SERVICE, limit: 20 })).items;
}

/** The log lines in the diagnosis' evidence (`log: …`, as the CI rules write them). */
function failingLines(diagnosis: Record<string, unknown> | null): string[] {
  const evidence = diagnosis?.['evidence'];
  if (!Array.isArray(evidence)) return [];
  return evidence
    .filter((e): e is string => typeof e === 'string' && e.startsWith('log: '))
    .map((e) => e.slice('log: '.length));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const CI_FLAKY_HEADERS = ['case', 'expected', 'cause', 'conf', 'reruns', 'pipeline', 'incident', 'ok'];

export function ciFlakyRow(c: CiFlakyCase): (string | number | null)[] {
  return [
    c.case,
    c.expected === 'rerun_green' ? 're-run, green' : 'reported, never re-run',
    c.cause,
    c.confidence,
    c.reruns,
    c.pipeline,
    c.incident,
    c.ok ? 'yes' : `NO: ${c.why.join('; ')}`,
  ];
}
