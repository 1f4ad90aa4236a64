/** Reaching a workload's API server through @kubernetes/client-node: its target, config and errors. */
import type { KubeConfig } from '@kubernetes/client-node';
import { ActionError, errorMessage } from '../../core/index.js';
import { baseVars, renderString } from '../template.js';
import type { PlanContext } from './action.js';
import { abortable, resolvePath } from './util.js';

/** Where a workload lives and how to reach its API server. */
export interface KubeTarget {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  name: string;
  namespace: string;
  /** Absolute path of a kubeconfig; null: $KUBECONFIG, ~/.kube/config or in-cluster. */
  kubeconfig: string | null;
  context: string | null;
}

/** DNS-1123 names (pods, workloads, namespaces): safe in a URL path. */
const DNS_NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

export function kubeName(what: string, value: string): string {
  if (!DNS_NAME.test(value)) throw new ActionError(`invalid Kubernetes ${what} ${JSON.stringify(value)}`);
  return value;
}

export function kubeTarget(
  raw: { kind: KubeTarget['kind']; name: string; namespace: string; kubeconfig?: string; context?: string },
  service: string,
  pctx: PlanContext | undefined,
): KubeTarget {
  const vars = baseVars(service, pctx?.vars);
  return {
    kind: raw.kind,
    name: kubeName('name', renderString(raw.name, vars)),
    namespace: kubeName('namespace', renderString(raw.namespace, vars)),
    kubeconfig: raw.kubeconfig ? resolvePath(raw.kubeconfig, pctx) : null,
    context: raw.context ?? null,
  };
}

export type KubeClient = typeof import('@kubernetes/client-node');
let client: Promise<KubeClient> | undefined;

/** The client costs ~80 MB and every fork of the daemon pays for it: loaded on first use, not with Medic. */
export function loadClient(): Promise<KubeClient> {
  client ??= import('@kubernetes/client-node');
  return client;
}

export function kubeConfig(k: KubeClient, t: KubeTarget): KubeConfig {
  const kc = new k.KubeConfig();
  if (t.kubeconfig) kc.loadFromFile(t.kubeconfig);
  else kc.loadFromDefault();
  if (t.context) kc.setCurrentContext(t.context);
  return kc;
}

export async function kube<T>(
  k: KubeClient,
  what: string,
  signal: AbortSignal,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await abortable(call(), signal);
  } catch (err) {
    if (err instanceof k.ApiException) {
      throw new ActionError(`${what}: the API server answered ${err.code}${statusMessage(err.body)}`, {
        cause: err,
      });
    }
    if (err instanceof ActionError) throw err;
    throw new ActionError(`${what} failed: ${errorMessage(err)}`, { cause: err });
  }
}

/** The message of a v1 Status the API server answered (client-node hands it over as text or object). */
function statusMessage(body: unknown): string {
  let b: unknown = body;
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body);
    } catch {
      return body ? `: ${body.slice(0, 200)}` : '';
    }
  }
  const m = (b as { message?: unknown } | null)?.message;
  return typeof m === 'string' && m ? `: ${m}` : '';
}
