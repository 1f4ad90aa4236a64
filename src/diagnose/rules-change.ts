import type { EvidenceBundle } from './evidence.js';
import type { Rule } from './rule.js';
import { ago } from './rule.js';
import {
  CONFIG_CHECK,
  describeExit,
  failedProbes,
  killed,
  quote,
  STOPPED,
  unexpectedExits,
} from './signals.js';

/** A settings file changed this long before the trouble began may be its cause. */
const CONFIG_RECENT_MS = 15 * 60_000;
/** A release switched this long before the trouble began may be its cause. */
const RELEASE_RECENT_MS = 15 * 60_000;

/**
 * When the service's own trouble began: its first finding, but for those a dependency explains. With every
 * dependency healthy again, what the service reported up to a dependency's last failure was that
 * dependency's (its connection errors while the database was down); the service still failing after that
 * is trouble of its own, and a change made during the dependency's outage may be its cause.
 */
function ownTroubleBegan(b: EvidenceBundle): number {
  const deps = b.dependencies ?? [];
  const upstreamUntil = deps.every((d) => d.healthy)
    ? Math.max(Number.NEGATIVE_INFINITY, ...deps.map((d) => d.lastFailedAt ?? Number.NEGATIVE_INFINITY))
    : Number.NEGATIVE_INFINITY;
  return Math.min(b.at, ...b.findings.filter((f) => f.at > upstreamUntil).map((f) => f.at));
}

/** Trouble that began soon after a change made to the service: its settings, or its release. */
export const CONFIG_CHANGED: Rule = {
  cause: 'config_changed',
  signature:
    'a settings file of the service was changed from its known good version shortly before it began to fail',
  match(b) {
    const began = ownTroubleBegan(b);
    // Changed before the trouble began, and recently: an edit made during an outage did not cause it, and
    // one the service ran well with for long would have become its known good version.
    const changed = (b.configChanges ?? []).filter(
      (c) => c.changedAt <= began && began - c.changedAt <= CONFIG_RECENT_MS,
    );
    const change = changed.at(-1);
    if (!change) return null;
    // A settings file does not kill a process or stop it: those are their own causes.
    const exit = unexpectedExits(b).at(-1);
    if (b.trigger?.exit && exit && killed(exit)) return null;
    if (b.processState && STOPPED.test(b.processState.state)) return null;
    const evidence = [
      `${change.path} changed ${ago(began - change.changedAt)} before the first failure; it differs from its known good version (${new Date(change.knownGoodAt).toISOString()})`,
    ];
    const configCheck = failedProbes(b, /./).find((p) => CONFIG_CHECK.test(p.check));
    if (configCheck) evidence.push(`its ${configCheck.check} check fails: ${quote(configCheck.message)}`);
    // A check of the settings says so outright; a process that exits with an error since the change (a
    // start-up refusing the file) is the change's doing more likely than a crash of its own.
    const confidence = configCheck ? 0.9 : exit && exit.code !== 0 && !exit.signal ? 0.85 : 0.7;
    return { confidence, evidence };
  },
};

export const BAD_DEPLOY: Rule = {
  cause: 'bad_deploy',
  signature:
    'the service began to fail within 15 minutes of its release link (a `current` symlink on its command or working directory) being switched, running the new release, and the failing check has not passed since',
  match(b) {
    const began = Math.min(b.at, ...b.findings.map((f) => f.at));
    // A deploy of a new release over an earlier one: not the first release, nor a rollback to an older one.
    const change = (b.releases ?? [])
      .filter((r) => r.previous !== null && r.newest)
      .filter((r) => r.changedAt <= began && began - r.changedAt <= RELEASE_RECENT_MS)
      .at(-1);
    if (!change) return null;
    const exit = unexpectedExits(b).at(-1);
    // A kill comes from outside, and a clean stop is how a deploy restarts a service: neither is the new
    // release failing. A stopped process is `hung`.
    if (b.trigger?.exit && (!exit || exit.signal || killed(exit) || exit.code === 0)) return null;
    if (b.processState && STOPPED.test(b.processState.state)) return null;
    const started = change.runStartedAt;
    // No process runs now (stopped, or being restarted): a check failing meanwhile says nothing of the
    // release, only that nothing answers.
    if (!b.trigger?.exit && started === null) return null;
    const runsIt = started !== null && started >= change.changedAt;
    // The release went live when a process started on it: what answered between the switch and that start
    // was the release before (a deploy switches the link, then restarts the service).
    const live = runsIt ? started : change.changedAt;
    // Judged by the checks' results since then: one that passed on the new release says the release works
    // (what broke later is not the deploy); none at all (a forecast) says nothing. A check failing since that
    // has not passed once on the new release: the trigger's own, or another of the service's (the settings
    // check answers on the new release and fails only while a restart runs, while its health has failed
    // since it went live).
    const failingSince = (name: string | undefined) => {
      const since = (b.probes ?? []).filter((p) => p.check === name && p.at > live);
      return since.length > 0 && !since.some((p) => p.ok);
    };
    // A trigger with no results of its own since then (a forecast) says nothing of the release.
    const own = (b.probes ?? []).some((p) => p.check === b.trigger?.check && p.at > live);
    const others = [...new Set((b.probes ?? []).map((p) => p.check))].filter((c) => c !== b.trigger?.check);
    const check = !own
      ? undefined
      : failingSince(b.trigger?.check)
        ? b.trigger?.check
        : others.find(failingSince);
    if (!b.trigger?.exit && !check) return null;
    const evidence = [
      `${change.path} was switched from release ${change.previous} to ${change.target} ${ago(began - change.changedAt)} before the first failure`,
    ];
    if (b.trigger?.exit && exit) evidence.push(`since then ${b.service} ${describeExit(exit)}`);
    else if (check) evidence.push(`its ${check} check has not passed since the new release went live`);
    if (runsIt) evidence.push(`the process running now started after the switch: it runs that release`);
    // An error exit since the switch is the new release's doing (a start-up it fails, a crash it brings).
    // Not restarted since the switch: it may still run the release before (code is read at start).
    const confidence = b.trigger?.exit || runsIt ? 0.9 : 0.6;
    return { confidence, evidence };
  },
};
