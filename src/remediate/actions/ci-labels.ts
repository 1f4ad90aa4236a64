/**
 * What the CI steps read of the finding that started them: its `ci_*` labels (set by the CI stage), and the
 * provider client they post through, with the API token read from its environment variable at apply time.
 */
import { ActionError } from '../../core/index.js';
import { type CiClient, type CiProvider, type CiTarget, ciClient } from '../../sources/ci/index.js';

export function ciLabels(vars: unknown): Record<string, string> {
  const finding = (vars as { finding?: { labels?: Record<string, string> } } | undefined)?.finding;
  return finding?.labels ?? {};
}

/** A label holding JSON, or `fallback` when it is absent or not JSON. */
export function jsonLabel<T>(l: Record<string, string>, key: string, fallback: T): T {
  const v = l[key];
  if (!v) return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

/** The plan parameters that name the run and the provider's API (names of environment variables, never values). */
export function ciTargetParams(l: Record<string, string>, what: string): Record<string, string> {
  const provider = l['ci_provider'];
  if (!provider || !l['ci_repository'] || !l['ci_run'])
    throw new ActionError(`${what}: the finding names no CI run (it is not a ci:<pipeline> finding)`);
  return {
    provider,
    api: l['ci_api'] ?? '',
    tokenEnv: l['ci_token_env'] ?? '',
    userEnv: l['ci_user_env'] ?? '',
    repository: l['ci_repository'],
    projectId: l['ci_project_id'] ?? '',
    run: l['ci_run'],
    branch: l['ci_branch'] ?? '',
  };
}

/** The client and target of a planned CI step; refuses without a token. */
export function ciClientOf(p: Record<string, unknown>, what: string): { client: CiClient; target: CiTarget } {
  const token = p['tokenEnv'] ? process.env[String(p['tokenEnv'])] : undefined;
  if (!token)
    throw new ActionError(`${what}: no API token (set ${p['tokenEnv'] || `ci.${p['provider']}.token_env`})`);
  const user = p['userEnv'] ? process.env[String(p['userEnv'])] : undefined;
  const target: CiTarget = {
    provider: p['provider'] as CiProvider,
    repository: String(p['repository']),
    ...(p['projectId'] !== '' && p['projectId'] !== undefined && { projectId: Number(p['projectId']) }),
    runId: String(p['run']),
    jobId: p['job'] ? String(p['job']) : null,
    branch: p['branch'] ? String(p['branch']) : null,
  };
  return { client: ciClient(target.provider, { baseUrl: String(p['api']), token, user }), target };
}
