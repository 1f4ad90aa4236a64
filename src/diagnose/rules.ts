import { CI_RULES } from './ci/rules.js';
import type { DependencyState, EvidenceBundle, PlaybookMap, RuleDiagnosis } from './evidence.js';
import type { Rule, RuleMatch } from './rule.js';
import { BAD_DEPLOY, CONFIG_CHANGED } from './rules-change.js';
import { DB_SATURATED } from './rules-db.js';
import {
  AUTH_FAIL,
  aboutOwnResources,
  CERT,
  CRASH,
  crashShadow,
  DAY,
  describeExit,
  ENOSPC,
  errorBurst,
  failedProbes,
  IPV4,
  killed,
  lines,
  MEMORY,
  OOM,
  ownFrom,
  pct,
  quote,
  RATE,
  REFUSED,
  rising,
  STOPPED,
  STORAGE,
  serverErrors,
  stateName,
  stillRunning,
  sustainedGrowth,
  TIMEOUT,
  unexpectedExits,
} from './signals.js';

export type { Rule, RuleMatch } from './rule.js';

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
      // Nor does a clean exit (code 0) that triggered this look: a program that loses its database fails with
      // an error; one that exits cleanly was asked to stop (a deploy restarting it, a person).
      if (b.trigger?.exit && exit && exit.code === 0 && !exit.signal && !stillRunning(b, exit)) return null;
      // Nor a check failing after such an exit while nothing runs: nothing answers until it is started again.
      if (exit && exit.code === 0 && !exit.signal && b.processAlive === false) return null;
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
      // A role that is the service's own name says nothing more ("api api").
      const what = dep.role && dep.role !== dep.service ? `${dep.role} ${dep.service}` : dep.service;
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
      // Probes that timed out while a dependency failed waited on it: only those after it was back are this
      // process's own (a slow answer behind a cache that hung is not a hang once the cache is healed).
      const own = timeouts.filter((p) => p.at >= ownFrom(b));
      // A process that still answers between its timeouts (late, or with an error) is slow, not hung: a hang
      // answers nothing once it has begun. No rule names slowness; a restart for a hang would be a guess.
      const answeredSince =
        own.length > 0 &&
        (b.probes ?? []).some(
          (p) => p.at > own[0]!.at && p.latencyMs > 0 && !TIMEOUT.test(p.message) && !REFUSED.test(p.message),
        );
      if (own.length >= 2 && !answeredSince) {
        const lastOwn = own.at(-1)!;
        const recent = (b.cpu ?? []).slice(-5);
        const avg = recent.length > 0 ? recent.reduce((s, c) => s + c.percent, 0) / recent.length : null;
        const evidence = [`${own.length} probes timed out, last: ${quote(lastOwn.message)}`];
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
      // The process's exit is the event to name (process_crashed, with these lines as its last words): the
      // errors logged before it, in an incident opened for other trouble, are not a burst that an exit shows.
      if (b.trigger?.exit && unexpectedExits(b).length > 0) return null;
      const burst = errorBurst(b);
      const shadow = crashShadow(b);
      // A new error pattern seen while a dependency failed is the dependency's trouble told from this side
      // ("db down: connect ECONNREFUSED"): only one from after its dependencies were back is its own.
      const from = ownFrom(b);
      const pattern = b.findings.find((f) => f.kind === 'pattern' && f.at < shadow && f.at >= from);
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
  CONFIG_CHANGED,
  {
    cause: 'cert_expiring',
    signature:
      'a TLS certificate expires within 14 days, a tls check finds it under its warn or critical fraction of its lifetime, or a probe failed on an expired certificate',
    match(b) {
      const soon = (b.certificates ?? []).filter((c) => c.notAfter - b.at <= 14 * DAY);
      const failed = failedProbes(b, CERT)[0];
      // The check's own limits say the certificate is due, whatever the days left (a 90-day one under 30 %).
      const due = failedProbes(b, /under (?:warn|critical)_fraction/)[0];
      if (soon.length === 0 && !failed && !due) return null;
      const evidence = soon.map((c) =>
        c.notAfter <= b.at
          ? `certificate ${c.subject} expired ${Math.floor((b.at - c.notAfter) / DAY)} days ago`
          : `certificate ${c.subject} expires in ${Math.ceil((c.notAfter - b.at) / DAY)} days`,
      );
      const probe = failed ?? due;
      if (probe) evidence.push(`probe: ${quote(probe.message)}`);
      const expired = failed || soon.some((c) => c.notAfter <= b.at);
      return { confidence: expired ? 0.97 : 0.9, evidence };
    },
  },
  {
    cause: 'brute_force',
    signature:
      'many failed logins in a short time, mostly from one source, or the abuse detector counted too many failures from one address',
    match(b) {
      // The abuse detector counted the failures per address already, with the service's own limit and
      // window (not 10 in 10 minutes): its finding is the evidence. 404 scanning is not brute force.
      const abuse = b.findings.filter(
        (f) =>
          f.kind === 'abuse' &&
          (f.evidence['labels'] as { reason?: string } | undefined)?.reason === 'failures',
      );
      if (abuse.length > 0) return { confidence: 0.95, evidence: abuse.map((f) => f.summary) };
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
  ...CI_RULES,
  DB_SATURATED,
  BAD_DEPLOY,
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
