/** Contract: reading stored lines within a budget, and lines that hold NUL bytes. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { LogLine, Store } from '../store.js';
import { T0 } from './fixtures.js';

export function logScanContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  const line = (i: number, text = `request ${i} served`): LogLine => ({
    service: 'api',
    at: T0 + i,
    templateId: 't1',
    level: 'info',
    source: 'stdout',
    text,
  });

  describe('log line scans', () => {
    it('stops at its chunk budget, says so, and goes on from the cursor to the one rare line', async () => {
      // Ten stored chunks of 50 lines (one per batch); the only match is in the oldest.
      for (let c = 0; c < 10; c++) {
        const lines = Array.from({ length: 50 }, (_, k) => line(c * 50 + k));
        if (c === 0) lines[3] = line(3, 'disk quota exceeded for /srv');
        await store.recordLogBatch({ templates: [], lines });
      }
      const pages: { items: string[]; truncated: boolean }[] = [];
      let before: number | undefined;
      for (let n = 0; n < 10; n++) {
        const page = await store.scanLogLines({
          contains: 'QUOTA',
          limit: 100,
          maxChunks: 3,
          ...(before !== undefined && { before }),
        });
        pages.push({ items: page.items.map((l) => l.text), truncated: page.truncated });
        if (!page.truncated) {
          expect(page.cursor).toBeNull();
          break;
        }
        expect(page.cursor).not.toBeNull();
        before = page.cursor!;
      }
      // 3 + 3 + 3 chunks read without a match, then the last one holds it.
      expect(pages).toEqual([
        { items: [], truncated: true },
        { items: [], truncated: true },
        { items: [], truncated: true },
        { items: ['disk quota exceeded for /srv'], truncated: false },
      ]);
      // Unbounded, as the daemon's own evidence reads it: the same line at once.
      expect((await store.logLines({ contains: 'quota' })).map((l) => l.at)).toEqual([T0 + 3]);
      // A limit reached is not a truncation: the newest lines are the answer.
      expect(await store.scanLogLines({ limit: 2, maxChunks: 1 })).toMatchObject({
        items: [{ at: T0 + 498 }, { at: T0 + 499 }],
        truncated: false,
        cursor: null,
      });
    });

    it('stores a line, template and example holding NUL bytes, without them', async () => {
      await store.recordLogBatch({
        templates: [
          {
            service: 'api',
            templateId: 't\u00001',
            text: 'upload <*> \u0000\u0000 done',
            category: null,
            severity: 'info',
            count: 1,
            firstSeen: T0,
            lastSeen: T0,
            examples: ['upload a.bin \u0000\u0000 done'],
          },
        ],
        counts: [{ service: 'api', templateId: 't\u00001', bucket: T0, count: 1 }],
        lines: [{ ...line(0, 'upload a.bin \u0000\u0000 done'), templateId: 't\u00001' }],
      });
      expect(await store.getLogTemplate('api', 't1')).toMatchObject({
        text: 'upload <*>  done',
        examples: ['upload a.bin  done'],
        count: 1,
      });
      expect(await store.logLines({ service: 'api' })).toEqual([
        { ...line(0, 'upload a.bin  done'), templateId: 't1' },
      ]);
      expect(await store.logCounts('api', 't1', T0)).toEqual([{ bucket: T0, count: 1 }]);
    });
  });
}
