import type { CiConfig } from '../config/index.js';
import { type CiClient, type CiEvent, ciClient } from '../sources/ci/index.js';

/**
 * The provider's API client with its credentials read from the environment now (they may be rotated while
 * Medic runs), or null without an API token.
 */
export function ciClientFromEnv(
  ci: CiConfig,
  provider: CiEvent['provider'],
  env: NodeJS.ProcessEnv,
): CiClient | null {
  const c = ci[provider];
  if (!c?.token_env) return null;
  const token = env[c.token_env];
  if (!token) return null;
  const baseUrl = 'api_url' in c ? c.api_url : c.url;
  const user = 'user_env' in c && c.user_env ? env[c.user_env] : undefined;
  return ciClient(provider, { baseUrl, token, user });
}
