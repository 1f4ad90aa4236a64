import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';

/** A message as a local SMTP server received it (test helper, not exported from index.ts). */
export interface SmtpMessage {
  from: string;
  to: string[];
  data: string;
  auth: { user: string; pass: string } | null;
}

export interface SmtpServer {
  port: number;
  messages: SmtpMessage[];
  close(): Promise<void>;
}

/**
 * Just enough SMTP (RFC 5321) to take a message from nodemailer: EHLO with AUTH PLAIN/LOGIN, MAIL, RCPT,
 * DATA with dot-unstuffing, RSET, NOOP, QUIT. Recipients in `refuse` get 550. No STARTTLS is offered.
 */
export async function startSmtp(refuse: readonly string[] = []): Promise<SmtpServer> {
  const messages: SmtpMessage[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    let inData = false;
    let loginStep: 'user' | 'pass' | null = null;
    let loginUser = '';
    let auth: SmtpMessage['auth'] = null;
    let current: { from: string; to: string[] } = { from: '', to: [] };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 localhost ESMTP medic-test');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const data = buffer.slice(0, end).replace(/^\.\./gm, '.');
          buffer = buffer.slice(end + 5);
          inData = false;
          messages.push({ ...current, data, auth });
          current = { from: '', to: [] };
          reply('250 2.0.0 Ok: queued');
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (loginStep === 'user') {
          loginUser = Buffer.from(line, 'base64').toString();
          loginStep = 'pass';
          reply(`334 ${Buffer.from('Password:').toString('base64')}`);
          continue;
        }
        if (loginStep === 'pass') {
          auth = { user: loginUser, pass: Buffer.from(line, 'base64').toString() };
          loginStep = null;
          reply('235 2.7.0 Authentication successful');
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') {
          reply('250-localhost');
          reply('250-AUTH PLAIN LOGIN');
          reply('250 8BITMIME');
        } else if (verb === 'AUTH') {
          const [, mech, initial] = line.split(' ');
          if (mech?.toUpperCase() === 'PLAIN' && initial) {
            const [, user = '', pass = ''] = Buffer.from(initial, 'base64').toString().split('\0');
            auth = { user, pass };
            reply('235 2.7.0 Authentication successful');
          } else if (mech?.toUpperCase() === 'LOGIN') {
            loginStep = 'user';
            reply(`334 ${Buffer.from('Username:').toString('base64')}`);
          } else reply('504 5.5.4 Unrecognized authentication type');
        } else if (verb === 'MAIL') {
          current.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 2.1.0 Ok');
        } else if (verb === 'RCPT') {
          const to = /<([^>]*)>/.exec(line)?.[1] ?? '';
          if (refuse.includes(to)) reply('550 5.1.1 No such user');
          else {
            current.to.push(to);
            reply('250 2.1.5 Ok');
          }
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 End data with <CR><LF>.<CR><LF>');
        } else if (verb === 'RSET') {
          current = { from: '', to: [] };
          reply('250 2.0.0 Ok');
        } else if (verb === 'NOOP') reply('250 2.0.0 Ok');
        else if (verb === 'QUIT') {
          reply('221 2.0.0 Bye');
          socket.end();
        } else reply('502 5.5.2 Command not recognized');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Decodes a quoted-printable body part, enough to read what nodemailer wrote. */
export function decodeQuotedPrintable(s: string): string {
  const bytes = Buffer.from(
    s
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
    'latin1',
  );
  return bytes.toString('utf8');
}
