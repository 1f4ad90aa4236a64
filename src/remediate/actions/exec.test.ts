import { describe, expect, it } from 'vitest';
import type { StepConfig } from '../../config/index.js';
import { execAction } from './exec.js';
import { testContext } from './testing.js';

const step = (command: string[]) =>
  ({ timeout: 30_000, exec: { command, env: {} } }) as unknown as StepConfig;

describe('exec action with templates', () => {
  it('substitutes each argv element on its own: an injection attempt arrives as one argument', async () => {
    const vars = { service: { name: 'api' }, finding: { labels: { pod: '$(touch /tmp/pwned); rm -rf /' } } };
    const plan = execAction.plan(
      step([
        process.execPath,
        '-e',
        'console.log(JSON.stringify(process.argv.slice(1)))',
        '{{service.name}}',
        '{{finding.labels.pod}}',
      ]),
      'api',
      {},
      { baseDir: '.', vars },
    );
    expect((plan.params['command'] as string[]).slice(3)).toEqual(['api', '$(touch /tmp/pwned); rm -rf /']);
    const ctx = testContext();
    expect(await execAction.apply(plan, { ...ctx, step: ctx.step as StepConfig })).toBe(
      'exited 0: ["api","$(touch /tmp/pwned); rm -rf /"]',
    );
  });

  it('refuses an unknown variable at plan time', () => {
    expect(() => execAction.plan(step(['echo', '{{finding.labels.pod}}']), 'api', {})).toThrow(
      /unknown variable/,
    );
  });
});
