import { afterEach, describe, expect, it } from 'vitest';
import { EmailNotifier, type EmailOptions } from './email.js';
import { notification } from './notify.fixture.js';
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

  it('fails when a recipient is refused', async () => {
    smtp = await startSmtp(['lead@example.com']);
    const err = await mailer()
      .send(notification())
      .catch((e: Error) => e);
    expect(String(err)).toMatch(/lead@example\.com/);
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
