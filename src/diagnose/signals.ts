import type { EvidenceBundle } from './evidence.js';

/**
 * What the diagnosis rules read in an evidence bundle: the patterns of log lines and probe messages, the
 * incident's window, and the signals computed from the series (a sustained memory climb, an error burst
 * against its source's usual rate, server errors newly answered, a crash's shadow). rules.ts weighs them.
 */
export const REFUSED = /ECONNREFUSED|connection refused|could not connect|can't connect|connect failed/i;
export const TIMEOUT = /timed? ?out|timeout|ETIMEDOUT|deadline exceeded/i;
export const RATE = /\b429\b|too many requests|rate.?limit/i;
export const OOM = /out of memory|heap out of memory|oom.?kill|cannot allocate memory|ENOMEM/i;
export const ENOSPC = /ENOSPC|no space left on device|disk full/i;
export const ERROR = /\b(error|exception|fatal|panic|traceback)\b|\b5\d\d\b/i;
export const CRASH =
  /panic|uncaught|unhandled|segmentation fault|SIGSEGV|fatal error|traceback|^\s*\w*(?:Error|Exception):/i;
export const AUTH_FAIL =
  /failed password|authentication fail|invalid user|login failed|invalid credentials|\b401\b/i;
export const CERT =
  /certificate has expired|CERT_HAS_EXPIRED|certificate (?:is )?not yet valid|ERR_TLS_CERT/i;
export const STORAGE = /disk|_dir\b|data.?dir|volume|filesystem|spool|storage/i;
export const MEMORY = /rss|mem|heap/i;
export const STOPPED = /^[Tt]$/;
export const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/;
export const DAY = 86_400_000;

export const lines = (b: EvidenceBundle, category: string | null, re: RegExp) =>
  (b.logs ?? []).filter((l) => (category !== null && l.category === category) || re.test(l.line));
/** Where the incident's own window starts (`logsSince`), else the last 5 minutes. */
export const windowFrom = (b: EvidenceBundle) => b.logsSince ?? b.at - WINDOW_MS;
/** Failed probes of the incident's window: those of an earlier trouble, healed since, say nothing of this one. */
export const failedProbes = (b: EvidenceBundle, re: RegExp) =>
  (b.probes ?? []).filter((p) => !p.ok && p.at >= windowFrom(b) && re.test(p.message));
/**
 * From when the service's failed probes are its own: after each dependency was last seen failing (a timeout
 * or a 502 while its cache hung is the cache's), and within the incident's window.
 */
export const ownFrom = (b: EvidenceBundle) =>
  Math.max(windowFrom(b), ...(b.dependencies ?? []).map((d) => (d.lastFailedAt ?? -1) + 1));
/** Whether `at` fell in one of the service's earlier incidents. */
export const inTrouble = (b: EvidenceBundle, at: number) =>
  (b.earlierTrouble ?? []).some((w) => at >= w.from && at <= w.to);
export const unexpectedExits = (b: EvidenceBundle) => (b.exits ?? []).filter((e) => !e.expected);
export const quote = (line: string) => `"${line.length > 160 ? `${line.slice(0, 160)}…` : line}"`;
export const pct = (x: number) => `${Math.round(x)}%`;

/** A series that grew by at least `minGrowth` and rose in most steps: a leak, not a spike. */
export function rising(values: readonly number[], minGrowth = 1.2): { from: number; to: number } | null {
  if (values.length < 3) return null;
  const from = values[0]!;
  const to = values[values.length - 1]!;
  let up = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! >= values[i - 1]!) up++;
  return to >= from * minGrowth && up / (values.length - 1) >= 0.7 ? { from, to } : null;
}

/**
 * How a process's resident memory shows a leak, and why these numbers:
 * - STARTUP_MS: in its first seconds a process loads its code and libraries and fills its pools and caches
 *   (the stack's Node API goes from 32 MB to 57 MB in its first second, then stays flat): samples that young
 *   say nothing about a leak.
 * - LEAK_MIN_STEPS, LEAK_MIN_SPAN_MS: a leak is a climb sustained over several samples and some seconds, so
 *   one burst of allocations between two samples (a request, a cache filled at once) is not one.
 * - LEAK_MAX_STEP_SHARE: a leak grows by many similar steps; a climb that one step carries more than half of
 *   is a jump (a start-up, a load spike) followed by a plateau, whatever the ratio from first to last. A step
 *   may carry more when it also took that much of the time (samples the sampler missed on a busy machine):
 *   up to twice its share of the time.
 */
export const STARTUP_MS = 2_000;
export const LEAK_MIN_STEPS = 4;
export const LEAK_MIN_SPAN_MS = 3_000;
export const LEAK_MAX_STEP_SHARE = 0.5;
/** The share of steps that must go up (RSS jitters by a percent or two from sample to sample). */
export const LEAK_UP_SHARE = 0.7;

