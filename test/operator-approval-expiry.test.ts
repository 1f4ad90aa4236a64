/**
 * An approval nobody gave in time is not a dead end: the expired request is skipped, the heal is decided
 * again, and a new request is sent (here to a real webhook), which a human can still approve.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Notification } from '../src/notify/index.js';
import { type Receiver, startReceiver } from '../src/notify/notify.fixture.js';
import { tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();
let hook: Receiver | null = null;
afterEach(async () => {
  await hook?.close();
  hook = null;
});

describe('an approval that expires', () => {
  it('re-opens the decision: a new approval request, notified, that can still be approved', async () => {
    hook = await startReceiver();
    const dir = await tempDir();
    const marker = path.join(dir, 'web');
    const m = await start(
      dir,
      `services:
  web:
    checks:
      - command: { command: [test, -f, ${JSON.stringify(marker)}] }
        interval: 300ms
        timeout: 250ms
        down_after: 1
playbooks:
  make-web:
    when: { service: web, kind: down }
    autonomy: approve
    steps:
      - exec: { command: [${JSON.stringify(process.execPath)}, -e, "require('fs').writeFileSync(process.argv[1], 'x')", ${JSON.stringify(marker)}] }
    verify: { within: 5s, stable_for: 300ms }
policy:
  approval_ttl: 2s
notifiers:
  # Each request goes out at once, whatever the grouping defaults are.
  - webhook: { url: "${hook.url}" }
    group_wait: 0s
    group_interval: 0s
store: { dir: ./data }
`,
    );
    const sent = () => hook!.received.map((r) => r.body as Notification);
    const requests = () => sent().filter((n) => n.event === 'action.awaiting_approval');
    const first = await waitFor('the first approval request', () => requests()[0], 20_000);

    // Nobody answers within approval_ttl: the request expires, and a new one is made and sent.
    const second = await waitFor('a second approval request', () => requests()[1], 20_000);
    expect(second.key).not.toBe(first.key);
    const waiting = await m.store.listActions({ service: 'web', state: 'awaiting_approval' });
    expect(waiting.items).toHaveLength(1);
    const expired = (await m.store.listActions({ service: 'web', state: 'skipped' })).items;
    expect(expired.length).toBeGreaterThanOrEqual(1);
    const journal = await m.store.journal(expired.at(-1)!.id);
    expect(journal.at(-1)?.message).toContain('expired');
    expect(sent().some((n) => n.event === 'action.expired')).toBe(true);
    const incident = (await m.store.activeIncident('web'))!;
    const timeline = await m.store.timeline(incident.id);
    expect(timeline.map((t) => t.message).join('\n')).toContain('decided again');

    // The expired one stays expired (409); the new one runs when approved.
    await expect(m.engine.approve(expired.at(-1)!.id, 'alice')).rejects.toThrow(/skipped/);
    await m.engine.approve(waiting.items[0]!.id, 'alice');
    await waitFor('web healed', () => existsSync(marker), 15_000);
    await waitFor(
      'the approved heal verified',
      async () => (await m.store.getAction(waiting.items[0]!.id))?.state === 'verified',
      15_000,
    );
  }, 60_000);
});
