import { type ChildProcess, spawn } from 'node:child_process';
import { type Fault, signal, urlOf } from './fault.js';

/** A squatter per port: a separate process (never this one, which may be Medic itself). */
const squatters = new Map<number, ChildProcess>();

// Retries every few milliseconds until the port is free, then holds it and answers nothing.
const SQUATTER = `
const net = require('node:net');
const [port, host] = [Number(process.argv[1]), process.argv[2]];
const tryListen = () => {
  const srv = net.createServer(() => {});
  srv.once('error', () => setTimeout(tryListen, 2));
  srv.listen(port, host, () => process.stdout.write('listening\\n'));
};
tryListen();
`;

/**
 * Another program takes the service's port while it is down. A safety drill: Medic does not kill a program it
 * cannot prove is its own, so the right ending is a capped number of failed restarts, then an escalation to
 * a human, with the holder named. (`drill all` runs it with --with-escalations.)
 */
export const portSquatterFault: Fault = {
  name: 'port-squatter',
  description: 'SIGKILL the service and let another program take its port before it restarts',
  needs: ['url'],
  outcome: 'escalated',
  expectCause: ['process_crashed'],
  async inject(t) {
    const url = new URL(urlOf(t, 'port-squatter'));
    const port = Number(url.port || 80);
    const child = spawn(process.execPath, ['-e', SQUATTER, String(port), url.hostname], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    squatters.set(port, child);
    await new Promise((r) => setTimeout(r, 300)); // the squatter is up and polling
    const listening = new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
    signal(t.pid, 'SIGKILL');
    await Promise.race([listening, new Promise((r) => setTimeout(r, 3_000))]);
  },
  async undo(t) {
    const port = Number(new URL(urlOf(t, 'port-squatter')).port || 80);
    const child = squatters.get(port);
    squatters.delete(port);
    if (child?.pid && child.exitCode === null) signal(child.pid, 'SIGKILL');
  },
};
