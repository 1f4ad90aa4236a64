import type { Cause, DependencyState, EvidenceBundle, PlaybookMap, RuleDiagnosis } from './evidence.js';

/** What a rule found: how sure it is and why, in words a person reads in the incident timeline. */
export interface RuleMatch {
  confidence: number;
  evidence: string[];
  target?: string;
}

export interface Rule {
  cause: Cause;
  /** The signature, for `medic diagnose --explain` and the docs. */
  signature: string;
  match(b: EvidenceBundle): RuleMatch | null;
}

const REFUSED = /ECONNREFUSED|connection refused|could not connect|can't connect|connect failed/i;
const TIMEOUT = /timed? ?out|timeout|ETIMEDOUT|deadline exceeded/i;
const RATE = /\b429\b|too many requests|rate.?limit/i;
const OOM = /out of memory|heap out of memory|oom.?kill|cannot allocate memory|ENOMEM/i;
const ENOSPC = /ENOSPC|no space left on device|disk full/i;
const ERROR = /\b(error|exception|fatal|panic|traceback)\b|\b5\d\d\b/i;
const CRASH =
  /panic|uncaught|unhandled|segmentation fault|SIGSEGV|fatal error|traceback|^\s*\w*(?:Error|Exception):/i;
const AUTH_FAIL =
  /failed password|authentication fail|invalid user|login failed|invalid credentials|\b401\b/i;
const CERT = /certificate has expired|CERT_HAS_EXPIRED|certificate (?:is )?not yet valid|ERR_TLS_CERT/i;
const STORAGE = /disk|_dir\b|data.?dir|volume|filesystem|spool|storage/i;
const MEMORY = /rss|mem|heap/i;
const STOPPED = /^[Tt]$/;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/;
const DAY = 86_400_000;

const lines = (b: EvidenceBundle, category: string | null, re: RegExp) =>
  (b.logs ?? []).filter((l) => (category !== null && l.category === category) || re.test(l.line));
/** Where the incident's own window starts (`logsSince`), else the last 5 minutes. */
const windowFrom = (b: EvidenceBundle) => b.logsSince ?? b.at - WINDOW_MS;
/** Failed probes of the incident's window: those of an earlier trouble, healed since, say nothing of this one. */
const failedProbes = (b: EvidenceBundle, re: RegExp) =>
  (b.probes ?? []).filter((p) => !p.ok && p.at >= windowFrom(b) && re.test(p.message));
const unexpectedExits = (b: EvidenceBundle) => (b.exits ?? []).filter((e) => !e.expected);
const quote = (line: string) => `"${line.length > 160 ? `${line.slice(0, 160)}…` : line}"`;
const pct = (x: number) => `${Math.round(x)}%`;

