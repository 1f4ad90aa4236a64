import type nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Logger } from 'pino';
import { type MessageParts, messageParts, plainText } from './format.js';
import type { Notification, Notifier } from './notifier.js';

export interface EmailOptions {
  name: string;
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  secure?: boolean;
  /** Refuse to send unencrypted (STARTTLS must succeed). */
  requireTLS?: boolean;
  auth?: { user: string; pass: string };
  from: string;
  to: readonly string[];
  /** Connect, greeting and idle timeouts alike (default 10 s). */
  timeoutMs?: number;
  linkBase?: string;
  /** Where a partial delivery (some recipients refused) is recorded as a warning. */
  logger?: Logger;
}

type Transport = nodemailer.Transporter<SMTPTransport.SentMessageInfo>;

let mailer: Promise<typeof nodemailer> | undefined;

/** nodemailer loads on the first message, not with the daemon: every fork of the daemon pays for it. */
function loadNodemailer(): Promise<typeof nodemailer> {
  mailer ??= import('nodemailer').then((m) => m.default);
  return mailer;
}

/** E-mail over SMTP with nodemailer: a plain-text body and the same in simple HTML. */
export class EmailNotifier implements Notifier {
  readonly name: string;
  private readonly smtp: SMTPTransport.Options;
  private transport: Promise<Transport> | null = null;

  constructor(private readonly opts: EmailOptions) {
    this.name = opts.name;
    const timeout = opts.timeoutMs ?? 10_000;
    this.smtp = {
      host: opts.host,
      port: opts.port,
      secure: opts.secure ?? false,
      requireTLS: opts.requireTLS ?? false,
      auth: opts.auth,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    };
  }

  private transporter(): Promise<Transport> {
    this.transport ??= loadNodemailer().then((m) => m.createTransport(this.smtp));
    return this.transport;
  }

  async send(n: Notification): Promise<void> {
    const p = messageParts(n, this.opts.linkBase);
    const info = await this.transporter()
      .then((t) =>
        t.sendMail({
          from: this.opts.from,
          to: [...this.opts.to],
          subject: `[Medic] ${p.headline}`,
          text: plainText(p),
          html: html(p),
          headers: n.incidentId ? { 'X-Medic-Incident': n.incidentId } : {},
        }),
      )
      .catch((err: unknown) => {
        throw new Error(
          `email ${this.name} (${this.opts.host}:${this.opts.port}): ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      });
    // Refused for every recipient, nodemailer rejects (above). Refused for some only, it was delivered: a
    // retry would send it again to those who got it (up to 20 times), and the refusal (a mistyped or closed
    // address) does not go away by retrying. So it counts as sent, with a warning naming who missed it.
    if (info.rejected.length > 0) {
      this.opts.logger?.warn(
        {
          notifier: this.name,
          event: n.event,
          service: n.service,
          rejected: info.rejected.map(String),
          accepted: info.accepted.map(String),
        },
        'email delivered, but refused for some recipients',
      );
    }
  }

  close(): void {
    // Nothing to close before the first message; a transport that failed to load has nothing either.
    void this.transport?.then(
      (t) => t.close(),
      () => {},
    );
  }
}

function html(p: MessageParts): string {
  const e = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const parts = [`<h2>${e(p.headline)}</h2>`, `<p>${e(p.what)}</p>`];
  if (p.did.length > 0)
    parts.push('<h3>What Medic did</h3>', `<ul>${p.did.map((d) => `<li>${e(d)}</li>`).join('')}</ul>`);
  if (p.waitingFor) parts.push(`<p><strong>Waiting for:</strong> ${e(p.waitingFor)}</p>`);
  parts.push(
    `<table>${p.facts.map(([k, v]) => `<tr><th align="left">${e(k)}</th><td>${e(v)}</td></tr>`).join('')}</table>`,
  );
  if (p.link)
    parts.push(
      `<p><a href="${e(p.link)}">${e(p.linkText === 'Open incident' ? 'Open the incident' : p.linkText)}</a></p>`,
    );
  return `<!doctype html><html><body>${parts.join('\n')}</body></html>`;
}
