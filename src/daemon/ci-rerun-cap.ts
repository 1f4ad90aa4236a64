import type { CiConfig } from '../config/index.js';
import type { CiHistory } from '../sources/ci/index.js';

const DAY = 86_400_000;

/** Why a re-run of the pipeline may not happen at `now` (`ci.reruns`: per commit, per day, backoff), or null. */
export async function rerunCapReason(
  caps: CiConfig['reruns'],
  history: Pick<CiHistory, 'reruns'>,
  name: string,
  commit: string | null,
  now: number,
): Promise<string | null> {
  const r = await history.reruns(name, now - DAY, commit);
  if (commit && r.ofCommit >= caps.per_commit)
    return `${r.ofCommit} re-runs of commit ${commit.slice(0, 12)} already (ci.reruns.per_commit ${caps.per_commit})`;
  if (r.total >= caps.per_day)
    return `${r.total} re-runs in 24 h already (ci.reruns.per_day ${caps.per_day})`;
  const wait = caps.backoff * 2 ** Math.max(0, r.total - 1);
  if (r.last !== null && now - r.last < wait)
    return `the last re-run was ${Math.round((now - r.last) / 1000)} s ago; the backoff is ${Math.round(wait / 1000)} s`;
  return null;
}
