import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunConfig, runSchema } from '../config/index.js';
import { Bus, RealClock, type Signal } from '../core/index.js';
import { tempDirSync } from '../core/temp-dir.fixture.js';
import { pidfilePath, writePidfile } from './pidfiles.js';
import { portHolders } from './port-holders.js';
import { isAlive } from './probes/procfs.js';
import { Supervisor } from './supervisor.js';

const node = process.execPath;
const KEEP_ALIVE = 'setInterval(() => {}, 1000);';

let dataDir: string;
let bus: Bus;
let signals: Signal[];
let sup: Supervisor;
const strays: number[] = [];

beforeEach(() => {
  dataDir = tempDirSync('medic-sup-');
  bus = new Bus();
  signals = [];
  bus.on('signal', (s) => signals.push(s));
  sup = new Supervisor({ clock: new RealClock(), bus, dataDir, baseDir: dataDir, logLines: 3 });
});

afterEach(async () => {
  await sup.stopAll();
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
});

const run = (script: string, extra: Record<string, unknown> = {}): RunConfig =>
  runSchema.parse({ command: [node, '-e', script], ...extra });

function nextExit(service: string): Promise<Extract<Signal, { kind: 'exit' }>> {
  return new Promise((resolve) => {
    const off = bus.on('signal', (s) => {
      if (s.kind === 'exit' && s.service === service) {
        off();
        resolve(s);
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function until(cond: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('Supervisor', () => {
  it('starts a service, captures its logs, writes a pidfile, and stops it as expected', async () => {
    const cfg = run(`console.log('hello'); console.error('warn: ' + process.env.GREETING); ${KEEP_ALIVE}`, {
      env: { GREETING: 'hi' },
    });
    const pid = await sup.start('api', cfg);
    expect(sup.pid('api')).toBe(pid);
    expect(sup.running('api')).toBe(true);
    expect(signals[0]).toMatchObject({ kind: 'start', service: 'api', pid });
    const file = pidfilePath(dataDir, 'api');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid, argv: cfg.command });

    await until(() => sup.recentLogs('api').length === 2);
    expect(sup.recentLogs('api').sort()).toEqual(['hello', 'warn: hi']);
    expect(signals).toContainEqual(
      expect.objectContaining({ kind: 'log', stream: 'stderr', line: 'warn: hi' }),
    );

    const lines = sup.recentLines('api');
    expect(lines.map((l) => [l.stream, l.line, l.pid]).sort()).toEqual([
      ['stderr', 'warn: hi', pid],
      ['stdout', 'hello', pid],
    ]);
    expect(lines.every((l) => l.at > 0)).toBe(true);
    expect(sup.lastLines('api', pid)).toEqual(['warn: hi']);

    const exit = nextExit('api');
    await sup.stop('api');
    expect(await exit).toMatchObject({ service: 'api', pid, code: null, signal: 'SIGTERM', expected: true });
    expect(sup.running('api')).toBe(false);
    expect(sup.pid('api')).toBeNull();
    expect(existsSync(file)).toBe(false);
  });

  it('reports an unexpected exit with its code, or the signal that killed it', async () => {
    const crashed = nextExit('job');
    await sup.start('job', run('setTimeout(() => process.exit(3), 50)'));
    expect(await crashed).toMatchObject({ code: 3, signal: null, expected: false });

    const pid = await sup.start('job', run(KEEP_ALIVE));
    const killed = nextExit('job');
    process.kill(pid, 'SIGKILL');
    expect(await killed).toMatchObject({ pid, code: null, signal: 'SIGKILL', expected: false });
    // It does not restart by itself.
    await sleep(100);
    expect(sup.running('job')).toBe(false);
  });

  it('restarts with the same config and a new pid', async () => {
    const first = await sup.start('api', run(KEEP_ALIVE));
    const exit = nextExit('api');
    const second = await sup.restart('api');
    expect(second).not.toBe(first);
    expect(await exit).toMatchObject({ pid: first, expected: true });
    expect(sup.pid('api')).toBe(second);
    expect(signals.filter((s) => s.kind === 'start').map((s) => (s as { pid: number }).pid)).toEqual([
      first,
      second,
    ]);
    await expect(sup.start('api', run(KEEP_ALIVE))).rejects.toThrow('api is already running');
  });

  it('escalates to SIGKILL when SIGTERM is ignored, and stops a SIGSTOPped process', async () => {
    await sup.start(
      'stubborn',
      run(`process.on('SIGTERM', () => console.log('ignored')); console.log('ready'); ${KEEP_ALIVE}`),
    );
    await until(() => sup.recentLogs('stubborn').includes('ready'));
    const exit = nextExit('stubborn');
    await sup.stop('stubborn', { timeoutMs: 200 });
    expect(await exit).toMatchObject({ signal: 'SIGKILL', expected: true });

    const pid = await sup.start('frozen', run(KEEP_ALIVE));
    process.kill(pid, 'SIGSTOP');
    const frozenExit = nextExit('frozen');
    await sup.stop('frozen', { timeoutMs: 5_000 });
    expect(await frozenExit).toMatchObject({ signal: 'SIGTERM', expected: true });
  });

  it('keeps only the last N log lines', async () => {
    await sup.start('chatty', run(`for (let i = 1; i <= 10; i++) console.log('line ' + i); ${KEEP_ALIVE}`));
    await until(() => sup.recentLogs('chatty').includes('line 10'));
    expect(sup.recentLogs('chatty')).toEqual(['line 8', 'line 9', 'line 10']);
  });

  it('rejects with a clear error when the command does not exist', async () => {
    await expect(
      sup.start('ghost', runSchema.parse({ command: ['/no/such/binary', '--x'] })),
    ).rejects.toThrow('cannot start ghost: /no/such/binary: command not found');
    expect(sup.running('ghost')).toBe(false);
    await expect(sup.start('ghost', run(KEEP_ALIVE, { cwd: 'missing-dir' }))).rejects.toThrow(
      /working directory/,
    );
  });

  it('reaps an orphan left by an earlier Medic before starting a new copy', async () => {
    const cfg = run(`${KEEP_ALIVE} /* orphan */`);
    const orphan = spawn(cfg.command[0] as string, cfg.command.slice(1), { stdio: 'ignore', detached: true });
    const orphanPid = orphan.pid as number;
    strays.push(orphanPid);
    writePidfile(pidfilePath(dataDir, 'api'), { pid: orphanPid, argv: cfg.command });
    await until(() => isAlive(orphanPid));

    const pid = await sup.start('api', cfg);
    expect(pid).not.toBe(orphanPid);
    expect(await isAlive(orphanPid)).toBe(false);
    expect(JSON.parse(readFileSync(pidfilePath(dataDir, 'api'), 'utf8')).pid).toBe(pid);
  });

  it('leaves alone a pid from the pidfile that now runs something else', async () => {
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    const otherPid = other.pid as number;
    strays.push(otherPid);
    const cfg = run(KEEP_ALIVE);
    writePidfile(pidfilePath(dataDir, 'api'), { pid: otherPid, argv: cfg.command });
    await sup.start('api', cfg);
    expect(await isAlive(otherPid)).toBe(true);
  });

  describe('a port held before a start (run.ports)', () => {
    const LISTEN = `require('node:net').createServer().listen(Number(process.argv[1]), '127.0.0.1', () => console.log('up')); ${KEEP_ALIVE}`;

    async function holdPort(argv: string[], cwd: string): Promise<number> {
      const child = spawn(argv[0] as string, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
      strays.push(child.pid as number);
      await new Promise((r) => child.stdout?.once('data', r));
      return child.pid as number;
    }

    it('stops a stray copy of the service (same argv, same cwd) and starts in its place', async () => {
      const port = await freePort();
      const cfg = run(LISTEN, { ports: [port] });
      cfg.command.push(String(port));
      const stray = await holdPort(cfg.command, dataDir);
      const logged: string[] = [];
      sup = new Supervisor({
        clock: new RealClock(),
        bus,
        dataDir,
        baseDir: dataDir,
        log: (m) => logged.push(m),
      });

      const pid = await sup.start('api', cfg);
      expect(await isAlive(stray)).toBe(false);
      expect(sup.startNotes('api')).toEqual([
        `stopped a stray copy of api (pid ${stray}) that held port ${port}`,
      ]);
      expect(logged).toEqual(sup.startNotes('api'));
      await until(async () => (await portHolders(port)).includes(pid));
    });

    it('leaves alone another program on the port, and names it', async () => {
      const port = await freePort();
      const cfg = run(LISTEN, { ports: [port] });
      cfg.command.push(String(port));
      const other = await holdPort([node, '-e', `${LISTEN} /* another program */`, String(port)], dataDir);
      await expect(sup.start('api', cfg)).rejects.toThrow(
        new RegExp(`^cannot start api: port ${port} is held by pid ${other} `),
      );
      expect(sup.running('api')).toBe(false);
      expect(sup.startNotes('api')).toEqual([
        expect.stringMatching(
          new RegExp(
            // The program's name only: its arguments are its own business (they may hold secrets).
            `^port ${port} is held by pid ${other} \\(node\\), not a copy of api: left alone$`,
          ),
        ),
      ]);
      expect(await isAlive(other)).toBe(true);
    });

    it("stops a leftover of the service's last run (its process group) still holding the port", async () => {
      const port = await freePort();
      // A wrapper whose child listens and drains for 3 s after SIGTERM, while the wrapper exits at once: a
      // stop returns when the wrapper is gone, with the port still held by the child.
      const child = `process.on('SIGTERM', () => setTimeout(() => process.exit(0), 3000)); ${LISTEN}`;
      const wrapper = `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}, '${port}'], { stdio: 'inherit' }); process.on('SIGTERM', () => process.exit(0)); ${KEEP_ALIVE}`;
      const cfg = run(wrapper, { ports: [port] });
      await sup.start('api', cfg);
      await until(async () => (await portHolders(port)).length > 0);
      const [drainer] = await portHolders(port);
      await sup.stop('api');
      expect(await isAlive(drainer!)).toBe(true); // still draining, still on the port
      const pid = await sup.start('api', cfg);
      // Its process group is the service: what is left of it goes before the next start, port or not.
      expect(sup.startNotes('api')).toEqual([`stopped a leftover of api's last run (pid ${drainer})`]);
      expect(await isAlive(drainer!)).toBe(false);
      await until(async () => {
        const [holder] = await portHolders(port);
        return holder !== undefined && holder !== drainer;
      });
      expect(sup.pid('api')).toBe(pid);
    });

    it('leaves alone the same command run from another directory', async () => {
      const port = await freePort();
      const cfg = run(LISTEN, { ports: [port] });
      cfg.command.push(String(port));
      const elsewhere = tempDirSync('medic-sup-other-');
      const other = await holdPort(cfg.command, elsewhere);
      await expect(sup.start('api', cfg)).rejects.toThrow(/not a copy of api: left alone/);
      expect(await isAlive(other)).toBe(true);
    });
  });
});

describe("a dying process's last words", () => {
  it('are there when its exit is reported, and its run is remembered', async () => {
    // Lines written just before exiting, within what a pipe holds (beyond it, a child's process.exit() drops
    // what it could not write yet: lost by the child, not by the supervisor).
    const script = `for (let i = 0; i < 30; i++) process.stderr.write('E' + i + ' ' + 'x'.repeat(100) + '\\n'); process.exit(7);`;
    const exit = nextExit('dies');
    const pid = await sup.start('dies', run(script));
    expect(await exit).toMatchObject({ code: 7 });
    // The ring keeps 3 lines in this suite: the last three, all there when the exit was announced.
    expect(sup.lastLines('dies', pid).map((l) => l.split(' ')[0])).toEqual(['E27', 'E28', 'E29']);
    const [r] = sup.recentRuns('dies');
    expect(r).toMatchObject({ pid, code: 7, signal: null });
    expect(r?.exitedAt).toBeGreaterThanOrEqual(r?.startedAt ?? Number.POSITIVE_INFINITY);
  });
});

describe('a leader that dies leaves no workers behind', () => {
  // The leader forks a worker into its process group; the worker ignores SIGTERM, as a busy one may.
  const leaderWithWorker = `
    const { spawn } = require('node:child_process');
    const w = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('worker ' + process.pid); setInterval(() => {}, 1000);"], { stdio: ['ignore', 'inherit', 'inherit'] });
    ${KEEP_ALIVE}`;

  it('a worker that survives its leader is stopped before the next start', async () => {
    const cfg = run(leaderWithWorker, { stop_timeout: '300ms' });
    const pid = await sup.start('svc', cfg);
    const worker = await (async () => {
      for (let i = 0; i < 100; i++) {
        const line = sup.recentLogs('svc').find((l) => l.startsWith('worker '));
        if (line) return Number(line.split(' ')[1]);
        await sleep(50);
      }
      throw new Error('the worker never started');
    })();
    strays.push(worker);
    const exit = nextExit('svc');
    process.kill(pid, 'SIGKILL');
    await exit;
    expect(await isAlive(worker)).toBe(true); // it ignored the SIGTERM its group got
    await sup.start('svc', cfg);
    expect(await isAlive(worker)).toBe(false);
    expect(sup.startNotes('svc')).toEqual([`stopped a leftover of svc's last run (pid ${worker})`]);
  });
});
