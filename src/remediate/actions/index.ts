import { Registry } from '../../core/index.js';
import type { RemediationAction } from './action.js';
import { blockAction } from './block.js';
import { ciCommentAction } from './ci-comment.js';
import { ciFlakyIssueAction } from './ci-flaky-issue.js';
import { ciRerunAction } from './ci-rerun.js';
import { configRollbackAction } from './config-rollback.js';
import { deployRollbackAction } from './deploy-rollback.js';
import { dockerAction } from './docker.js';
import { execAction } from './exec.js';
import { fileAction } from './file.js';
import { httpAction } from './http.js';
import { kubernetesAction } from './kubernetes.js';
import { notifyAction } from './notify.js';
import { pm2Action } from './pm2.js';
import { postgresTerminateAction } from './postgres-terminate.js';
import { restartAction } from './restart.js';
import { scaleAction } from './scale.js';
import { systemdAction } from './systemd.js';
import { unblockAction } from './unblock.js';
import { updateDependencyAction } from './update-dependency.js';
import { waitAction } from './wait.js';

export type {
  ActionContext,
  ActionPlan,
  BackupSpec,
  NotifyMessage,
  PlanContext,
  RemediationAction,
  ServiceControl,
  StepBackup,
} from './action.js';
export { backupFiles } from './action.js';
export { restoreFiles } from './file.js';
export { type BanEntry, listBans, type NftTarget } from './nft.js';
export type { ExtendedStep } from './steps.js';

// The new kinds read keys StepConfig does not have yet (their schemas are in ./steps.ts): cast here, at the
// registry boundary, until the schema is merged into src/config/schema.ts.
const wide = (a: RemediationAction<never>) => a as unknown as RemediationAction;

export const actions = new Registry<RemediationAction>('action')
  .register(restartAction.kind, restartAction)
  .register(execAction.kind, execAction)
  .register(httpAction.kind, httpAction)
  .register(systemdAction.kind, wide(systemdAction))
  .register(dockerAction.kind, wide(dockerAction))
  .register(kubernetesAction.kind, wide(kubernetesAction))
  .register(pm2Action.kind, wide(pm2Action))
  .register(fileAction.kind, wide(fileAction))
  .register(configRollbackAction.kind, wide(configRollbackAction))
  .register(scaleAction.kind, wide(scaleAction))
  .register(waitAction.kind, wide(waitAction))
  .register(notifyAction.kind, wide(notifyAction))
  .register(blockAction.kind, wide(blockAction))
  .register(unblockAction.kind, wide(unblockAction))
  .register(ciRerunAction.kind, wide(ciRerunAction))
  .register(ciCommentAction.kind, wide(ciCommentAction))
  .register(ciFlakyIssueAction.kind, wide(ciFlakyIssueAction))
  .register(updateDependencyAction.kind, wide(updateDependencyAction))
  .register(postgresTerminateAction.kind, wide(postgresTerminateAction))
  .register(deployRollbackAction.kind, wide(deployRollbackAction));

/** Step keys in medic.yaml and the action kind each selects (the key is the kind, except config_rollback). */
export const STEP_KINDS = {
  restart: 'restart',
  exec: 'exec',
  http: 'http',
  systemd: 'systemd',
  docker: 'docker',
  kubernetes: 'kubernetes',
  pm2: 'pm2',
  file: 'file',
  config_rollback: 'config-rollback',
  scale: 'scale',
  wait: 'wait',
  notify: 'notify',
  block: 'block',
  unblock: 'unblock',
  ci_rerun: 'ci-rerun',
  ci_comment: 'ci-comment',
  ci_flaky_issue: 'ci-flaky-issue',
  update_dependency: 'update-dependency',
  postgres_terminate: 'postgres-terminate',
  deploy_rollback: 'deploy-rollback',
} as const;

export type StepKey = keyof typeof STEP_KINDS;

/** The action kind a configured step uses. */
export function stepKind(step: { [K in StepKey]?: unknown }): string {
  for (const [key, kind] of Object.entries(STEP_KINDS)) {
    if (step[key as StepKey] !== undefined && step[key as StepKey] !== null) return kind;
  }
  throw new Error(`a step needs one of ${Object.keys(STEP_KINDS).join(', ')}`);
}