/** A series that grew by at least `minGrowth` and rose in most steps: a leak, not a spike. */
function rising(values: readonly number[], minGrowth = 1.2): { from: number; to: number } | null {
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
const STARTUP_MS = 2_000;
const LEAK_MIN_STEPS = 4;
const LEAK_MIN_SPAN_MS = 3_000;
const LEAK_MAX_STEP_SHARE = 0.5;
/** The share of steps that must go up (RSS jitters by a percent or two from sample to sample). */
const LEAK_UP_SHARE = 0.7;

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
function stillRunning(b: EvidenceBundle, exit: { pid?: number | null }): boolean {
  if (!b.processAlive) return false;
  const now = b.processState?.pid;
  return exit.pid == null || now == null || now === exit.pid;
}

function killed(e: { code: number | null; signal: string | null }): boolean {
  return e.code === 137 || e.signal === 'SIGKILL';
}

function describeExit(e: { code: number | null; signal: string | null }): string {
  return e.signal ? `killed by ${e.signal}` : `exited with code ${e.code}`;
}

const STATE_NAMES: Readonly<Record<string, string>> = {
  T: 'stopped (state T)',
  t: 'stopped by a tracer (state t)',
  D: 'in uninterruptible sleep (state D)',
  Z: 'a zombie (state Z)',
};
const stateName = (s: string) => STATE_NAMES[s] ?? `in state ${s}`;

/**
 * Whether the finding being diagnosed is about the service's own resources: a forecast of one of its own
 * series, or a check of its storage or memory. A dependency's failure explains the requests it fails, not
 * its disk filling or its memory climbing: rules that blame a dependency leave such a finding to the rules
 * about it, even while a dependency is failing too.
 */
function aboutOwnResources(b: EvidenceBundle): boolean {
  const t = b.trigger;
  return Boolean(t && (t.kind === 'forecast' || STORAGE.test(t.check) || MEMORY.test(t.check)));
}

/** A line the classifier put in an error category, or that reads like an error. */
export function isErrorLine(l: { line: string; category?: string | null }): boolean {
  return Boolean(l.category) || ERROR.test(l.line);
}

const WINDOW_MS = 5 * 60_000;
/**
 * How long before its exit a dying process's lines are its last words (a stack trace, a panic, "shutting
 * down"): a process writes them in its last second or two; 5 s leaves room for lines read from the pipe late.
 */
const LAST_WORDS_MS = 5_000;

/**
 * From when the window's lines are the aftermath of a crash: its last words, then what its restarts print
 * (a failing start-up, a database recovering, clients refused meanwhile). They are explained by the crash,
 * which process_crashed names, not a burst of their own. No unexpected exit: no shadow.
 */
function crashShadow(b: EvidenceBundle): number {
  const since = b.logsSince ?? b.at - WINDOW_MS;
  const exit = unexpectedExits(b).find((e) => e.at >= since);
  return exit ? exit.at - LAST_WORDS_MS : Number.POSITIVE_INFINITY;
}

/** An HTTP probe answered with a server error (the probe's message starts with the status). */
const SERVER_ERROR = /^5\d\d\b/;
/**
 * A check of the service's configuration (named so): its 5xx reports the configuration broken, which is what
 * that check exists to say, not requests failing in a burst. No rule names a broken configuration.
 */
const CONFIG_CHECK = /config|settings/i;

/**
 * The service's own checks answered with server errors (5xx) in the incident's window, where the same checks
 * answered without one before it: the service runs and its requests fail, seen from outside when it logs
 * nothing about them. Not while a dependency fails, and only answers from after a dependency that failed in
 * the window was back (a 502/503 meanwhile is the dependency's); not after a crash.
 */
function serverErrors(b: EvidenceBundle): { count: number; example: string } | null {
  const since = b.logsSince ?? b.at - WINDOW_MS;
  const deps = b.dependencies ?? [];
  if (b.processAlive === false || deps.some((d) => !d.healthy)) return null;
  // Answers from after its dependencies were last seen failing are its own; those before are theirs.
  const from = Math.max(since, ...deps.map((d) => (d.lastFailedAt ?? since - 1) + 1));
  const shadow = crashShadow(b);
  const probes = (b.probes ?? []).filter((p) => !CONFIG_CHECK.test(p.check));
  const fivexx = (p: { ok: boolean; message: string }) => !p.ok && SERVER_ERROR.test(p.message);
  const recent = probes.filter((p) => p.at >= from && p.at < shadow && fivexx(p));
  const usual = probes.filter((p) => p.at < since && fivexx(p));
  if (recent.length < 2 || usual.length > 0) return null;
  return { count: recent.length, example: `${recent.at(-1)!.check}: ${recent.at(-1)!.message}` };
}

/**
 * The log source with the most error lines in the incident's window (from `logsSince`, else the last 5
 * minutes), and how many its usual rate would give in as long: from `logBaseline` (the store's history of
 * that source before the window), else from the bundle's own lines of the 3 windows before.
 */
function errorBurst(
  b: EvidenceBundle,
): { count: number; expected: number; text: string; example: string } | null {
  const since = b.logsSince ?? b.at - WINDOW_MS;
  const span = Math.max(60_000, b.at - since);
  const shadow = crashShadow(b);
  const errors = (b.logs ?? []).filter((l) => isErrorLine(l) && l.at < shadow);
  const inWindow = errors.filter((l) => l.at >= since && l.at <= b.at);
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

export const RULES: readonly Rule[] = [
  {
    cause: 'memory_leak',
    signature:
      'exit code 137 / SIGKILL (or an out-of-memory log) after resident memory climbed steadily past start-up; or a sustained climb (and a forecast of memory running out)',
    match(b) {
      const exit = unexpectedExits(b).at(-1);
      const before = (b.rss ?? []).filter((s) => !exit || s.at <= exit.at);
      const grew = sustainedGrowth(before, b.rssRunStartedAt);
      const oom = lines(b, 'out_of_memory', OOM);
      // A forecast of one of its memory series reaching its limit (judged by the metric's name, the check).
      const forecast = b.findings.find((f) => f.kind === 'forecast' && MEMORY.test(f.check));
      const evidence: string[] = [];
      if (grew)
        evidence.push(
          `resident memory rose from ${grew.from} MB to ${grew.to} MB over ${grew.steps + 1} samples (${Math.round(grew.spanMs / 1000)} s)`,
        );
      if (exit && killed(exit))
        evidence.push(`the process ${describeExit(exit)}, as the OOM killer leaves it`);
      if (oom[0]) evidence.push(`log: ${quote(oom[0].line)}`);
      if (forecast) evidence.push(`forecast: ${forecast.summary}`);
      const isKilled = Boolean(exit && killed(exit));
      let confidence = 0;
      if (grew && isKilled) confidence = oom.length > 0 ? 0.95 : 0.9;
      else if (oom.length > 0) confidence = grew ? 0.85 : 0.7;
      // An exit that is no kill and names no lack of memory is not the climb's doing.
      else if (b.trigger?.exit) confidence = 0;
      // Still running: the climb is all there is, so it must be steep, or its trend predicted to run out.
      else if (grew && forecast) confidence = 0.8;
      else if (grew && grew.to >= grew.from * 1.5) confidence = 0.55;
      else if (forecast && before.length === 0 && !exit) confidence = 0.6;
      return confidence > 0 ? { confidence, evidence } : null;
    },
  },
  {
    cause: 'db_unreachable',
    signature: 'connection refused to a dependency while that dependency’s own probe fails',
    match(b) {
      const down = (b.dependencies ?? []).filter((d) => !d.healthy);
      if (down.length === 0 || aboutOwnResources(b)) return null;
      // Killed by a signal: from outside (a person, the OOM killer), which a dependency failing does not do.
      // What it reported of the dependency before it died explains its requests failing, not its death.
      const exit = unexpectedExits(b).at(-1);
      if (exit && (exit.signal || killed(exit)) && !stillRunning(b, exit)) return null;
      // Its own process stopped (state T) runs nothing, whatever its dependencies do: `hung` names that, and a
      // failing dependency is that dependency's own incident.
      const own = b.processState?.state;
      if (b.processAlive && own && STOPPED.test(own)) return null;
      const refused = [
        ...lines(b, 'connection_refused', REFUSED).map((l) => l.line),
        ...failedProbes(b, REFUSED).map((p) => p.message),
      ];
      const named = (d: DependencyState) =>
        refused.find((t) => [d.service, ...(d.addresses ?? [])].some((a) => t.includes(a)));
      const dep =
        down.find((d) => named(d) && d.role === 'database') ?? down.find((d) => named(d)) ?? down[0]!;
      const line = named(dep) ?? refused[0];
      const what = dep.role ? `${dep.role} ${dep.service}` : dep.service;
      const evidence = [
        `${what}, a dependency of ${b.service}, fails its own checks${dep.message ? `: ${dep.message}` : ''}`,
      ];
      if (line) evidence.push(`${b.service} reports: ${quote(line)}`);
      const confidence = named(dep) ? 0.92 : refused.length > 0 ? 0.8 : 0.5;
      return { confidence, evidence, target: dep.service };
    },
  },
  {
    cause: 'hung',
    signature:
      'the process is stopped (T), or probes time out while it stays alive (and burns CPU or sits in D); or an upstream it depends on is stopped',
    match(b) {
      if (b.processAlive === false) return null;
      const timeouts = failedProbes(b, TIMEOUT);
      const state = b.processState?.state;
      const lastTimeout = timeouts.at(-1);
      if (state && STOPPED.test(state)) {
        const evidence = [
          `the process (pid ${b.processState?.pid}) is ${stateName(state)}: alive, running nothing`,
        ];
        if (lastTimeout)
          evidence.push(`${timeouts.length} probes timed out, last: ${quote(lastTimeout.message)}`);
        return { confidence: timeouts.length > 0 ? 0.93 : 0.9, evidence };
      }
      // An upstream with no checks of its own fails only through its dependents: its stopped process is the
      // cause, and the one to act on, even when this service's own probes time out waiting for it.
      const upstream = aboutOwnResources(b)
        ? undefined
        : (b.dependencies ?? []).find((d) => d.processState && STOPPED.test(d.processState.state));
      if (upstream?.processState) {
        return {
          confidence: 0.9,
          evidence: [
            `${upstream.service}, which ${b.service} depends on, is ${stateName(upstream.processState.state)} (pid ${upstream.processState.pid})`,
          ],
          target: upstream.service,
        };
      }
      if (timeouts.length >= 2 && lastTimeout) {
        const recent = (b.cpu ?? []).slice(-5);
        const avg = recent.length > 0 ? recent.reduce((s, c) => s + c.percent, 0) / recent.length : null;
        const evidence = [`${timeouts.length} probes timed out, last: ${quote(lastTimeout.message)}`];
        if (b.processAlive) evidence.push('the process is still alive');
        if (avg !== null) evidence.push(`CPU averaged ${pct(avg)} over the last ${recent.length} samples`);
        if (state === 'D') evidence.push('the process waits in uninterruptible sleep (D): stuck on I/O');
        let confidence = 0.45;
        if (b.processAlive && avg !== null && avg >= 80) confidence = 0.88;
        else if (b.processAlive && state === 'D') confidence = 0.8;
        else if (b.processAlive) confidence = 0.65;
        return { confidence, evidence };
      }
      return null;
    },
  },
  {
    cause: 'rate_limited',
    signature: 'HTTP 429 / "too many requests" in the logs or probe answers',
    match(b) {
      const hits = [
        ...lines(b, 'rate_limit', RATE).map((l) => l.line),
        ...failedProbes(b, RATE).map((p) => p.message),
      ];
      if (hits.length < 3) return null;
      return {
        confidence: Math.min(0.9, 0.6 + 0.03 * hits.length),
        evidence: [`${hits.length} rate-limit answers (429), e.g. ${quote(hits[0]!)}`],
      };
    },
  },
  {
    cause: 'process_crashed',
    signature:
      'the process exited unexpectedly (non-zero code or a signal) and is not running, or runs again only as a new process started since',
    match(b) {
      const exit = unexpectedExits(b).at(-1);
      if (!exit || (exit.code === 0 && !exit.signal) || stillRunning(b, exit)) return null;
      // Its last lines may be read from the pipe a moment after the exit itself was seen (the supervisor waits
      // for them); the next run's lines (a restart's start-up) are not its last words.
      const before = (b.logs ?? []).filter(
        (l) => l.at <= exit.at + 1000 && (l.pid == null || exit.pid == null || l.pid === exit.pid),
      );
      const crash = lines({ ...b, logs: before }, 'exception', CRASH).at(-1);
      // Without a line that reads like a crash, the last thing it wrote to stderr is still what an operator
      // reads first (as `systemctl status` shows it).
      const last = crash ?? before.filter((l) => l.source === 'stderr').at(-1);
      const evidence = [`${b.service} ${describeExit(exit)}`];
      if (last) evidence.push(`last words: ${quote(last.line)}`);
      if (b.processAlive && b.processState)
        evidence.push(`it runs again as a new process (pid ${b.processState.pid}) started since`);
      const confidence = killed(exit) ? 0.6 : crash ? 0.88 : 0.8;
      return { confidence, evidence };
    },
  },
  {
    cause: 'disk_filling',
    signature: 'ENOSPC in the logs, a disk above 95%, or disk use rising towards full',
    match(b) {
      const full = lines(b, 'disk_full', ENOSPC);
      const samples = b.disk ?? [];
      const last = samples.at(-1);
      const grew = rising(
        samples.map((s) => s.usedPercent),
        1.02,
      );
      // A forecast of a disk, a volume or a data directory (`forecast:data_dir`) filling up: judged by the
      // check (the metric's name), not the summary, which also names the service.
      const forecast = b.findings.find(
        (f) => f.kind === 'forecast' && (STORAGE.test(f.check) || /disk/i.test(JSON.stringify(f.evidence))),
      );
      const evidence: string[] = [];
      if (full[0]) evidence.push(`log: ${quote(full[0].line)}`);
      if (last) evidence.push(`${last.path} is ${pct(last.usedPercent)} full`);
      if (grew && last) evidence.push(`up from ${pct(grew.from)} over ${samples.length} samples`);
      if (forecast) evidence.push(`forecast: ${forecast.summary}`);
      let confidence = 0;
      if (full.length > 0) confidence = 0.95;
      else if (last && last.usedPercent >= 95) confidence = 0.9;
      // A disk still filling (not full, no ENOSPC) does not make a process exit: that exit is another trouble.
      else if (b.trigger?.exit) confidence = 0;
      else if (forecast || (grew && last && last.usedPercent >= 80)) confidence = 0.8;
      return confidence > 0 ? { confidence, evidence } : null;
    },
  },
  {
    cause: 'error_burst',
    signature:
      'errors in the incident’s own window at several times their source’s usual rate, a spiking log pattern, or its checks newly answered with server errors (5xx)',
    match(b) {
      const burst = errorBurst(b);
      const shadow = crashShadow(b);
      const pattern = b.findings.find((f) => f.kind === 'pattern' && f.at < shadow);
      const answered = serverErrors(b);
      const evidence: string[] = [];
      if (burst) {
        evidence.push(burst.text);
        evidence.push(`e.g. ${quote(burst.example)}`);
      }
      if (pattern) evidence.push(`log pattern: ${pattern.summary}`);
      if (answered)
        evidence.push(
          `${answered.count} of its checks' requests answered with a server error, none before: ${quote(answered.example)}`,
        );
      let confidence = 0;
      if (burst) confidence = burst.count >= 3 * Math.max(1, burst.expected) ? 0.75 : 0.55;
      if (pattern) confidence = Math.max(confidence, 0.65);
      // Requests failing is a burst of errors seen from outside; how many were logged is not known.
      if (answered) confidence = Math.max(confidence, 0.6);
      return confidence > 0 ? { confidence, evidence } : null;
    },
  },
  {
    cause: 'cert_expiring',
    signature: 'a TLS certificate expires within 14 days, or a probe failed on an expired certificate',
    match(b) {
      const soon = (b.certificates ?? []).filter((c) => c.notAfter - b.at <= 14 * DAY);
      const failed = failedProbes(b, CERT)[0];
      if (soon.length === 0 && !failed) return null;
      const evidence = soon.map((c) =>
        c.notAfter <= b.at
          ? `certificate ${c.subject} expired ${Math.floor((b.at - c.notAfter) / DAY)} days ago`
          : `certificate ${c.subject} expires in ${Math.ceil((c.notAfter - b.at) / DAY)} days`,
      );
      if (failed) evidence.push(`probe: ${quote(failed.message)}`);
      const expired = failed || soon.some((c) => c.notAfter <= b.at);
      return { confidence: expired ? 0.97 : 0.9, evidence };
    },
  },
  {
    cause: 'brute_force',
    signature: 'many failed logins in a short time, mostly from one source',
    match(b) {
      const fails = lines(b, 'auth_failure', AUTH_FAIL).filter((l) => b.at - l.at <= 10 * 60_000);
      if (fails.length < 10) return null;
      const bySource = new Map<string, number>();
      for (const l of fails) {
        const ip = IPV4.exec(l.line)?.[0];
        if (ip) bySource.set(ip, (bySource.get(ip) ?? 0) + 1);
      }
      const [top, n] = [...bySource].sort((x, y) => y[1] - x[1])[0] ?? ['', 0];
      const evidence = [`${fails.length} failed logins in 10 min`];
      if (top && n / fails.length >= 0.6) {
        evidence.push(`${n} of them from ${top}`);
        return { confidence: 0.9, evidence };
      }
      return { confidence: 0.7, evidence };
    },
  },
  {
    cause: 'ci_flaky_test',
    signature: 'a test that both passed and failed on the same commit, or fails intermittently',
    match(b) {
      const byTest = new Map<string, { commit: string; passed: boolean }[]>();
      for (const r of b.ciRuns ?? []) byTest.set(r.test, [...(byTest.get(r.test) ?? []), r]);
      let best: RuleMatch | null = null;
      for (const [test, runs] of byTest) {
        const sameCommit = runs.find((r) => runs.some((o) => o.commit === r.commit && o.passed !== r.passed));
        const fails = runs.filter((r) => !r.passed).length;
        let m: RuleMatch | null = null;
        if (sameCommit) {
          m = {
            confidence: 0.9,
            evidence: [`${test} both passed and failed on commit ${sameCommit.commit}`],
          };
        } else if (runs.length >= 5 && fails / runs.length > 0.1 && fails / runs.length < 0.9) {
          m = { confidence: 0.7, evidence: [`${test} failed ${fails} of its last ${runs.length} runs`] };
        }
        if (m && (!best || m.confidence > best.confidence)) best = m;
      }
      return best;
    },
  },
];

/**
 * Every cause whose signature the evidence shows, most likely first, each with its candidate playbooks. An
 * empty list means "no known signature": the caller reports `unknown` and acts only on playbooks matched by
 * finding kind, as before diagnosis existed.
 */
export function diagnoseByRules(
  b: EvidenceBundle,
  playbooks: PlaybookMap = {},
  rules: readonly Rule[] = RULES,
): RuleDiagnosis[] {
  const out: RuleDiagnosis[] = [];
  for (const rule of rules) {
    const m = rule.match(b);
    if (!m) continue;
    const d: RuleDiagnosis = {
      cause: rule.cause,
      confidence: Math.round(Math.min(1, Math.max(0, m.confidence)) * 100) / 100,
      evidence: m.evidence,
      playbooks: [...(playbooks[rule.cause] ?? [])],
    };
    if (m.target) d.target = m.target;
    out.push(d);
  }
  return out.sort((a, b) => b.confidence - a.confidence);
}
