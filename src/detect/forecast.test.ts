import { describe, expect, it } from 'vitest';
import { forecastExhaustion, forecastFinding, TrendForecaster } from './forecast.js';
import { gaussian } from './synthetic.fixture.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('forecast', () => {
  it('finds when a filling disk reaches its limit, with an interval around it', () => {
    const g = gaussian(1);
    // 1% per hour from 50%, sampled each minute for 6 h: 100% is 50 h after the start, 44 h after "now".
    const samples = Array.from({ length: 360 }, (_, i) => ({
      at: i * MIN,
      value: 50 + (i * MIN) / HOUR + 0.2 * g(),
    }));
    const e = forecastExhaustion(samples, 100)!;
    expect(e).not.toBeNull();
    expect(Math.abs(e.at / HOUR - 50)).toBeLessThan(1.5);
    expect(e.earliest).toBeLessThan(e.at);
    expect(e.latest).toBeGreaterThan(e.at);
    // The truth lies within a band's width of the estimate (the band is ±2σ of a noisy line's slope).
    expect(Math.abs(e.at - 50 * HOUR)).toBeLessThan(e.latest - e.earliest);
    expect((e.latest - e.earliest) / HOUR).toBeLessThan(5);
    const f = forecastFinding('db', 'disk:/var', 'disk /var full', e, 359 * MIN);
    expect(f.kind).toBe('forecast');
    expect(f.summary).toMatch(/^disk \/var full in 4\d\.\dh ± /);
  });

  it('says nothing when the trend heads away from the limit or is flat noise', () => {
    const down = Array.from({ length: 100 }, (_, i) => ({ at: i * MIN, value: 80 - i * 0.1 }));
    expect(forecastExhaustion(down, 100)).toBeNull();
    const g = gaussian(2);
    const noise = Array.from({ length: 100 }, (_, i) => ({ at: i * MIN, value: 50 + g() }));
    const e = forecastExhaustion(noise, 100);
    // Either no crossing or one whose band is unbounded: a flat series never predicts a confident date.
    if (e) expect(e.latest).toBe(Number.POSITIVE_INFINITY);
  });

  it('streams with O(1) state and follows a leak that starts late', () => {
    const t = new TrendForecaster(10 * MIN);
    // Flat RSS at 500 MiB for 5 h, then leaking 10 MiB a minute.
    for (let i = 0; i < 300; i++) t.observe(i * MIN, 500);
    for (let i = 300; i < 360; i++) t.observe(i * MIN, 500 + (i - 300) * 10);
    const e = t.forecast(2048)!;
    expect(e).not.toBeNull();
    // 2048 is (2048-1090)/10 ≈ 96 min after the last sample at 1090 MiB; the fading flat part biases it late.
    expect(e.etaMs / MIN).toBeGreaterThan(80);
    expect(e.etaMs / MIN).toBeLessThan(200);
  });
});
