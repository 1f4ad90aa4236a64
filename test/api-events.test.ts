import { afterEach, describe, expect, it } from 'vitest';
import { type ApiFixture, apiFixture, auth } from '../src/api/testing.js';
import type { Finding, Incident } from '../src/core/index.js';

let fx: ApiFixture | null = null;
let url = '';
afterEach(async () => {
  await fx?.close();
  fx = null;
});

async function listen(f: ApiFixture): Promise<void> {
  url = await f.api.app.listen({ host: '127.0.0.1', port: 0 });
}

/** Reads SSE frames from a fetch body until `until` says stop. */
async function readFrames(
  res: Response,
  until: (frames: string[]) => boolean,
  timeoutMs = 5000,
): Promise<string[]> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
      const frames = text.split('\n\n').slice(0, -1);
      if (until(frames)) return frames;
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => undefined);
  }
  throw new Error(`stream ended before the expected events; got:\n${text}`);
}

const finding = (id: string): Finding => ({
  id,
  service: 'web',
  check: 'health',
  kind: 'down',
  severity: 'critical',
  score: 1,
  summary: 'web is down',
  evidence: {},
  at: Date.now(),
});

describe('GET /api/events', () => {
  it('streams findings, incident changes and actions, with heartbeats', async () => {
    fx = await apiFixture({ heartbeatMs: 50 });
    await listen(fx);
    const noToken = await fetch(`${url}/api/events`);
    expect(noToken.status).toBe(401);
    const res = await fetch(`${url}/api/events`, { headers: auth(fx.tokens.viewer) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const incident = { id: 'inc_1', service: 'web', state: 'open' } as Incident;
    setTimeout(() => {
      fx?.medic.bus.emit('finding', finding('fnd_live'));
      fx?.medic.bus.emit('incident', { incident, change: 'opened' });
    }, 100);
    const frames = await readFrames(
      res,
      (f) => f.some((x) => x.includes('event: incident')) && f.some((x) => x.includes(': heartbeat')),
    );
    const ev = frames.find((f) => f.includes('event: finding'))!;
    expect(ev).toMatch(/^id: \w+-1$/m);
    expect(JSON.parse(/^data: (.*)$/m.exec(ev)![1]!)).toMatchObject({ id: 'fnd_live', service: 'web' });
    const inc = frames.find((f) => f.includes('event: incident'))!;
    expect(JSON.parse(/^data: (.*)$/m.exec(inc)![1]!)).toMatchObject({
      change: 'opened',
      incident: { id: 'inc_1' },
    });
  });

  it('replays what a client missed after Last-Event-ID, and says reset when it cannot', async () => {
    fx = await apiFixture();
    await listen(fx);
    for (const id of ['fnd_a', 'fnd_b', 'fnd_c']) fx.medic.bus.emit('finding', finding(id));
    const epoch = fx.api.events.epoch;
    const res = await fetch(`${url}/api/events`, {
      headers: { ...auth(fx.tokens.viewer), 'last-event-id': `${epoch}-1` },
    });
    const frames = await readFrames(res, (f) => f.filter((x) => x.includes('event: finding')).length >= 2);
    const ids = frames.filter((f) => f.includes('event: finding')).map((f) => /"id":"(fnd_\w)"/.exec(f)?.[1]);
    expect(ids).toEqual(['fnd_b', 'fnd_c']);

    const stale = await fetch(`${url}/api/events`, {
      headers: { ...auth(fx.tokens.viewer), 'last-event-id': 'oldrun-42' },
    });
    const reset = await readFrames(stale, (f) => f.some((x) => x.includes('event: reset')));
    expect(reset.some((f) => f.includes('event: reset'))).toBe(true);
  });
});
