import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/index.js';
import { ErrorClassifier } from './classify.js';
import { TemplateMiner } from './miner.js';
import { NoveltyDetector } from './novelty.js';

function harness() {
  const clock = new SimulatedClock();
  const miner = new TemplateMiner();
  const classifier = new ErrorClassifier();
  const det = new NoveltyDetector(clock, { service: 'api', windowMs: 60_000, warmupMs: 120_000 });
  const feed = (line: string) => {
    const m = miner.add(line, clock.now());
    return det.observe({
      templateId: m.template.id,
      template: miner.text(m.template),
      line,
      created: m.created,
      error: classifier.classify(line),
    });
  };
  return { clock, feed };
}

describe('NoveltyDetector', () => {
  it('reports a never-seen error template after warm-up, with the line as evidence', async () => {
    const { clock, feed } = harness();
    expect(feed('ERROR connect ECONNREFUSED 10.0.0.1:5432')).toEqual([]);
    await clock.advance(180_000);
    const findings = feed('java.lang.OutOfMemoryError: Java heap space');
    expect(findings).toHaveLength(1);
    const f = findings[0];
    expect(f?.kind).toBe('pattern');
    expect(f?.severity).toBe('critical');
    expect(f?.evidence['reason']).toBe('new');
    expect(f?.evidence['examples']).toEqual(['java.lang.OutOfMemoryError: Java heap space']);
    expect(feed('java.lang.OutOfMemoryError: Java heap space')).toEqual([]);
  });

  it('does not report a new template that is not an error', async () => {
    const { clock, feed } = harness();
    await clock.advance(180_000);
    expect(feed('user 42 logged in')).toEqual([]);
  });

  it('reports a spiking error template once per window', async () => {
    const { clock, feed } = harness();
    for (let minute = 0; minute < 10; minute++) {
      for (let i = 0; i < 3; i++) expect(feed(`upstream timeout after ${100 + i}ms`)).toEqual([]);
      await clock.advance(60_000);
    }
    const findings = [];
    for (let i = 0; i < 200; i++) findings.push(...feed(`upstream timeout after ${i}ms`));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence['reason']).toBe('spike');
    expect(findings[0]?.evidence['examples']).not.toHaveLength(0);
  });
});