/**
 * The longest climb that ends at the newest sample (a leak is still going on) and is sustained: at least
 * LEAK_MIN_STEPS steps over LEAK_MIN_SPAN_MS, mostly up, growing by `minGrowth` or more, no step carrying
 * more than LEAK_MAX_STEP_SHARE of the rise. Samples of the run's start-up are left out when its start is known.
 */
export function sustainedGrowth(
  samples: readonly { at: number; mb: number }[],
  startedAt: number | undefined,
  minGrowth = 1.2,
): { from: number; to: number; steps: number; spanMs: number } | null {
  const s = startedAt === undefined ? samples : samples.filter((x) => x.at >= startedAt + STARTUP_MS);
  const last = s.at(-1);
  if (!last) return null;
  for (let i = 0; i + LEAK_MIN_STEPS < s.length; i++) {
    const from = s[i]!.mb;
    const spanMs = last.at - s[i]!.at;
    if (spanMs < LEAK_MIN_SPAN_MS || last.mb < from * minGrowth) continue;
    const rise = last.mb - from;
    let up = 0;
    let jump = false;
    for (let j = i + 1; j < s.length; j++) {
      const d = s[j]!.mb - s[j - 1]!.mb;
      if (d >= 0) up++;
      // A step that took a long share of the time (a sampler that fell behind) may carry as much of the rise.
      const timeShare = (s[j]!.at - s[j - 1]!.at) / spanMs;
      if (d > rise * Math.max(LEAK_MAX_STEP_SHARE, 2 * timeShare)) jump = true;
    }
    const steps = s.length - 1 - i;
    if (up / steps < LEAK_UP_SHARE || jump) continue;
    return { from, to: last.mb, steps, spanMs };
  }
  return null;
}

/**
 * Whether the process that exited is the one running now. A supervisor starts a crashed process again within
 * seconds, so a live process says the crash is over only when it is the same one: a new pid is a restart,
 * and the crash is still what happened.
 */
export function stillRunning(b: EvidenceBundle, exit: { pid?: number | null }): boolean {
  if (!b.processAlive) return false;
  const now = b.processState?.pid;
  return exit.pid == null || now == null || now === exit.pid;
}

export function killed(e: { code: number | null; signal: string | null }): boolean {
  return e.code === 137 || e.signal === 'SIGKILL';
}

export function describeExit(e: { code: number | null; signal: string | null }): string {
  return e.signal ? `killed by ${e.signal}` : `exited with code ${e.code}`;
}

export const STATE_NAMES: Readonly<Record<string, string>> = {
  T: 'stopped (state T)',
  t: 'stopped by a tracer (state t)',
  D: 'in uninterruptible sleep (state D)',
  Z: 'a zombie (state Z)',
};
export const stateName = (s: string) => STATE_NAMES[s] ?? `in state ${s}`;

/**
 * Whether the finding being diagnosed is about the service's own resources: a forecast of one of its own
 * series, or a check of its storage or memory. A dependency's failure explains the requests it fails, not
 * its disk filling or its memory climbing: rules that blame a dependency leave such a finding to the rules
 * about it, even while a dependency is failing too.
 */
export function aboutOwnResources(b: EvidenceBundle): boolean {
  const t = b.trigger;
  return Boolean(t && (t.kind === 'forecast' || STORAGE.test(t.check) || MEMORY.test(t.check)));
}

/** A line the classifier put in an error category, or that reads like an error. */
export function isErrorLine(l: { line: string; category?: string | null }): boolean {
  return Boolean(l.category) || ERROR.test(l.line);
}

export const WINDOW_MS = 5 * 60_000;
/**
 * How long before its exit a dying process's lines are its last words (a stack trace, a panic, "shutting
 * down"): a process writes them in its last second or two; 5 s leaves room for lines read from the pipe late.
 */
export const LAST_WORDS_MS = 5_000;

/**
 * From when the window's lines are the aftermath of a crash: its last words, then what its restarts print
 * (a failing start-up, a database recovering, clients refused meanwhile). They are explained by the crash,
 * which process_crashed names, not a burst of their own. No unexpected exit: no shadow.
 */
export function crashShadow(b: EvidenceBundle): number {
  const since = b.logsSince ?? b.at - WINDOW_MS;
  const exit = unexpectedExits(b).find((e) => e.at >= since);
  return exit ? exit.at - LAST_WORDS_MS : Number.POSITIVE_INFINITY;
}

/**
 * How long before a failed answer the service's error line may be stamped: a line is stamped when it was
 * read, which can be a moment before or after the probe recorded the answer.
 */
const LOGGED_SLACK_MS = 1_000;

/** An answer of the server's own failure (Internal Server Error), not of what it depends on. */
const OWN_ERROR = /^500\b/;

