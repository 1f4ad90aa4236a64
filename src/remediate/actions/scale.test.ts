import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scaleAction } from './scale.js';
import type { ExtendedStep } from './steps.js';
import { type FakeKube, fakeKube, fakeProgram, prependPath, tempDir, testContext } from './testing.js';

let kube: FakeKube;
let log: string;
let restorePath: () => void;

beforeAll(async () => {
  const dir = await tempDir();
  kube = await fakeKube(dir);
  log = await fakeProgram(dir, 'fake-scaler');
  restorePath = prependPath(dir);
});
afterAll(async () => {
  restorePath();
  await kube.close();
});
beforeEach(() => {
  kube.requests.length = 0;
  kube.workloads.set('default/deployments/api', { replicas: 3, annotations: {} });
});

const step = (scale: Record<string, unknown>) => ({ timeout: 30_000, scale }) as unknown as ExtendedStep;
const k8s = () => ({ name: 'api', kubeconfig: kube.kubeconfig });

describe('scale action', () => {
  it('scales a Deployment by +2 through the scale subresource and rolls back to what it read', async () => {
    const plan = scaleAction.plan(step({ by: 2, max: 6, kubernetes: k8s() }), 'api', {});
    expect(plan.description).toBe('scale deployment/api in default by +2 (bounds 0..6)');
    const ctx = testContext();
    const state = await scaleAction.snapshot!(plan, ctx);
    expect(await scaleAction.apply(plan, ctx)).toBe('scaled deployment/api in default from 3 to 5');
    expect(kube.workloads.get('default/deployments/api')?.replicas).toBe(5);
    await scaleAction.rollback!(plan, ctx, { files: [], state });
    expect(kube.workloads.get('default/deployments/api')?.replicas).toBe(3);
  });

  it('refuses to leave the bounds, at plan time for a count and at apply time for a change', async () => {
    expect(() => scaleAction.plan(step({ replicas: 9, max: 6, kubernetes: k8s() }), 'api', {})).toThrow(
      /refused: 9 replicas is outside the bounds 0..6/,
    );
    const plan = scaleAction.plan(step({ by: -3, min: 1, max: 6, kubernetes: k8s() }), 'api', {});
    await expect(scaleAction.apply(plan, testContext())).rejects.toThrow(/refused: 0 replicas/);
    expect(kube.workloads.get('default/deployments/api')?.replicas).toBe(3);
    expect(kube.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('runs an argv command with {{replicas}} as one argument', async () => {
    const plan = scaleAction.plan(
      step({ replicas: 4, max: 8, command: ['fake-scaler', '--service={{service.name}}', '{{replicas}}'] }),
      'api',
      {},
    );
    expect(await scaleAction.apply(plan, testContext())).toContain('scaled api to 4');
    expect(JSON.parse((await readFile(log, 'utf8')).trim())).toEqual(['--service=api', '4']);
    await expect(scaleAction.rollback!(plan, testContext(), { files: [] })).rejects.toThrow(
      /cannot be undone/,
    );
    expect(() => scaleAction.plan(step({ by: 1, max: 8, command: ['x'] }), 'api', {})).toThrow(
      /needs replicas/,
    );
  });
});
