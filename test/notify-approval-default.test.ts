import { afterEach, describe, expect, it } from 'vitest';
import { notifierSchema } from '../src/config/index.js';
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

describe('a notifier with the default events', () => {
  it('hears of a heal waiting for approval, as it hears of an escalation', async () => {
    hook = await startReceiver();
    const dir = await tempDir();
    // A check that always fails, a playbook that waits for a human, and a webhook that names no `events`.
    await start(
      dir,
      `services:
  web:
    checks:
      - command: { command: [${JSON.stringify(process.execPath)}, -e, "process.exit(1)"] }
        interval: 500ms
        timeout: 500ms
        down_after: 1
playbooks:
  restart-web:
    when: { service: web, kind: down }
    autonomy: approve
    steps:
      - exec: { command: [${JSON.stringify(process.execPath)}, -e, "0"] }
notifiers:
  - webhook: { url: "${hook.url}" }
    group_wait: 0s # the expiry at once too (it can wait by default)
    group_interval: 0s
store: { dir: ./data }
`,
    );
    const received = hook.received;
    const approval = await waitFor(
      'an approval request at the webhook',
      () => received.map((r) => r.body as Notification).find((n) => n.event === 'action.awaiting_approval'),
      20_000,
    );
    expect(approval).toMatchObject({
      service: 'web',
      key: expect.stringMatching(/^action\.awaiting_approval\|/),
    });
    expect(approval.data).toMatchObject({ approve: { cli: expect.stringMatching(/^medic approve act_/) } });
    expect(notifierSchema.parse({ log: {} }).events).toEqual(
      expect.arrayContaining(['incident.escalated', 'action.awaiting_approval', 'action.expired']),
    );
  });
});
