import { describe, expect, it } from 'vitest';
import type { NotifyMessage } from './action.js';
import { notifyAction } from './notify.js';
import type { ExtendedStep } from './steps.js';
import { testContext } from './testing.js';

const step = (notify: Record<string, unknown>) => ({ timeout: 30_000, notify }) as unknown as ExtendedStep;

describe('notify action', () => {
  it('sends the rendered message through ctx.notify', async () => {
    const sent: NotifyMessage[] = [];
    const vars = { service: { name: 'api' }, finding: { kind: 'down', labels: { pod: 'api-1' } } };
    const plan = notifyAction.plan(
      step({ message: '{{service.name}} is {{finding.kind}} on {{finding.labels.pod}}', route: 'oncall' }),
      'api',
      {},
      { baseDir: '.', vars },
    );
    const msg = await notifyAction.apply(plan, testContext({ notify: async (m) => void sent.push(m) }));
    expect(msg).toBe('notified oncall');
    expect(sent).toEqual([
      { service: 'api', message: 'api is down on api-1', severity: 'warning', route: 'oncall' },
    ]);
  });

  it('fails without a notifier, or when the notifier fails', async () => {
    const plan = notifyAction.plan(step({ message: 'hi', severity: 'critical' }), 'api', {});
    await expect(notifyAction.apply(plan, testContext())).rejects.toThrow(/no notifier/);
    const failing = testContext({
      notify: async () => {
        throw new Error('webhook answered 500');
      },
    });
    await expect(notifyAction.apply(plan, failing)).rejects.toThrow(
      /notification failed: webhook answered 500/,
    );
    expect(() => notifyAction.plan(step({ message: '{{finding.kind}}' }), 'api', {})).toThrow(
      /unknown variable/,
    );
  });
});
