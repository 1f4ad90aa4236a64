/** One entry for the three receivers: verifies the sender and reads the events (see each provider's file). */
import type { CiConfig } from '../../config/index.js';
import { receiveGithub, type WebhookRequest } from './github.js';
import { receiveGitlab } from './gitlab.js';
import { receiveJenkins } from './jenkins.js';
import type { CiProvider, Received } from './types.js';

/** The secret of a provider, read from its environment variable at the moment of use. */
export function secretOf(
  ci: CiConfig,
  provider: CiProvider,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const name = ci[provider]?.secret_env;
  const v = name ? env[name] : undefined;
  return v && v.length > 0 ? v : null;
}

export function receive(
  provider: CiProvider,
  req: WebhookRequest & { query: Record<string, unknown> },
  ci: CiConfig,
  env: NodeJS.ProcessEnv = process.env,
): Received {
  const secret = secretOf(ci, provider, env);
  switch (provider) {
    case 'github':
      return receiveGithub(req, secret);
    case 'gitlab':
      return receiveGitlab(req, secret);
    case 'jenkins':
      return receiveJenkins(req, secret);
  }
}
