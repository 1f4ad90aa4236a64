/** Picks the client of a provider. */
import type { CiClient, ClientOptions } from './client.js';
import { githubClient } from './github-client.js';
import { gitlabClient } from './gitlab-client.js';
import { jenkinsClient } from './jenkins-client.js';
import type { CiProvider } from './types.js';

export function ciClient(provider: CiProvider, o: ClientOptions): CiClient {
  switch (provider) {
    case 'github':
      return githubClient(o);
    case 'gitlab':
      return gitlabClient(o);
    case 'jenkins':
      return jenkinsClient(o);
  }
}