/** An HTTP probe answered with a server error (the probe's message starts with the status). */
export const SERVER_ERROR = /^5\d\d\b/;
/**
 * A check of the service's configuration (named so): its 5xx reports the configuration broken, which is what
 * that check exists to say, not requests failing in a burst. No rule names a broken configuration.
 */
export const CONFIG_CHECK = /config|settings/i;

/**
 * The service's own checks answered with server errors (5xx) in the incident's window, at several times
 * their share of the answers before it: the service runs and its requests fail, seen from outside when it logs
 * nothing about them. Not while a dependency fails, and only answers from after a dependency that failed in
 * the window was back (a 502/503 meanwhile is the dependency's); not after a crash.
 */
export function serverErrors(b: EvidenceBundle): { count: number; example: string } | null {
  const since = b.logsSince ?? b.at - WINDOW_MS;
  const deps = b.dependencies ?? [];
  if (b.processAlive === false || deps.some((d) => !d.healthy)) return null;
  // Answers from after its dependencies were last seen failing are its own; those before are theirs.
  const from = ownFrom(b);
  const shadow = crashShadow(b);
  const probes = (b.probes ?? []).filter((p) => !CONFIG_CHECK.test(p.check));
  const fivexx = (p: { ok: boolean; message: string }) => !p.ok && SERVER_ERROR.test(p.message);
  const window = probes.filter((p) => p.at >= from && p.at < shadow);
  const recent = window.filter(fivexx);
  // New, not usual: server errors a larger share of the window's answers than several times their share
  // before it, outside its earlier incidents (a burst a minute ago, healed, does not make the next one
  // usual; a service that always answers some 500s does).
  const before = probes.filter((p) => p.at < since && !inTrouble(b, p.at));
  const usualShare = before.length > 0 ? before.filter(fivexx).length / before.length : 0;
  // One answer is a blip unless it is the service's own failure (500: a 502, 503 or 504 points at what is
  // behind it, as a health check reporting its database does) and it logged an error for it.
  const logged =
    recent.length === 1 &&
    OWN_ERROR.test(recent[0]!.message) &&
    (b.logs ?? []).some((l) => l.at >= recent[0]!.at - LOGGED_SLACK_MS && l.at < shadow && isErrorLine(l));
  if (recent.length < 2 && !logged) return null;
  if (usualShare > 0 && recent.length / window.length < 3 * usualShare) return null;
  return { count: recent.length, example: `${recent.at(-1)!.check}: ${recent.at(-1)!.message}` };
}

/**
 * The log source with the most error lines in the incident's window (from `logsSince`, else the last 5
 * minutes), and how many its usual rate would give in as long: from `logBaseline` (the store's history of
 * that source before the window), else from the bundle's own lines of the 3 windows before.
 */
export function errorBurst(
  b: EvidenceBundle,
): { count: number; expected: number; text: string; example: string } | null {
  const since = b.logsSince ?? b.at - WINDOW_MS;
  const span = Math.max(60_000, b.at - since);
  const shadow = crashShadow(b);
  const errors = (b.logs ?? []).filter((l) => isErrorLine(l) && l.at < shadow);
  // Lines logged while a dependency failed report that dependency's trouble ("db down: ECONNREFUSED"), which
  // db_unreachable names: only those from after its dependencies were back are a burst of its own.
  const own = ownFrom(b);
  const inWindow = errors.filter((l) => l.at >= own && l.at <= b.at);
  if (inWindow.length === 0) return null;
  const bySource = new Map<string, typeof inWindow>();
  for (const l of inWindow) bySource.set(l.source ?? '', [...(bySource.get(l.source ?? '') ?? []), l]);
  let best: { count: number; expected: number; text: string; example: string } | null = null;
  for (const [source, lines] of bySource) {
    let expected: number;
    let usual: string;
    if (b.logBaseline) {
      const base = b.logBaseline.find((x) => x.source === source);
      const baseSpan = base ? Math.max(60_000, base.to - base.from) : 0;
      expected = base ? (base.errors * span) / baseSpan : 0;
      usual = base
        ? `${base.errors} in the ${Math.round(baseSpan / 60_000)} min before`
        : 'none in its history before';
    } else {
      const before = errors.filter(
        (l) => (l.source ?? '') === source && l.at < since && l.at >= since - 3 * span,
      ).length;
      expected = before / 3;
      usual = `${before} in the ${Math.round((3 * span) / 60_000)} min before`;
    }
    const from = source ? ` from ${source}` : '';
    const c = {
      count: lines.length,
      expected,
      text: `${lines.length} error lines${from} in the incident's ${Math.round(span / 60_000)} min (${usual})`,
      example: lines[0]?.line ?? '',
    };
    const ratio = (x: typeof c) => x.count / Math.max(1, x.expected);
    if (c.count >= 10 && (!best || ratio(c) > ratio(best))) best = c;
  }
  return best;
}
