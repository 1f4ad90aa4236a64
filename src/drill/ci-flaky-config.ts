/**
 * The configuration the CI drill runs Medic with: the user's policy and correlation settings (autonomy,
 * confidence threshold, rate limits: what decides whether a re-run happens without a human), and a CI section,
 * service and re-run playbook of its own pointed at the drill's local GitHub. The user's services are not
 * started: a pipeline needs none of them, and the drill must not touch them.
 */
import { type LoadedConfig, parseConfig } from '../config/index.js';

export const CI_DRILL_SERVICE = 'ci-drill';
export const CI_DRILL_PIPELINE = 'drill-ci';
export const CI_DRILL_REPOSITORY = 'medic-drill/shop';
export const CI_DRILL_SECRET_ENV = 'MEDIC_DRILL_CI_SECRET';
export const CI_DRILL_TOKEN_ENV = 'MEDIC_DRILL_CI_TOKEN';
/** ci.reruns.backoff of the drill: its cases follow each other within seconds, not minutes. */
export const CI_DRILL_BACKOFF_MS = 1_000;

export function ciDrillConfig(user: LoadedConfig, githubUrl: string, storeDir: string): LoadedConfig {
  const text = `services:
  ${CI_DRILL_SERVICE}:
    description: a service known to Medic through its pipeline only (the CI drill's)
ci:
  github: { api_url: ${JSON.stringify(githubUrl)}, secret_env: ${CI_DRILL_SECRET_ENV}, token_env: ${CI_DRILL_TOKEN_ENV} }
  pipelines:
    ${CI_DRILL_PIPELINE}: { provider: github, repository: ${CI_DRILL_REPOSITORY}, branches: [main], service: ${CI_DRILL_SERVICE} }
  reruns: { per_commit: 2, per_day: 10, backoff: ${CI_DRILL_BACKOFF_MS}ms }
playbooks:
  rerun-ci:
    when: { service: ${CI_DRILL_SERVICE}, cause: [ci_infrastructure, ci_flaky_test] }
    steps:
      - ci_rerun: {}
    verify: { within: 60s, stable_for: 200ms }
notifiers: []
store: { dir: ${JSON.stringify(storeDir)} }
`;
  const drill = parseConfig(text, `${user.file} (CI drill)`);
  return {
    file: user.file,
    baseDir: user.baseDir,
    config: { ...drill.config, policy: user.config.policy, correlation: user.config.correlation },
  };
}
