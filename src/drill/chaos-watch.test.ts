import { describe, expect, it } from 'vitest';
import type { Incident, ServiceHealth } from '../core/index.js';
import type { GuardState } from '../store/index.js';
import { SilenceWatch } from './chaos-watch.js';

/** What Medic shows of one service at one moment (absent: healthy, idle, no incident). */
interface Frame {
  health?: ServiceHealth;
  busy?: boolean;
  incident?: Partial<Incident> | null;
  /** ms from now until a retry is allowed (the guard's backoff); `escalated`: the guard stopped acting. */
  retryIn?: number;
  escalated?: boolean;
  /** The health of `db`, which `api` depends on, and whether a heal of it runs. */
  db?: ServiceHealth;
  dbBusy?: boolean;
}

/** Samples `frames` (one per 250 ms, for service `api` beside a healthy `db`) and returns the silent ms. */
async function silentMs(
  frames: Frame[],
  opts: { notified?: readonly string[]; notifies?: boolean; dbHealthyAt?: number } = {},
): Promise<number> {
  let frame: Frame = {};
  let now = 0;
  const incident = (f: Frame): Incident | null =>
    f.incident
      ? {
          id: 'inc_1',
          service: 'api',
          state: 'open',
          title: '',
          severity: 'critical',
          rootCause: null,
          openedAt: 0,
          updatedAt: 0,
          resolvedAt: null,
          ...f.incident,
        }
      : null;
  const watch = new SilenceWatch(
    {
      services: () => ['api', 'db'],
      upstreamOf: (s) => (s === 'api' ? ['db'] : []),
      health: (s) => (s === 'api' ? (frame.health ?? 'healthy') : (frame.db ?? 'healthy')),
      busy: (s) => (s === 'api' ? frame.busy === true : frame.dbBusy === true),
      activeIncident: async (s) => (s === 'api' ? incident(frame) : null),
      guard: async (s): Promise<GuardState | null> =>
        s === 'api' && (frame.retryIn !== undefined || frame.escalated)
          ? {
              service: s,
              failedHeals: 1,
              nextAllowedAt: now + (frame.retryIn ?? 0),
              escalated: frame.escalated === true,
              escalatedAt: null,
              updatedAt: now,
            }
          : null,
    },
    { graceMs: 1_000, capMs: 300_000, releaseAfterMs: 5_000, notifies: opts.notifies ?? true },
  );
  if (opts.dbHealthyAt !== undefined) watch.noteHealth('db', 'healthy', opts.dbHealthyAt);
  for (const id of opts.notified ?? []) watch.noteEscalation(id);
  for (const f of frames) {
    frame = f;
    await watch.sample(now);
    now += 250;
  }
  watch.finish(now);
  return watch.silentMs('api');
}

const repeat = (n: number, f: Frame): Frame[] => Array.from({ length: n }, () => f);
const down = (f: Frame = {}): Frame => ({ health: 'down', incident: {}, ...f });

describe('silent down time (the invariant of issue 12)', () => {
  it.each([
    ['healthy all along', repeat(20, {}), {}, 0],
    ['down, a heal running', repeat(20, down({ busy: true })), {}, 0],
    ['down, a retry due in 30 s', repeat(20, down({ retryIn: 30_000 })), {}, 0],
    [
      'down, the decision within the grace',
      [...repeat(3, down()), ...repeat(10, down({ busy: true }))],
      {},
      0,
    ],
    ['down, an incident and nothing else for 5 s: counted whole', [...repeat(20, down()), {}], {}, 5_000],
    [
      'down with no incident at all (held back as flapping)',
      [...repeat(8, { health: 'down' }), {}],
      {},
      2_000,
    ],
    ['down, a retry due only after the 5 min cap', [...repeat(8, down({ retryIn: 600_000 })), {}], {}, 2_000],
    [
      'escalated and notified',
      repeat(20, down({ incident: { state: 'escalated' }, escalated: true })),
      { notified: ['inc_1'] },
      0,
    ],
    [
      'escalated, the escalation never sent',
      [...repeat(8, down({ incident: { state: 'escalated' }, escalated: true })), {}],
      {},
      2_000,
    ],
    [
      'escalated, no notifier takes escalations',
      [...repeat(8, down({ incident: { state: 'escalated' }, escalated: true })), {}],
      { notified: ['inc_1'], notifies: false },
      2_000,
    ],
    [
      'a dependent waiting for its upstream, which just came back (release_after)',
      repeat(16, down({ incident: { rootCause: 'db' } })),
      { dbHealthyAt: 0 },
      0,
    ],
    [
      'a dependent still waiting long after its upstream came back',
      [...repeat(40, down({ incident: { rootCause: 'db' } })), {}],
      { dbHealthyAt: 0 },
      3_750, // from 6.25 s (release_after 5 s + grace 1 s) to 10 s
    ],
    [
      'a dependent with its own incident, while its upstream is being healed',
      repeat(20, down({ db: 'down', dbBusy: true })),
      {},
      0,
    ],
    [
      'a dependent whose failing upstream has nothing running for it either',
      [...repeat(8, down({ db: 'down' })), {}],
      {},
      2_000,
    ],
  ] as const)('%s', async (_name, frames, opts, want) => {
    expect(await silentMs([...frames], opts)).toBe(want);
  });
});
