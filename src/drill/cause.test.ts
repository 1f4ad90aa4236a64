import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../core/index.js';
import { diagnosed } from './cause.js';

const entry = (at: number, service: string, cause: string, target?: string): TimelineEntry =>
  ({
    at,
    kind: 'diagnosis',
    message: `${service}: ${cause}`,
    data: { service, cause, ...(target ? { target } : {}) },
  }) as unknown as TimelineEntry;

function store(byIncident: Record<string, TimelineEntry[]>) {
  return { timeline: async (id: string) => byIncident[id] ?? [] };
}

describe('diagnosed', () => {
  it('takes the first named cause in time, whichever incident holds it', async () => {
    // A merged incident's diagnosis (hung, at 59) came before the surviving incident's (error_burst, at 68).
    const s = store({
      survivor: [entry(57, 'api', 'process_crashed'), entry(68, 'nginx', 'error_burst')],
      merged: [entry(59, 'nginx', 'hung')],
    });
    expect(await diagnosed(s, ['survivor', 'merged'], 'nginx')).toEqual({ cause: 'hung', target: null });
  });

  it('skips unknown for a named cause, keeps the target, and honours the window', async () => {
    const s = store({
      a: [entry(10, 'api', 'unknown'), entry(20, 'api', 'hung', 'cache'), entry(40, 'api', 'error_burst')],
    });
    expect(await diagnosed(s, ['a'], 'api')).toEqual({ cause: 'hung', target: 'cache' });
    expect(await diagnosed(s, ['a'], 'api', { from: 30, to: 50 })).toEqual({
      cause: 'error_burst',
      target: null,
    });
    expect(await diagnosed(s, ['a'], 'api', { from: 0, to: 15 })).toEqual({ cause: 'unknown', target: null });
    expect(await diagnosed(s, ['a'], 'db')).toEqual({ cause: null, target: null });
  });

  it('with the heal decided at `actedAt`, takes the last named cause before it', async () => {
    // Diagnosed through the database's outage (db_unreachable), again once it was well (error_burst), then
    // healed at 30; a later look (unknown, 50) is not what the heal followed.
    const s = store({
      a: [
        entry(10, 'api', 'db_unreachable', 'db'),
        entry(25, 'api', 'error_burst'),
        entry(50, 'api', 'unknown'),
        entry(60, 'api', 'hung'),
      ],
    });
    expect(await diagnosed(s, ['a'], 'api', undefined, 30)).toEqual({ cause: 'error_burst', target: null });
    expect(await diagnosed(s, ['a'], 'api', undefined, 25)).toEqual({ cause: 'error_burst', target: null });
    expect(await diagnosed(s, ['a'], 'api', undefined, 15)).toEqual({
      cause: 'db_unreachable',
      target: 'db',
    });
    // The look just before the heal named nothing: the cause named next is the one its retry followed.
    expect(await diagnosed(s, ['a'], 'api', undefined, 55)).toEqual({ cause: 'hung', target: null });
    // No look before the heal (a keepalive restart first): the first named one.
    expect(await diagnosed(s, ['a'], 'api', undefined, 5)).toEqual({ cause: 'db_unreachable', target: 'db' });
    expect(await diagnosed(s, ['a'], 'api')).toEqual({ cause: 'db_unreachable', target: 'db' });
  });
});
