/**
 * What a finding looks like to matchers (its labels), silences (Alertmanager-style matchers with an expiry)
 * and maintenance windows (cron expressions that open a window of a given length).
 */
import { Cron } from 'croner';
import type { MaintenanceWindow } from '../config/index.js';
import type { Finding } from '../core/index.js';
import type { Silence, SilenceMatcher } from '../store/index.js';

/**
 * The labels of a finding: those it carries in `evidence.labels` (an Alertmanager alert's, a pod's) and its
 * own, which win: service, check, kind, severity, and the diagnosed cause when there is one.
 */
export function findingLabels(f: Finding, cause?: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  const carried = f.evidence['labels'];
  if (carried && typeof carried === 'object' && !Array.isArray(carried)) {
    for (const [k, v] of Object.entries(carried as Record<string, unknown>)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    }
  }
  Object.assign(out, { service: f.service, check: f.check, kind: f.kind, severity: f.severity });
  if (cause) out['cause'] = cause;
  return out;
}

/**
 * The longest regex a matcher may hold. JavaScript's regexes backtrack, so a pattern is a cost paid on every
 * finding: a bound keeps a silence from becoming a way to stall the daemon, and real matchers are short.
 */
export const MAX_MATCHER_REGEX = 1024;

/** Compiled full-match patterns, each compiled once; bounded, the oldest forgotten first. */
const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 1000;

/** The pattern anchored at both ends, compiled on first use and kept. */
export function fullMatcher(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(pattern, re);
  }
  return re;
}

function fullMatch(pattern: string, value: string): boolean {
  return fullMatcher(pattern).test(value);
}

/** One matcher against a label set; a missing label is the empty string (as in Alertmanager). */
export function matcherMatches(m: SilenceMatcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return fullMatch(m.value, v);
    case '!~':
      return !fullMatch(m.value, v);
  }
}

export function silenceMatches(s: Silence, labels: Readonly<Record<string, string>>, now: number): boolean {
  return s.startsAt <= now && now < s.endsAt && s.matchers.every((m) => matcherMatches(m, labels));
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** Parses `name=value`, `name!=value`, `name=~regex` or `name!~regex` (quotes around the value optional). */
export function parseMatcher(text: string): SilenceMatcher {
  const m = MATCHER.exec(text);
  if (!m) throw new Error(`bad matcher "${text}": want name=value, name!=value, name=~regex or name!~regex`);
  let value = m[3]!;
  if (value.length >= 2 && /^(["']).*\1$/.test(value)) value = value.slice(1, -1);
  const matcher = { name: m[1]!, op: m[2] as SilenceMatcher['op'], value };
  validateMatcher(matcher);
  return matcher;
}

/** Throws on a regex that does not compile or is longer than MAX_MATCHER_REGEX. */
export function validateMatcher(m: SilenceMatcher): void {
  if (m.op === '=~' || m.op === '!~') {
    if (m.value.length > MAX_MATCHER_REGEX)
      throw new Error(
        `regex in matcher ${m.name}${m.op} is ${m.value.length} characters long: at most ${MAX_MATCHER_REGEX}`,
      );
    try {
      new RegExp(m.value);
    } catch (err) {
      throw new Error(`bad regex in matcher ${m.name}${m.op}${m.value}: ${(err as Error).message}`);
    }
  }
}

/**
 * A playbook trigger's label condition: `value` equality, `~regex` full match, `!value` inequality.
 */
export function labelConditionHolds(condition: string, actual: string | undefined): boolean {
  if (condition.startsWith('~')) return actual !== undefined && fullMatch(condition.slice(1), actual);
  if (condition.startsWith('!')) return actual !== condition.slice(1);
  return actual === condition;
}

/**
 * The maintenance window covering `service` at `now`, if any: a window is open from each time its cron fires
 * for `duration`, i.e. when the first firing after `now − duration` is not later than `now`.
 */
export function activeMaintenance(
  windows: readonly MaintenanceWindow[],
  service: string,
  now: number,
): { window: MaintenanceWindow; opened: number; closes: number } | null {
  for (const w of windows) {
    if (w.services && !w.services.includes(service)) continue;
    const cron = new Cron(w.cron, { paused: true, timezone: w.timezone });
    try {
      // nextRun is strictly after its argument: start just before the earliest moment a window could open.
      const first = cron.nextRun(new Date(now - w.duration - 1));
      if (first && first.getTime() <= now && now < first.getTime() + w.duration) {
        const opened = first.getTime();
        return { window: w, opened, closes: opened + w.duration };
      }
    } finally {
      cron.stop();
    }
  }
  return null;
}
