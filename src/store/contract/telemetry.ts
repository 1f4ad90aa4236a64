/** Contract: log templates, counts, lines and tail positions; metric samples, downsampling and retention. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { LogLine, Store } from '../store.js';
import { T0 } from './fixtures.js';

const line = (i: number, over: Partial<LogLine> = {}): LogLine => ({
  service: 'api',
  at: T0 + i,
  templateId: i % 2 === 0 ? 'tA' : 'tB',
  level: 'info',
  source: 'file:/var/log/api.log',
  text: `line ${i}`,
  ...over,
});

export function telemetryContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('logs', () => {
    it('adds template counts across batches and keeps first/last seen and the newest examples', async () => {
      await store.recordLogBatch({
        templates: [
          {
            service: 'api',
            templateId: 'tA',
            text: 'GET <*>',
            category: null,
            severity: null,
            count: 3,
            firstSeen: T0 + 5,
            lastSeen: T0 + 9,
            examples: ['GET /a'],
          },
          {
            service: 'api',
            templateId: 'tA',
            text: 'GET <*>',
            category: null,
            severity: null,
            count: 2,
            firstSeen: T0 + 1,
            lastSeen: T0 + 4,
          },
          {
            service: 'db',
            templateId: 'tA',
            text: 'other',
            category: 'database',
            severity: 'critical',
            count: 1,
            firstSeen: T0,
            lastSeen: T0,
          },
        ],
      });
      await store.recordLogBatch({
        templates: [
          {
            service: 'api',
            templateId: 'tA',
            text: 'GET <*> now',
            category: 'http_5xx',
            severity: 'critical',
            count: 4,
            firstSeen: T0 + 20,
            lastSeen: T0 + 30,
          },
        ],
      });
      const a = await store.getLogTemplate('api', 'tA');
      expect(a).toMatchObject({
        text: 'GET <*> now',
        count: 9,
        firstSeen: T0 + 1,
        lastSeen: T0 + 30,
        category: 'http_5xx',
        examples: ['GET /a'],
      });
      const page = await store.listLogTemplates({ service: 'api' });
      expect(page.total).toBe(1);
      expect((await store.listLogTemplates({})).items.map((t) => `${t.service}/${t.count}`)).toEqual([
        'api/9',
        'db/1',
      ]);
    });

    it('moves a merged template’s count to the template it joined', async () => {
      const t = (id: string, count: number) => ({
        service: 'api',
        templateId: id,
        text: id,
        category: null,
        severity: null,
        count,
        firstSeen: T0,
        lastSeen: T0 + count,
      });
      await store.recordLogBatch({ templates: [t('a', 5), t('b', 7)] });
      await store.recordLogBatch({
        templates: [t('b', 1)],
        merges: [{ service: 'api', from: 'a', into: 'b' }],
      });
      expect((await store.getLogTemplate('api', 'b'))?.count).toBe(13);
      expect((await store.getLogTemplate('api', 'a'))?.mergedInto).toBe('b');
      expect((await store.listLogTemplates({ service: 'api' })).items.map((x) => x.templateId)).toEqual([
        'b',
      ]);
    });

    it('applies several batches in one call in order, as if written one after another; their lines together', async () => {
      const t = (id: string, count: number) => ({
        service: 'api',
        templateId: id,
        text: `text ${id}`,
        category: null,
        severity: null,
        count,
        firstSeen: T0,
        lastSeen: T0 + count,
      });
      await store.recordLogBatch([
        { templates: [t('a', 5), t('b', 7)], lines: [line(0, { templateId: 'a' })] },
        {
          templates: [t('b', 1)],
          merges: [{ service: 'api', from: 'a', into: 'b' }],
          lines: [line(1, { templateId: 'b' })],
          offsets: [{ source: 'k', position: { dev: 1, ino: 2, offset: 10 }, at: T0 }],
        },
        {
          templates: [t('c', 2)],
          offsets: [{ source: 'k', position: { dev: 1, ino: 2, offset: 30 }, at: T0 + 1 }],
        },
      ]);
      expect((await store.getLogTemplate('api', 'b'))?.count).toBe(13);
      expect((await store.getLogTemplate('api', 'a'))?.mergedInto).toBe('b');
      expect((await store.getLogTemplate('api', 'c'))?.count).toBe(2);
      expect((await store.getLogOffset('k'))?.offset).toBe(30);
      expect((await store.logLines({ service: 'api' })).map((l) => l.text)).toEqual(['line 0', 'line 1']);
    });

    it('folds many small batches of one call as their upserts would: counts add, the newest text and examples win, an empty example list keeps the last', async () => {
      const d = (count: number, text: string, examples: string[], category: string | null = null) => ({
        service: 'api',
        templateId: 'g',
        text,
        category,
        severity: category ? 'warning' : null,
        count,
        firstSeen: T0 + count,
        lastSeen: T0 + 10 * count,
        examples,
      });
      await store.recordLogBatch([
        {
          templates: [d(1, 'first', ['x'], 'timeout')],
          counts: [{ service: 'api', templateId: 'g', bucket: T0, count: 1 }],
        },
        {
          templates: [d(2, 'second', [])],
          counts: [{ service: 'api', templateId: 'g', bucket: T0, count: 2 }],
        },
        {
          templates: [d(3, 'third', [])],
          offsets: [{ source: 'f', position: { dev: 1, ino: 1, offset: 5 }, at: T0 }],
        },
        { templates: [], offsets: [{ source: 'f', position: { dev: 1, ino: 1, offset: 9 }, at: T0 }] },
      ]);
      const g = await store.getLogTemplate('api', 'g');
      expect(g).toMatchObject({
        count: 6,
        text: 'third',
        examples: ['x'],
        category: 'timeout',
        firstSeen: T0 + 1,
        lastSeen: T0 + 30,
      });
      expect(await store.logCounts('api', 'g', T0)).toEqual([{ bucket: T0, count: 3 }]);
      expect((await store.getLogOffset('f'))?.offset).toBe(9);
    });

    it('stores lines, offsets and per-minute counts in one batch; reads lines newest-limited, oldest first', async () => {
      const lines = Array.from({ length: 4500 }, (_, i) => line(i));
      await store.recordLogBatch({
        templates: [],
        lines,
        counts: [
          { service: 'api', templateId: 'tA', bucket: T0, count: 2 },
          { service: 'api', templateId: 'tA', bucket: T0, count: 3 },
          { service: 'api', templateId: 'tB', bucket: T0 + 60_000, count: 1 },
        ],
        offsets: [
          {
            source: 'api:/var/log/api.log',
            position: { dev: 2049, ino: 12345678901, offset: 1 << 20 },
            at: T0,
          },
        ],
      });
      const all = await store.logLines({ service: 'api', limit: 10_000 });
      expect(all).toHaveLength(4500);
      expect(all[0]).toEqual(lines[0]);
      expect(all[4499]?.text).toBe('line 4499');
      const last = await store.logLines({ service: 'api', limit: 3, templateId: 'tB' });
      expect(last.map((l) => l.text)).toEqual(['line 4495', 'line 4497', 'line 4499']);
      expect((await store.logLines({ contains: 'LINE 123', limit: 100 })).map((l) => l.text)).toEqual(
        expect.arrayContaining(['line 123', 'line 1230']),
      );
      expect(await store.getLogOffset('api:/var/log/api.log')).toEqual({
        dev: 2049,
        ino: 12345678901,
        offset: 1 << 20,
      });
      expect(await store.getLogOffset('nope')).toBeNull();
      expect(await store.logCounts('api', null, T0)).toEqual([
        { bucket: T0, count: 5 },
        { bucket: T0 + 60_000, count: 1 },
      ]);
      expect(await store.logCounts('api', 'tB', T0)).toEqual([{ bucket: T0 + 60_000, count: 1 }]);
      await store.recordLogBatch({
        templates: [],
        offsets: [
          { source: 'api:/var/log/api.log', position: { dev: 2049, ino: 7, offset: 10 }, at: T0 + 1 },
        ],
      });
      expect(await store.getLogOffset('api:/var/log/api.log')).toEqual({ dev: 2049, ino: 7, offset: 10 });
      expect(await store.pruneLogs(T0 + 10_000_000)).toBe(4500);
      expect(await store.logLines({ limit: 10 })).toEqual([]);
    });
  });

  describe('metrics', () => {
    it('keeps raw samples, folds old ones into rollups and prunes them by age', async () => {
      const samples = Array.from({ length: 240 }, (_, i) => ({
        service: 'api',
        metric: 'rss',
        at: T0 + i * 1000,
        value: i,
      }));
      await store.recordMetricSamples([
        ...samples,
        { service: 'api', metric: 'rss', at: T0, value: Number.NaN },
      ]);
      expect(await store.metricSamples('api', 'rss', T0 + 230_000)).toHaveLength(10);
      expect((await store.metricSamples('api', 'rss', T0, 2)).map((s) => s.value)).toEqual([238, 239]);
      expect(await store.downsampleMetrics(T0 + 120_000, 60_000)).toBe(120);
      expect(await store.downsampleMetrics(T0 + 120_000, 60_000)).toBe(0);
      expect(await store.metricSamples('api', 'rss', 0)).toHaveLength(120);
      const rolled = await store.metricRollups('api', 'rss', 0);
      expect(rolled).toEqual([
        {
          service: 'api',
          metric: 'rss',
          step: 60_000,
          bucket: T0,
          count: 60,
          sum: 1770,
          min: 0,
          max: 59,
          last: 59,
        },
        {
          service: 'api',
          metric: 'rss',
          step: 60_000,
          bucket: T0 + 60_000,
          count: 60,
          sum: 5370,
          min: 60,
          max: 119,
          last: 119,
        },
      ]);
      // A late sample of an already rolled-up minute merges into its rollup.
      await store.recordMetricSamples([{ service: 'api', metric: 'rss', at: T0 + 500, value: -5 }]);
      expect(await store.downsampleMetrics(T0 + 120_000, 60_000)).toBe(1);
      expect((await store.metricRollups('api', 'rss', 0))[0]).toMatchObject({ count: 61, min: -5, max: 59 });
      expect(await store.listMetricSeries()).toEqual([{ service: 'api', metric: 'rss', last: T0 + 239_000 }]);
      expect(await store.pruneMetricRollups(T0 + 60_000)).toBe(1);
      expect(await store.metricRollups('api', 'rss', 0)).toHaveLength(1);
    });
  });
}
