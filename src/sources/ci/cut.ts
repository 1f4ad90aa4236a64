/**
 * Cuts a job log to its failing step: the section the first error line falls in, up to a little past it. The
 * rest of a log (checkout, set-up, clean-up) is the same in every run and would only dilute the verdict.
 * Each provider marks steps its own way: GitHub `##[group]Run …` and `##[error]`, GitLab
 * `section_start:…:name` and `ERROR: Job failed`, Jenkins `[Pipeline] { (Stage)` and `ERROR:` /
 * `Finished: FAILURE`.
 */
import { stripAnsi } from './lines.js';
import type { CiProvider } from './types.js';

export interface CutLog {
  /** The failing step's name as the log says it (GitHub's command, GitLab's section, Jenkins' stage). */
  step: string | null;
  lines: string[];
}

/** Lines kept at most: a verdict needs the failure and its lead-up, not a whole test report. */
export const MAX_CUT_LINES = 400;
/** Lines kept after the first error (a stack trace, the summary of the test run). */
const AFTER = 30;

const GH_STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/;
/** A section marker on a line of its own (once the line is split at `\r`), its options (`[collapsed=true]`) aside. */
const GL_SECTION = /^section_(start|end):\d+:([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?$/;
const GL_QUIET = new Set([
  'after_script',
  'cleanup_file_variables',
  'upload_artifacts_on_failure',
  'archive_cache_on_failure',
]);

function bounded(lines: string[], start: number, end: number, errorAt: number): string[] {
  let s = start;
  // Too long a step: its end (around the error) is what tells.
  if (end - s > MAX_CUT_LINES) s = Math.max(start, Math.min(errorAt, end) - (MAX_CUT_LINES - AFTER));
  return lines.slice(s, Math.min(end, s + MAX_CUT_LINES));
}

function cutGithub(raw: string[]): CutLog {
  const lines = raw.map((l) => stripAnsi(l).replace(GH_STAMP, ''));
  let err = lines.findIndex((l) => l.startsWith('##[error]'));
  if (err < 0) err = lines.length - 1;
  let start = -1;
  for (let i = err; i >= 0; i--) {
    if (lines[i]?.startsWith('##[group]Run ')) {
      start = i;
      break;
    }
  }
  const step = start >= 0 ? (lines[start] as string).slice('##[group]Run '.length).trim() : null;
  let end = err + 1;
  while (end < lines.length && end - err <= AFTER && !lines[end]?.startsWith('##[group]Run ')) end++;
  const body = bounded(lines, Math.max(0, start), end, err).filter(
    (l) => l !== '##[endgroup]' && !l.startsWith('##[group]'),
  );
  return { step, lines: body.map((l) => l.replace(/^##\[(error|warning)\]/, '$1: ')) };
}

function cutGitlab(raw: string[]): CutLog {
  // GitLab ends a section marker with `\r\e[0K` (back to column 0, erase the line) and writes what follows on
  // the same line: what a terminal shows as two lines is split here, before the escapes go, or the marker's
  // name would run into the next output (`prepare_scriptERROR: Job failed`).
  const lines = raw.flatMap((l) => l.split('\r')).map((l) => stripAnsi(l));
  let err = lines.findIndex((l) => /^ERROR: Job failed/.test(l.trim()));
  if (err < 0) err = lines.length - 1;
  let start = 0;
  let step: string | null = null;
  for (let i = err; i >= 0; i--) {
    const m = GL_SECTION.exec(lines[i]?.trim() ?? '');
    if (m?.[1] === 'start' && !GL_QUIET.has(m[2] as string)) {
      start = i;
      step = m[2] as string;
      break;
    }
  }
  const body = bounded(lines, start, err + 1, err)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !GL_SECTION.test(l));
  return { step, lines: body };
}

function cutJenkins(raw: string[]): CutLog {
  const lines = raw.map((l) => stripAnsi(l));
  let err = lines.findIndex((l) => /^ERROR: |^Finished: (FAILURE|UNSTABLE|ABORTED)/.test(l));
  if (err < 0) err = lines.length - 1;
  let start = Math.max(0, err - MAX_CUT_LINES);
  let step: string | null = null;
  for (let i = err; i >= 0; i--) {
    const m = /^\[Pipeline\] \{ \((.+)\)$/.exec(lines[i] ?? '');
    if (m) {
      start = i;
      step = m[1] as string;
      break;
    }
  }
  let end = err + 1;
  while (end < lines.length && end - err <= AFTER) end++;
  const body = bounded(lines, start, end, err).filter((l) => !l.startsWith('[Pipeline]'));
  return { step, lines: body };
}

export function cutToFailingStep(provider: CiProvider, lines: readonly string[]): CutLog {
  const raw = [...lines];
  switch (provider) {
    case 'github':
      return cutGithub(raw);
    case 'gitlab':
      return cutGitlab(raw);
    case 'jenkins':
      return cutJenkins(raw);
  }
}
