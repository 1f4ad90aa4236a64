import { describe, expect, it } from 'vitest';
import { PhaseMemory } from './phase-memory.js';

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

describe('PhaseMemory', () => {
  it('remembers nothing without a season', () => {
    const m = new PhaseMemory(144, 0.8);
    m.store(T0, 10);
    expect(m.recall(T0 + DAY_MS)).toBe(0);
  });

  it('recalls a surprise at the same phase a period later, faded by decay per period', () => {
    const m = new PhaseMemory(144, 0.8);
    m.reset(DAY_MS);
    m.store(T0 + 3_600_000, 10);
    expect(m.recall(T0 + DAY_MS + 3_600_000)).toBeCloseTo(8, 5);
    expect(m.recall(T0 + 3 * DAY_MS + 3_600_000)).toBeCloseTo(10 * 0.8 ** 3, 5);
    // Half a day away is another phase.
    expect(m.recall(T0 + DAY_MS + 15 * 3_600_000)).toBe(0);
  });

  it('looks at the neighbouring bins too (a job that starts a few minutes late)', () => {
    const m = new PhaseMemory(144, 0.8);
    m.reset(DAY_MS);
    m.store(T0, 10);
    // One bin is 10 minutes; 12 minutes later next day is the next bin (faded a little further: 1.008 periods).
    expect(m.recall(T0 + DAY_MS + 12 * 60_000)).toBeCloseTo(10 * 0.8 ** (1 + 12 / 1440), 5);
    // Two bins away is not looked at.
    expect(m.recall(T0 + DAY_MS + 25 * 60_000)).toBe(0);
    // Wraps around midnight: the last bin neighbours the first.
    expect(m.recall(T0 + DAY_MS - 5 * 60_000)).toBeGreaterThan(7.9);
  });

  it('keeps the larger of a new surprise and the faded old one; reset forgets', () => {
    const m = new PhaseMemory(144, 0.8);
    m.reset(DAY_MS);
    m.store(T0, 10);
    m.store(T0 + DAY_MS, 5);
    expect(m.recall(T0 + DAY_MS)).toBeCloseTo(8, 5);
    m.store(T0 + DAY_MS, 9);
    expect(m.recall(T0 + 2 * DAY_MS)).toBeCloseTo(9 * 0.8, 5);
    m.reset(DAY_MS / 2);
    expect(m.recall(T0 + 2 * DAY_MS)).toBe(0);
  });
});
