import { describe, expect, it } from 'vitest';
import { type Finding, SimulatedClock } from '../../core/index.js';
import { AbuseTurns } from './abuse-turns.js';

const finding = (address: string, at: number): Finding => ({
  id: `f-${address}-${at}`,
  service: 'ssh',
  check: `abuse:${address}`,
  kind: 'abuse',
  severity: 'warning',
  score: 0.95,
  summary: address,
  evidence: { labels: { address } },
  at,
});

/**
 * Scenarios over a simulated clock: findings offered at these times, the service's incident open over these
 * spans → the findings raised, and when.
 */
describe('AbuseTurns: one abuse finding of a service at a time', () => {
  const run = async (
    offers: [number, string][],
    incidentOpen: (t: number) => boolean,
    until: number,
    maxWait = 60_000,
  ) => {
    const clock = new SimulatedClock(0);
    const fired: [number, string][] = [];
    const turns = new AbuseTurns({
      clock,
      busy: async () => incidentOpen(clock.now()),
      maxWaitMs: () => maxWait,
      fire: (f) =>
        fired.push([
          f.at,
          String(f.evidence['labels'] && (f.evidence['labels'] as { address: string }).address),
        ]),
    });
    for (const [at, address] of offers) {
      await clock.advance(at - clock.now());
      turns.offer(finding(address, at));
    }
    await clock.advance(until - clock.now());
    turns.stop();
    return fired;
  };

  it.each([
    {
      name: 'alone: raised at once',
      offers: [[1000, 'a']] as [number, string][],
      open: (t: number) => t >= 1000 && t < 2500,
      fired: [[1000, 'a']],
    },
    {
      name: 'a second address waits until the first one’s incident is over, then is raised, stamped then',
      offers: [
        [1000, 'a'],
        [1100, 'c'],
      ] as [number, string][],
      open: (t: number) => t >= 1000 && t < 2500,
      fired: [
        [1000, 'a'],
        [2600, 'c'],
      ],
    },
    {
      name: 'an address offered again while it waits is raised once',
      offers: [
        [1000, 'a'],
        [1100, 'c'],
        [1200, 'c'],
        [1300, 'd'],
      ] as [number, string][],
      open: (t: number) => (t >= 1000 && t < 2500) || (t >= 2700 && t < 4000),
      fired: [
        [1000, 'a'],
        [2600, 'c'],
        [4000, 'd'],
      ],
    },
    {
      name: 'an incident that never ends holds the next one back for the window at most',
      offers: [
        [1000, 'a'],
        [1100, 'c'],
      ] as [number, string][],
      open: (t: number) => t >= 1000,
      fired: [
        [1000, 'a'],
        [61_000, 'c'],
      ],
    },
  ])('$name', async ({ offers, open, fired }) => {
    expect(await run(offers, open, 70_000)).toEqual(fired);
  });

  it('drops what waited longer than the window, and the oldest beyond the cap, counted and told once', async () => {
    const clock = new SimulatedClock(0);
    const fired: string[] = [];
    const warned: string[] = [];
    const turns = new AbuseTurns({
      clock,
      busy: async () => true, // an incident that never ends
      maxWaitMs: () => 10_000,
      maxWaiting: 3,
      warn: (m) => warned.push(m),
      fire: (f) => fired.push(f.check),
    });
    turns.offer(finding('a', 0));
    for (let i = 1; i <= 6; i++) turns.offer(finding(`x${i}`, 0)); // x1..x3 pushed out by x4..x6
    expect(turns.queued).toBe(3);
    expect(turns.droppedCounts).toEqual({ expired: 0, overflow: 3 });
    expect(warned).toHaveLength(1);
    await clock.advance(5_000);
    turns.offer(finding('y', 5_000));
    expect(turns.droppedCounts).toEqual({ expired: 0, overflow: 4 }); // y pushed x4 out
    // At 10 s a's hold ends: x5 and x6 waited the whole window and are old news; y, 5 s old, is raised.
    await clock.advance(5_200);
    expect(fired).toEqual(['abuse:a', 'abuse:y']);
    expect(turns.queued).toBe(0);
    expect(turns.droppedCounts).toEqual({ expired: 2, overflow: 4 });
    expect(warned).toHaveLength(1);
    turns.stop();
  });

  it('a stopped queue raises nothing more', async () => {
    const clock = new SimulatedClock(0);
    const fired: string[] = [];
    const turns = new AbuseTurns({
      clock,
      busy: async () => true,
      maxWaitMs: () => 1000,
      fire: (f) => fired.push(f.check),
    });
    turns.offer(finding('a', 0));
    turns.offer(finding('c', 0));
    expect(turns.queued).toBe(1);
    turns.stop();
    await clock.advance(5000);
    expect(fired).toEqual(['abuse:a']);
  });
});
