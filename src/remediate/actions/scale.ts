import { ActionError } from '../../core/index.js';
import { baseVars, renderArgv } from '../template.js';
import type { RemediationAction } from './action.js';
import { type KubeTarget, kubeTarget, readReplicas, writeReplicas } from './kubernetes.js';
import { type ExtendedStep, parseStep, scaleStep } from './steps.js';
import { runChecked } from './util.js';

function inBounds(n: number, min: number, max: number): number {
  if (n < min || n > max)
    throw new ActionError(`refused: ${n} replicas is outside the bounds ${min}..${max}`);
  return n;
}

/**
 * Scales a workload within declared bounds: a Kubernetes Deployment or StatefulSet through the scale
 * subresource (to a count, or by a change to the current one), or any system through an argv command in
 * which `{{replicas}}` is the new count.
 */
export const scaleAction: RemediationAction<ExtendedStep> = {
  kind: 'scale',
  plan(step, service, _services, pctx) {
    const s = parseStep(scaleStep, step.scale, 'scale');
    // A fixed count is checked now, so the guard and a human see the refusal before anything runs.
    if (s.replicas !== undefined) inBounds(s.replicas, s.min, s.max);
    const change = s.replicas !== undefined ? `to ${s.replicas}` : `by ${s.by! >= 0 ? '+' : ''}${s.by}`;
    if (s.kubernetes) {
      const t = kubeTarget(s.kubernetes, service, pctx);
      return {
        kind: 'scale',
        target: service,
        params: {
          how: 'kubernetes',
          target: { ...t },
          replicas: s.replicas ?? null,
          by: s.by ?? null,
          min: s.min,
          max: s.max,
        },
        description: `scale ${t.kind.toLowerCase()}/${t.name} in ${t.namespace} ${change} (bounds ${s.min}..${s.max})`,
      };
    }
    const command = renderArgv(s.command!, { ...baseVars(service, pctx?.vars), replicas: s.replicas! });
    return {
      kind: 'scale',
      target: service,
      params: { how: 'command', command, replicas: s.replicas!, min: s.min, max: s.max },
      description: `scale ${service} ${change} with ${JSON.stringify(command)}`,
    };
  },
  async snapshot(plan, ctx) {
    if (plan.params['how'] !== 'kubernetes') return {};
    return { replicas: await readReplicas(plan.params['target'] as KubeTarget, ctx.signal) };
  },
  async apply(plan, ctx) {
    const { min, max } = plan.params as { min: number; max: number };
    if (plan.params['how'] === 'command') {
      const command = plan.params['command'] as string[];
      await runChecked(command, ctx.signal, ctx.baseDir);
      return `scaled ${plan.target} to ${plan.params['replicas']} with ${JSON.stringify(command)}`;
    }
    const t = plan.params['target'] as KubeTarget;
    const by = plan.params['by'] as number | null;
    let n = plan.params['replicas'] as number | null;
    let from = '';
    if (by !== null) {
      const current = await readReplicas(t, ctx.signal);
      n = current + by;
      from = ` from ${current}`;
    }
    inBounds(n!, min, max);
    await writeReplicas(t, n!, ctx.signal);
    return `scaled ${t.kind.toLowerCase()}/${t.name} in ${t.namespace}${from} to ${n}`;
  },
  async rollback(plan, ctx, backup) {
    if (plan.params['how'] !== 'kubernetes')
      throw new ActionError('a command scale cannot be undone: the count before it is unknown');
    const before = backup.state?.['replicas'];
    if (typeof before !== 'number') throw new ActionError('the replica count before the scale is unknown');
    const t = plan.params['target'] as KubeTarget;
    await writeReplicas(t, before, ctx.signal);
    return `scaled ${t.kind.toLowerCase()}/${t.name} back to ${before}`;
  },
};
