/**
 * Kinds of evidence, for a failing step no tool's own signature (signatures.ts) names: families of words, with
 * word boundaries, that say what went wrong whatever the tool. A package manager that could not resolve or
 * find a version is a dependency failure; a missing variable, secret, credential, permission, command or file
 * of the pipeline is its configuration; a network, host, daemon or agent that failed is the machine's; a
 * compiler's diagnostic at a source location is the code's. The failing command (GitHub's step, the last
 * `$ …` of GitLab or `+ …` of a Jenkins shell) and the exit code weigh in. Confidences are fixed, not fitted,
 * and below the signatures': a machine failure known only from these words is reported, never re-run alone
 * (0.8 is under the guard's default 0.85); a re-run needs a signature or history.
 */
import type { CiClass } from './causes.js';

interface Cue {
  re: RegExp;
  /** 1: the line says it; 0.5: it points that way but other kinds say it too. */
  weight: number;
  /** Says it only of another machine: a refusal on this machine's loopback is the job's own set-up. */
  remote?: boolean;
}

/** A connection refused by this very machine: nothing listens there, which the job's set-up decides. */
const LOOPBACK = /\b(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0)(:\d+)?\b/i;

const INFRASTRUCTURE: readonly Cue[] = [
  {
    re: /\b(connect(ion)?)\b.{0,40}\b(refused|reset|timed? ?out|closed|aborted)\b/i,
    weight: 1,
    remote: true,
  },
  {
    re: /\b(no route to host|network is unreachable|host is unreachable|no such host|name or service not known|could ?n['o]?t resolve (host|proxy)|temporary failure in name resolution|server misbehaving)\b/i,
    weight: 1,
  },
  {
    re: /\blookup \S+ on \S+:53\b|\bdial (tcp|udp)\b.{0,80}\b(lookup|i\/o timeout)\b|\bi\/o timeout\b/i,
    weight: 1,
  },
  // errno names of a failed connection, whatever the language printed them
  { re: /\b(ETIMEDOUT|ECONNRESET|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ESOCKETTIMEDOUT)\b/, weight: 1 },
  {
    re: /\b(connect|read|operation|request|download|handshake|socket)\w* timed? ?out\b|\btimed out waiting for\b/i,
    weight: 1,
  },
  { re: /\b(cannot|can'?t|failed to|unable to|could ?n['o]?t) connect to\b/i, weight: 1, remote: true },
  {
    re: /\b(daemon|agent|runner|worker|executor|node|pod|container|channel|machine|instance)\b.{0,60}\b(disappeared|crashed|died|lost|disconnected|went offline|was terminated|evicted|unresponsive|went away)\b/i,
    weight: 1,
  },
  { re: /\b(received a shutdown signal|operation was cancell?ed)\b/i, weight: 1 },
  {
    re: /\b(exceeded|took longer than|ran longer than)\b.{0,40}\b(time ?out|time limit|execution time|deadline|(\d+[hms])+|\d+ ?(min|minutes|hours|seconds|sec))\b|\bdeadline exceeded\b/i,
    weight: 1,
  },
  { re: /\b(rate[- ]limit(ed)?|too ?many ?requests)\b/i, weight: 1 },
  {
    re: /\b(out of memory|cannot allocate memory|no space left|disk (is )?full|insufficient (memory|disk|storage))\b/i,
    weight: 1,
  },
  {
    re: /\b(service unavailable|bad gateway|gateway time-?out|internal server error)\b|\b(HTTP|status|code|returned)[: ]+5\d\d\b/i,
    weight: 1,
  },
  {
    re: /\bretrying\b|\bcould ?n['o]?t (execute|reach)\b|\bkilled\b|\bECONNREFUSED\b/i,
    weight: 0.5,
    remote: true,
  },
];

const DEPENDENCY: readonly Cue[] = [
  {
    re: /\b(no (matching|compatible|available|valid) (versions?|releases?|distributions?|candidates?)|no candidates|version solving|solv(er|ing) (failed|problem)|can'?t get a valid version|locked to (a )?version|version constraints?|dependency convergence|conflicting (dependencies|versions|requirements)|version conflict|unresolv(ed|able) dependenc\w*|invalid version|unknown revision|compatible set of packages|checksum mismatch)\b|\bunsatisfiable/i,
    weight: 1,
  },
  {
    re: /\b(could ?n['o]?t|unable to|failed to) (find|resolve|select|locate|download) (a |any |the )?(compatible |matching )?(versions?|packages?|dependenc\w*|modules?|artifacts?|gems?|crates?)\b/i,
    weight: 1,
  },
  // Maven coordinates (group:artifact:version) that could not be found
  { re: /\bcould ?n['o]?t (find|resolve) [\w.-]+:[\w.-]+:[\w.-]+/i, weight: 1 },
  {
    re: /\b(dependenc(y|ies)|packages?|versions?|modules?|requirements?)\b.{0,20}\bcould not be (resolved|found|satisfied)\b/i,
    weight: 1,
  },
  {
    re: /\b(does not|doesn't|do not) satisfy\b|\bnot found in (any )?(the )?(registr|repositor)\w*|\bmodule not found in\b/i,
    weight: 1,
  },
  {
    re: /\block ?file\b.{0,60}\b(not up to date|out of (date|sync)|needs to be updated|outdated|does not match)\b|\bfrozen[- ]lockfile\b/i,
    weight: 1,
  },
  {
    re: /\b\d+ (low|moderate|high|critical) severity vulnerabilit|\bvulnerable (versions?|dependenc)/i,
    weight: 1,
  },
  { re: /\b(dependenc(y|ies)|resolution|resolv(e|ing))\b.{0,60}\b(failed|failure|error)\b/i, weight: 0.5 },
  {
    re: /\b(registry|repository)\b.{0,80}\b(404|not found)\b|\b(404|not found)\b.{0,80}\b(registry|repository)\b/i,
    weight: 0.5,
  },
];

const CONFIG: readonly Cue[] = [
  {
    re: /\b(command not found|not recognized as an? (internal|external|cmdlet)|executable file not found|is not recognized as the name of)\b/i,
    weight: 1,
  },
  {
    re: /\b(not set|is not defined|undefined variable|no such property|(missing|required) (env(ironment)? )?(variables?|secrets?|inputs?|parameters?|property|properties|credentials?|tokens?))\b/i,
    weight: 1,
  },
  {
    re: /\b(inputs?|variables?|parameters?|secrets?|arguments?|propert(y|ies))\b.{0,20}\b(required|not supplied|not provided|missing|not set)\b/i,
    weight: 1,
  },
  {
    re: /\b(username|password|token|credentials?|secret|api[ _-]?key)s?\b.{0,40}\b(required|missing|empty|not (found|set|provided|defined|supplied))\b/i,
    weight: 1,
  },
  {
    re: /\b(could ?n['o]?t|unable to) (find|load) credentials?\b|\bcredentials? could not be loaded\b/i,
    weight: 1,
  },
  {
    re: /\b(permission denied|access denied|forbidden|unauthori[sz]ed|not authori[sz]ed|authentication (required|failed)|denied to|not accessible|insufficient (scopes?|permissions?|privileges?))\b/i,
    weight: 1,
  },
  // a prompt in a job nobody can answer: an input or credential the pipeline did not give
  { re: /\b(non[- ]?TTY|non[- ]interactive|not a (tty|terminal))\b/i, weight: 1 },
  {
    re: /\b(invalid|malformed|unknown|unrecognized) (yaml|configuration|config|option|flag|key|input|parameter|instruction|directive)s?\b|\bis not defined in any\b/i,
    weight: 1,
  },
  { re: /\b(unable to resolve|could ?n['o]?t resolve) (action|plugin|orb|template)\b/i, weight: 1 },
  {
    re: /\b(is|has been) disabled\b|\bno longer supported\b|\b(is )?not configured\b|\b(does not have|has no) .{0,40}\bconfigured\b/i,
    weight: 1,
  },
  // the pipeline's own definition file named in the error
  {
    re: /\bJenkinsfile\b|\bWorkflowScript\b|\.gitlab-ci\.ya?ml\b|\.github\/workflows\/|\bazure-pipelines\.ya?ml\b|\.circleci\/config\.ya?ml\b|\bbitbucket-pipelines\.ya?ml\b|\.buildkite\/|\.drone\.ya?ml\b/,
    weight: 1,
  },
  // The shell itself (not a program it ran) could not find or open what the script names.
  {
    re: /^\S*\b(ba|da|z)?sh: (line )?\d+: .*\b(no such file or directory|not found|permission denied)\b/i,
    weight: 1,
  },
  { re: /\b(no such file or directory|does not exist|not a directory)\b/i, weight: 0.5 },
];

/** A compiler's or checker's diagnostic at a source location (file:line[:col] or file(line,col)). */
const CODE: readonly Cue[] = [
  {
    re: /[\w./\\-]+\.[A-Za-z]\w{0,5}(:\d+(:\d+)?|\(\d+(,\d+)?\)|:\[\d+,\d+\])[:\s]+(fatal )?error\b/i,
    weight: 1,
  },
  {
    re: /\b(type mismatch|syntax error|compil(ation|er|e) (error|failed)|could not convert|undefined reference|unresolved reference|cannot find symbol|is not assignable|no member named|was not declared|one error found|\d+ errors? (found|generated))\b/i,
    weight: 1,
  },
];

/** Lines that tell what failed: error-ish words, or the very end of the step. */
const TELLING =
  /\b(error|fatal|fail(ed|ure)?|denied|refused|unable|cannot|can'?t|could ?n['o]?t|not found|no such|missing|required|invalid|unknown|forbidden|unauthori[sz]ed|timed? ?out|exception|problem|conflict|incompatible|disappeared|crashed|disabled|satisfy|unreachable|misbehaving|mismatch|configured|unexpected|expected)\b/i;

/** Package managers installing, restoring or resolving: a failure there is first suspected to be the packages'. */
const INSTALL =
  /\b(npm|pnpm|yarn|pip3?|poetry|uv|pipenv|conda|mamba|bundle|gem|composer|cargo|go|mvn|gradle|dotnet|nuget|helm|terraform|sbt|mix|swift|pub|dart|flutter|conan|vcpkg|apt(-get)?|apk|dnf|yum|brew)\b.*\b(install|ci|add|restore|update|upgrade|sync|resolve|get|fetch|download|dependency|dependencies|deps|init|lock)\b/i;

/** The command the failing step ran: the last shell trace line, else the step's own name. */
export function failingCommand(lines: readonly string[], step: string | null): string | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^(?:\$|\+) (.+)$/.exec((lines[i] ?? '').trim());
    if (m?.[1]) return m[1];
  }
  return step;
}

/** The exit code the job or step ended with, if the log says. */
export function exitCode(lines: readonly string[]): number | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /\b(?:exit(?:ed with)? code|exit status|returned exit code)[: ]+(\d+)\b/i.exec(lines[i] ?? '');
    if (m) return Number(m[1]);
  }
  return null;
}

export interface KindVerdict {
  cls: CiClass;
  confidence: number;
  evidence: string;
  line: string | null;
}

interface Score {
  cls: CiClass;
  score: number;
  line: string | null;
}

function score(cls: CiClass, cues: readonly Cue[], lines: readonly string[]): Score {
  let total = 0;
  let best: { w: number; line: string } | null = null;
  for (const cue of cues) {
    const line = lines.find((l) => cue.re.test(l) && !(cue.remote && LOOPBACK.test(l)));
    if (!line) continue;
    total += cue.weight;
    if (!best || cue.weight > best.w) best = { w: cue.weight, line };
  }
  return { cls, score: total, line: best?.line ?? null };
}

/** What each kind says, in the incident's words. */
const NAMES: Record<CiClass, string> = {
  infrastructure: 'the machine or network failed',
  dependency: 'packages could not be resolved or installed',
  config: 'the pipeline lacks a variable, secret, permission, command or file',
  code: "a compiler's or checker's error at a source location",
  flaky_test: 'a test flaked',
};

/**
 * What kind of failure the step's lines describe, when a signature did not say; null when they do not tell.
 * Ties go to the class that does not re-run.
 */
export function kindOfFailure(lines: readonly string[], step: string | null): KindVerdict | null {
  const trimmed = lines.map((l) => l.trim()).filter((l) => l.length > 0);
  const tail = trimmed.slice(-8);
  const telling = trimmed.filter((l, i) => TELLING.test(l) || i >= trimmed.length - 8);
  const command = failingCommand(trimmed, step);
  const code = exitCode(tail);
  const scores = [
    score('code', CODE, telling),
    score('config', CONFIG, telling),
    score('dependency', DEPENDENCY, telling),
    score('infrastructure', INFRASTRUCTURE, telling),
  ];
  const of = (c: CiClass) => scores.find((s) => s.cls === c) as Score;
  // A shell that could not find or run the command: the pipeline's environment, whatever the words say.
  if (code === 127 || code === 126) of('config').score += 1;
  // Killed by the kernel (128 + 9), most often for memory: the machine's limit, not the code.
  if (code === 137) of('infrastructure').score += 1;
  if (telling.some((l) => /\b(refused|connect)\b/i.test(l) && LOOPBACK.test(l))) of('config').score += 1;
  const dep = of('dependency');
  if (dep.score > 0 && command && INSTALL.test(command)) dep.score += 1;
  const top = [...scores].sort((a, b) => b.score - a.score)[0] as Score;
  if (top.score < 1) return null;
  const confidence =
    top.cls === 'infrastructure' ? 0.8 : top.cls === 'code' ? 0.75 : top.score >= 2 ? 0.85 : 0.8;
  const where = command ? ` (in \`${command.slice(0, 80)}\`)` : '';
  return {
    cls: top.cls,
    confidence,
    evidence: `${NAMES[top.cls]}${where}${top.line ? `: ${top.line.slice(0, 200)}` : ''}`,
    line: top.line,
  };
}
