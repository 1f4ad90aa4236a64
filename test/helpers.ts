import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Bus, SimulatedClock } from '../src/core/index.js';
import { tempDir } from '../src/core/temp-dir.fixture.js';
import type { ServiceStatus } from '../src/daemon/index.js';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const DEMO = path.join(ROOT, 'examples/demo-service/server.mjs');
export const CLI = path.join(ROOT, 'src/cli/main.ts');

/** A temporary directory, removed after the test file (see src/core/temp-dir.fixture.ts). */
export { tempDir };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls until `fn` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

export interface DemoConfigOptions {
  demoPort: number;
  apiPort?: number;
  env?: Record<string, string>;
  extra?: string;
  policy?: string;
  interval?: string;
  /** Declare the demo's port in `run.ports` (a stray copy holding it is stopped before a start). */
  ports?: boolean;
}

/** A medic.yaml supervising the demo service, with a restart playbook. */
export function demoConfig(o: DemoConfigOptions): string {
  const env = Object.entries({ PORT: String(o.demoPort), ...o.env })
    .map(([k, v]) => `        ${k}: ${JSON.stringify(v)}`)
    .join('\n');
  return `services:
  demo:
    run:
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(DEMO)}]
      env:
${env}
      stop_timeout: 10s${o.ports ? `\n      ports: [${o.demoPort}]` : ''}
    checks:
      - name: health
        http: { url: "http://127.0.0.1:${o.demoPort}/health" }
        interval: ${o.interval ?? '500ms'}
        timeout: 400ms
        down_after: 2
playbooks:
  restart-demo:
    when: { service: demo, kind: down }
    steps:
      - restart: {}
    verify: { within: 15s, stable_for: 500ms }
policy:
${o.policy ?? '  backoff: { initial: 1s }'}
notifiers: []
server: { host: 127.0.0.1, port: ${o.apiPort ?? 0} }
store: { dir: ./data }
${o.extra ?? ''}`;
}

export async function writeDemoConfig(dir: string, o: DemoConfigOptions): Promise<string> {
  const file = path.join(dir, 'medic.yaml');
  await writeFile(file, demoConfig(o));
  return file;
}

/** Starts `medic run` as a real process. */
export function startMedicProcess(
  configFile: string,
  extraEnv: Record<string, string> = {},
): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, MEDIC_LOG_LEVEL: 'info', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  return Object.assign(child, { output: () => out });
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The first service of a running daemon's status, when it is healthy (for `waitFor`). */
export async function firstServiceHealthy(api: string): Promise<ServiceStatus | null> {
  const { services } = await getJson<{ services: ServiceStatus[] }>(`${api}/api/status`);
  return services[0]?.health === 'healthy' ? services[0] : null;
}

export async function countStarts(stateFile: string): Promise<number> {
  const text = await readFile(stateFile, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.includes('"start"')).length;
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Follows one supervised service's process on the bus, for a test that moves a SimulatedClock while real
 * child processes start and die. `settling()` is true from a restart's intent (or a start) until Medic has
 * judged the exit of the process it started: the unexpected exit was heard and its health change to down
 * sent, after the finding it made was handled. A start that fails ends it too. For a service whose process
 * check is its only check: with another check already down, no health change follows the exit, and a test
 * waiting on `settling()` times out.
 */
export function followProcess(bus: Bus, service: string): { settling(): boolean; off(): void } {
  let state: 'idle' | 'starting' | 'running' | 'exited' = 'idle';
  const offs = [
    bus.on('action', (a) => {
      if (a.service !== service || a.kind !== 'restart') return;
      if (a.state === 'planned' && state === 'idle') state = 'starting';
      // Sent for approval, refused, failed, or applied with no process started: nothing is starting.
      else if (a.state !== 'planned' && a.state !== 'backed_up' && state === 'starting') state = 'idle';
    }),
    bus.on('signal', (s) => {
      if (s.service !== service) return;
      if (s.kind === 'start') state = 'running';
      else if (s.kind === 'exit' && state === 'running') state = s.expected ? 'idle' : 'exited';
    }),
    bus.on('health', (h) => {
      if (h.service === service && h.to === 'down' && state === 'exited') state = 'idle';
    }),
  ];
  return {
    settling: () => state !== 'idle',
    off: () => {
      for (const off of offs) off();
    },
  };
}

/**
 * Waits (real time) while `settling()` says a real event is under way, for a test that moves a SimulatedClock:
 * the machine's speed never turns into simulated time. Fails after `timeoutMs` rather than hang.
 */
export async function settled(settling: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (settling()) {
    if (Date.now() > deadline) throw new Error(`still settling after ${timeoutMs} ms (real)`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Advances simulated time by `ms` in steps of `step`; after each, real time gets a turn, then as many as
 * `settled` takes. Without the wait, a start that takes 300 ms on a loaded machine, in 1-second steps of 5
 * real milliseconds each, reads as a process up for most of a simulated minute.
 */
export async function advanceSettled(
  clock: SimulatedClock,
  ms: number,
  step: number,
  settling: () => boolean,
): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await clock.advance(step);
    await new Promise((r) => setTimeout(r, 5));
    await settled(settling);
  }
}

/** A webhook body as Medic posts it, with when it arrived (Date.now()). */
export interface ReceivedWebhook {
  event: string;
  service: string;
  message: string;
  t: number;
}

/** A local receiver of Medic's webhook notifications (the real wire format, posted by the real client). */
export async function webhookReceiver(): Promise<{
  url: string;
  got: ReceivedWebhook[];
  events: () => ReceivedWebhook[];
  close(): void;
}> {
  const got: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      got.push({ ...JSON.parse(body), t: Date.now() });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    events: () => got,
    close: () => server.close(),
  };
}
