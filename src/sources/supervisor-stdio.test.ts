import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runSchema } from '../config/index.js';
import { Bus, RealClock, type Signal } from '../core/index.js';
import { tempDirSync } from '../core/temp-dir.fixture.js';
import { Supervisor } from './supervisor.js';

/** What a supervised process is given: real pipes for its output (issue 15, item 13), and no secrets (item 5). */

let dir: string;
let signals: Signal[];
let sup: Supervisor;

beforeEach(() => {
  dir = tempDirSync('medic-stdio-');
  const bus = new Bus();
  signals = [];
  bus.on('signal', (s) => signals.push(s));
  sup = new Supervisor({ clock: new RealClock(), bus, dataDir: dir, baseDir: dir });
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await sup.stopAll();
});

/** This process's open fds on FIFOs made by osPipes (their names are gone: "…/medic-pipe-…/p0 (deleted)"). */
function pipeFds(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    const target = (() => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })();
    if (target.includes('medic-pipe-')) out.push(`${fd} ${target}`);
  }
  return out;
}

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

const exits = () => signals.filter((s) => s.kind === 'exit');

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

const hasNginx = (() => {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('a supervised process', () => {
  it('gets real pipes: a program that opens /dev/stdout and /dev/stderr can write there', async () => {
    const script =
      'echo out >/dev/stdout && echo err >/dev/stderr && test -p /dev/stderr && echo fifo; sleep 30';
    const pid = await sup.start('app', runSchema.parse({ command: ['sh', '-c', script] }));
    await until(() => sup.recentLines('app').length >= 3);
    expect(sup.recentLines('app').map((l) => [l.stream, l.line, l.pid])).toEqual(
      expect.arrayContaining([
        ['stdout', 'out', pid],
        ['stderr', 'err', pid],
        ['stdout', 'fifo', pid],
      ]),
    );
    expect(exits()).toEqual([]);
  });

  it.skipIf(!hasNginx)('runs nginx configured to log to /dev/stderr and /dev/stdout', async () => {
    const port = await freePort();
    const temp = join(dir, 'tmp');
    mkdirSync(temp);
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      `daemon off;
pid ${join(dir, 'nginx.pid')};
error_log /dev/stderr notice;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log /dev/stdout;
  client_body_temp_path ${temp}; proxy_temp_path ${temp}; fastcgi_temp_path ${temp};
  uwsgi_temp_path ${temp}; scgi_temp_path ${temp};
  server { listen 127.0.0.1:${port}; location / { return 200 "ok\\n"; } }
}
`,
    );
    await sup.start('web', runSchema.parse({ command: ['nginx', '-p', dir, '-c', conf] }));
    let status = 0;
    const poll = async () => {
      for (let i = 0; i < 100 && status !== 200 && exits().length === 0; i++) {
        status = await fetch(`http://127.0.0.1:${port}/`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await sleep(20);
      }
    };
    await poll();
    // Before real pipes: "opening errorlog '/dev/stderr' failed: No such device or address", exit 1.
    expect(exits()).toEqual([]);
    expect(status).toBe(200);
    await until(() => sup.recentLines('web').some((l) => l.stream === 'stdout' && l.line.includes('GET / ')));
    expect(sup.recentLines('web').some((l) => l.stream === 'stderr' && /notice/.test(l.line))).toBe(true);
  });

  it("gets the allow-listed part of Medic's environment and its config's env, never Medic's secrets", async () => {
    // stubEnv changes process.env in place and unstubAllEnvs (afterEach) restores it; assigning a plain
    // object to process.env would leave the process with an env that no longer reaches its children.
    vi.stubEnv('MEDIC_TOKEN', 'medic_0123456789ab_secret');
    vi.stubEnv('MEDIC_STORE_URL', 'postgres://medic:pw@db/medic');
    vi.stubEnv('OPENAI_API_KEY', 'sk-not-for-children');
    vi.stubEnv('LC_TIME', 'C');
    await sup.start(
      'env',
      runSchema.parse({ command: ['sh', '-c', 'env; sleep 30'], env: { APP_MODE: 'x' } }),
    );
    await until(() => sup.recentLogs('env').some((l) => l.startsWith('APP_MODE=')));
    await sleep(50);
    const names = sup.recentLogs('env').map((l) => l.split('=')[0]);
    expect(names).toEqual(expect.arrayContaining(['PATH', 'LC_TIME', 'APP_MODE']));
    expect(names.filter((n) => n?.startsWith('MEDIC_') || n === 'OPENAI_API_KEY')).toEqual([]);
  });

  it("gets the variables of Medic's environment its inherit_env lists (names and PREFIX_*), and no others", async () => {
    vi.stubEnv('PG_BIN', '/opt/pg/bin');
    vi.stubEnv('NGX_ONE', '1');
    vi.stubEnv('NGX_TWO', '2');
    vi.stubEnv('PG_RUN_AS', 'postgres');
    vi.stubEnv('HTTPS_PROXY', 'http://proxy:3128');
    const run = runSchema.parse({ command: ['sh', '-c', 'env; sleep 30'], inherit_env: ['PG_BIN', 'NGX_*'] });
    await sup.start('inherit', run);
    await until(() => sup.recentLogs('inherit').some((l) => l.startsWith('PG_BIN=')));
    await sleep(50);
    const env = sup.recentLogs('inherit');
    expect(env).toEqual(expect.arrayContaining(['PG_BIN=/opt/pg/bin', 'NGX_ONE=1', 'NGX_TWO=2']));
    // On the default allow-list now: a child behind a proxy reaches nothing without it.
    expect(env).toContain('HTTPS_PROXY=http://proxy:3128');
    expect(env.filter((l) => l.startsWith('PG_RUN_AS='))).toEqual([]);
  });

  it('says once, by name only, what a script it runs reads and was not given; nothing when it misses nothing', async () => {
    vi.stubEnv('PG_BIN', '/opt/pg/bin');
    vi.stubEnv('PG_RUN_AS', 'secret-user-value');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a shell script
    writeFileSync(join(dir, 'start.sh'), 'echo "${PG_BIN:-/usr/bin}" "$PG_RUN_AS" >/dev/null; sleep 30\n');
    const notes: string[] = [];
    const bus = new Bus();
    const logged = new Supervisor({
      clock: new RealClock(),
      bus,
      dataDir: dir,
      baseDir: dir,
      log: (m) => notes.push(m),
    });
    try {
      const script = runSchema.parse({ command: ['sh', 'start.sh'], inherit_env: ['PG_BIN'] });
      await logged.start('pgx', script);
      await logged.stop('pgx');
      await logged.start('pgx', script);
      await logged.start('quiet', runSchema.parse({ command: ['sh', '-c', 'sleep 30'] }));
    } finally {
      await logged.stopAll();
    }
    const withheld = notes.filter((m) => /not given/.test(m));
    expect(withheld).toHaveLength(1);
    expect(withheld[0]).toMatch(/service pgx: not given Medic's PG_RUN_AS \(/);
    expect(withheld[0]).not.toContain('secret-user-value');
    expect(notes.filter((m) => m.includes('quiet'))).toEqual([]);
  });

  it('closes both pipes when spawn throws at once (a NUL byte in an argument)', async () => {
    const before = pipeFds();
    const run = runSchema.parse({ command: ['sh', '-c', 'sleep 30'] });
    await expect(sup.start('nul', { ...run, command: ['sh', '-c', 'sleep\0 30'] })).rejects.toThrow(
      /null bytes/,
    );
    // A destroyed Socket closes its fd on the next turns of the event loop.
    await until(() => pipeFds().length <= before.length, 2_000).catch(() => undefined);
    expect(pipeFds()).toEqual(before);
  });
});
