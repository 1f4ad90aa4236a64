import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDirSync } from '../core/temp-dir.fixture.js';

const FIXTURE = join(import.meta.dirname, 'notify-socket.fixture.py');
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * The notification socket as a test binds it: a unix datagram socket; each datagram's fields in order, and
 * when each was read.
 */
export async function notifySocket(): Promise<{
  path: string;
  received: string[][];
  times: number[];
  close(): void;
}> {
  const path = join(tempDirSync('medic-notify-'), 'notify.sock');
  const child: ChildProcess = spawn(PYTHON, [FIXTURE, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const received: string[][] = [];
  const times: number[] = [];
  let buf = '';
  const listening = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the notify socket fixture exited (${code})`)));
    child.stdout?.on('data', (c: Buffer) => {
      buf += c.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, nl)) as { listening?: string; fields?: string[] };
        buf = buf.slice(nl + 1);
        if (msg.listening) resolve();
        // The barrier is systemd-notify's wait for the message to be taken, not a notification.
        if (msg.fields && msg.fields.join() !== 'BARRIER=1') {
          received.push(msg.fields);
          times.push(Date.now());
        }
      }
    });
  });
  await listening;
  return { path, received, times, close: () => child.kill('SIGKILL') };
}
