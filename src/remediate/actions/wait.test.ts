import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/index.js';
import type { ExtendedStep } from './steps.js';
import { testContext } from './testing.js';
import { waitAction } from './wait.js';

const step = (d: string | number) => ({ timeout: 30_000, wait: { duration: d } }) as unknown as ExtendedStep;

describe('wait action', () => {
  it('sleeps on the injected clock', async () => {
    const clock = new SimulatedClock();
    const plan = waitAction.plan(step('5s'), 'api', {});
    expect(plan).toMatchObject({ params: { ms: 5000 }, description: 'wait 5.00s' });
    let done = false;
    const p = waitAction.apply(plan, testContext({ clock })).then((m) => {
      done = true;
      return m;
    });
    await clock.advance(4999);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(await p).toBe('waited 5.00s');
  });

  it('is cut short by the signal (the step timeout or Medic stopping)', async () => {
    const clock = new SimulatedClock();
    const ac = new AbortController();
    const p = waitAction.apply(
      waitAction.plan(step(60_000), 'api', {}),
      testContext({ clock, signal: ac.signal }),
    );
    await clock.advance(1000);
    ac.abort();
    await expect(p).rejects.toThrow(/interrupted/);
    expect(clock.pending()).toBe(0);
  });
});
