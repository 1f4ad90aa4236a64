import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../core/index.js';
import { openSqliteStore } from '../store/index.js';
import { EmailNotifier, type EmailOptions } from './email.js';
import { memoryLogger, notification } from './notify.fixture.js';
import { Outbox } from './outbox.js';
import { decodeQuotedPrintable, type SmtpServer, startSmtp } from './smtp.fixture.js';

let smtp: SmtpServer | undefined;
const mailers: EmailNotifier[] = [];
afterEach(async () => {
  for (const m of mailers.splice(0)) m.close();
  await smtp?.close();
  smtp = undefined;
});

function mailer(over: Partial<EmailOptions> = {}): EmailNotifier {
  const m = new EmailNotifier({
    name: 'ops-mail',
    host: '127.0.0.1',
    port: smtp!.port,
    from: 'medic@example.com',
    to: ['oncall@example.com', 'lead@example.com'],
    timeoutMs: 2000,
    linkBase: 'http://medic:7070',
    ...over,
  });
  mailers.push(m);
  return m;
}

describe('EmailNotifier', () => {
  it('delivers over SMTP with auth, a plain-text and an HTML part', async () => {
    smtp = await startSmtp();
    await mailer({ auth: { user: 'medic', pass: 'app-password' } }).send(
      notification({ data: { did: ['restarted db'], waitingFor: 'db to stay healthy for 30s' } }),
    );
    expect(smtp.messages).toHaveLength(1);
    const m = smtp.messages[0]!;
    expect(m.from).toBe('medic@example.com');
    expect(m.to).toEqual(['oncall@example.com', 'lead@example.com']);
    expect(m.auth).toEqual({ user: 'medic', pass: 'app-password' });
    expect(m.data).toMatch(/^Subject: \[Medic\] api is down$/m);
    expect(m.data).toMatch(/^X-Medic-Incident: inc_1$/m);
    expect(m.data).toMatch(/^Content-Type: multipart\/alternative/m);
    const body = decodeQuotedPrintable(m.data);
    expect(body).toContain('What Medic did:\r\n- restarted db');
    expect(body).toContain('Waiting for: db to stay healthy for 30s');
    expect(body).toContain('Open the incident: http://medic:7070/incidents/inc_1');
    expect(body).toContain('<h3>What Medic did</h3>');
  });

  it('counts a message refused for one recipient as delivered, once, with a warning naming who missed it', async () => {
    smtp = await startSmtp(['lead@example.com']);
    const { logger, lines } = memoryLogger();
    const store = await openSqliteStore({ dir: ':memory:' });
    const m = mailer({ logger });
    const outbox = new Outbox({
      store,
      clock: new RealClock(),
      logger,
      replica: { id: 'r1', expiryMs: 10_000, canAct: () => true },
      channel: () => m,
    });
    try {
      outbox.start();
      await outbox.enqueue('ops-mail', notification());
      const deadline = Date.now() + 5_000;
      while ((await store.notificationCounts()).delivered === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(await store.notificationCounts()).toMatchObject({ delivered: 1, pending: 0, dead: 0 });
      expect(smtp.messages.map((x) => x.to)).toEqual([['oncall@example.com']]);
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 40,
          notifier: 'ops-mail',
          rejected: ['lead@example.com'],
          msg: 'email delivered, but refused for some recipients',
        }),
      );
    } finally {
      await outbox.stop();
      await store.close();
    }
  });

  it('fails when every recipient is refused', async () => {
    smtp = await startSmtp(['oncall@example.com', 'lead@example.com']);
    await expect(mailer().send(notification())).rejects.toThrow(/email ops-mail .*recipients were rejected/);
    expect(smtp.messages).toEqual([]);
  });

  it('reports a server that is not there', async () => {
    smtp = await startSmtp();
    const port = smtp.port;
    await smtp.close();
    smtp = undefined;
    const m = new EmailNotifier({
      name: 'x',
      host: '127.0.0.1',
      port,
      from: 'a@b.c',
      to: ['d@e.f'],
      timeoutMs: 1000,
    });
    mailers.push(m);
    await expect(m.send(notification())).rejects.toThrow(/email x \(127\.0\.0\.1:\d+\): .*ECONNREFUSED/);
  });
});
