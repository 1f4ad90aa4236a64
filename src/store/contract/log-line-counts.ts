/** Contract: stored log lines counted per source and template over a time range. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { LogLine, Store } from '../store.js';
import { T0 } from './fixtures.js';

const line = (at: number, source: string, templateId: string, service = 'api'): LogLine => ({
  service,
  at: T0 + at,
  templateId,
  level: null,
  source,
  text: `${templateId} at ${at}`,
});

export function logLineCountsContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('logLineCounts', () => {
    it('counts lines per source and template inside [since, until) only, of one service', async () => {
      await store.recordLogBatch({
        templates: [],
        lines: [
          line(5, 'stderr', 'boom~exception'),
          line(10, 'stderr', 'boom~exception'),
          line(20, 'file:/var/log/a.log', 'ok'),
          line(30, 'stderr', 'boom~exception'),
          line(10, 'stderr', 'boom~exception', 'web'),
        ],
      });
      // A second chunk, written later, whose lines reach back into the range.
      await store.recordLogBatch({
        templates: [],
        lines: [line(15, 'stderr', 'ok'), line(40, 'stdout', 'ok')],
      });
      const c = await store.logLineCounts('api', T0 + 10, T0 + 40);
      expect(c).toEqual({
        from: T0 + 10,
        to: T0 + 40,
        counts: [
          { source: 'file:/var/log/a.log', templateId: 'ok', lines: 1 },
          { source: 'stderr', templateId: 'boom~exception', lines: 2 },
          { source: 'stderr', templateId: 'ok', lines: 1 },
        ],
      });
      expect((await store.logLineCounts('nobody', T0, T0 + 100)).counts).toEqual([]);
    });

    it('stops at maxLines, newest first, and says from where it counted', async () => {
      await store.recordLogBatch({
        templates: [],
        lines: [0, 1, 2, 3, 4, 5].map((i) => line(i * 10, 'stdout', 't')),
      });
      const c = await store.logLineCounts('api', T0, T0 + 100, 3);
      expect(c.counts).toEqual([{ source: 'stdout', templateId: 't', lines: 3 }]);
      expect(c.from).toBe(T0 + 21);
    });
  });
}
