import { Registry } from '../../core/index.js';
import type { RemediationAction } from './action.js';
import { execAction } from './exec.js';
import { httpAction } from './http.js';
import { restartAction } from './restart.js';

export type { ActionContext, ActionPlan, RemediationAction, ServiceControl } from './action.js';

export const actions = new Registry<RemediationAction>('action')
  .register(restartAction.kind, restartAction)
  .register(execAction.kind, execAction)
  .register(httpAction.kind, httpAction);

/** The action kind a configured step uses. */
export function stepKind(step: { restart?: unknown; exec?: unknown; http?: unknown }): string {
  if (step.restart) return 'restart';
  if (step.exec) return 'exec';
  return 'http';
}
