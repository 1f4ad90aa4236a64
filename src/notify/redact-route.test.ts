import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { notifierSchema } from '../config/index.js';
import { RealClock } from '../core/index.js';
import { openSqliteStore, type SqliteStore } from '../store/index.js';
import { notification, type Receiver, startReceiver } from './notify.fixture.js';
import { Outbox } from './outbox.js';
import { NotifyRouter } from './router.js';

/** Secrets only core's newer rules knew: each must be gone from the outbox row and from what is sent. */
const SECRETS = {
  flag: 'pg_dump --password hunter2x ran',
  glued: 'mysql -pTopSecret9 -u root',
  json: '{"pass": "jsonpass77"}',
  slack: 'posting to https://hooks.slack.com/services/T000/B000/XXXXslackpath',
  medic: 'token medic_0123456789ab_AbCdEfGhIjKlMnOpQrSt used',
  pagerduty: 'routing 0a1b2c3d4e5f60718293a4b5c6d7e8f9 refused',
  openai: 'key sk-proj-abcdefghijklmnopqrstuvwxyz012345 in env',
};
const LEAKS = [
  'hunter2x',
  'TopSecret9',
  'jsonpass77',
  'XXXXslackpath',
  'AbCdEfGhIjKlMnOpQrSt',
  '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  'abcdefghijklmnopqrstuvwxyz012345',
];

let store: SqliteStore | undefined;
let outbox: Outbox | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await outbox?.stop();
  await store?.close();
  await receiver?.close();
});

describe('notify redaction (core rules through the router and the outbox)', () => {
  it('stores and sends escalation reasons, summaries and evidence lines with every secret masked', async () => {
    receiver = await startReceiver();
    store = await openSqliteStore({ dir: ':memory:' });
    const logger = pino({ level: 'silent' });
    const configs = [
      notifierSchema.parse({
        name: 'hook',
        webhook: { url: receiver.url },
        group_wait: 0,
        group_interval: 0,
      }),
      notifierSchema.parse({ name: 'chat', slack: { url: receiver.url }, group_wait: 0, group_interval: 0 }),
    ];
    let router: NotifyRouter | undefined;
    const box = new Outbox({
      store,
      clock: new RealClock(),
      logger,
      replica: { id: 'r1', expiryMs: 10_000, canAct: () => true },
      channel: (name) => router?.channel(name),
    });
    outbox = box;
    router = new NotifyRouter(configs, logger, { sink: box });
    box.start();
    await router.send(
      notification({
        title: `api escalated: ${SECRETS.flag}`,
        message: `${SECRETS.glued}; ${SECRETS.slack}`,
        data: {
          reason: SECRETS.json,
          summary: SECRETS.medic,
          evidence: { lines: [SECRETS.pagerduty, SECRETS.openai] },
        },
      }),
    );
    const stored = (await store.listNotifications({})).items;
    expect(stored).toHaveLength(2);
    const deadline = Date.now() + 5_000;
    while (receiver.received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(receiver.received).toHaveLength(2);
    const texts = [JSON.stringify(stored.map((s) => s.payload)), JSON.stringify(receiver.received)];
    for (const text of texts) {
      for (const leak of LEAKS) expect(text).not.toContain(leak);
      // The names that say what was masked stay.
      expect(text).toContain('medic_0123456789ab_***');
      expect(text).toContain('hooks.slack.com/services/***');
    }
  });
});
