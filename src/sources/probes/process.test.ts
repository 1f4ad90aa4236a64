import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirSync } from '../../core/temp-dir.fixture.js';
import { processProbe } from './process.js';
import { listPids, readComm, readRssBytes, readStat } from './procfs.js';
import { check, context } from './testing.fixture.js';

const children: ChildProcess[] = [];

function start(cmd: string, args: string[]): ChildProcess & { pid: number } {
  const child = spawn(cmd, args, { stdio: 'ignore' });
  children.push(child);
  return child as ChildProcess & { pid: number };
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => child.once('exit', r));
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await exited(c);
  }
});

describe('process probe', () => {
  it('finds a live process by pid and reports its RSS', async () => {
    const child = start('sleep', ['30']);
    const r = await processProbe.run(check({ process: { pid: child.pid } }), context());
    expect(r.ok).toBe(true);
    expect(r.details?.rssMb).toBeGreaterThan(0);
    expect(r.message).toMatch(new RegExp(`^process ${child.pid} running \\(rss [\\d.]+ MB\\)$`));
  });

  it('is not ok once the process is killed', async () => {
    const child = start('sleep', ['30']);
    child.kill('SIGKILL');
    await exited(child);
    const r = await processProbe.run(check({ process: { pid: child.pid } }), context());
    expect(r).toMatchObject({ ok: false, message: `process ${child.pid} (pid ${child.pid}) is not running` });
  });

  it('is not ok when the process is stopped', async () => {
    const child = start('sleep', ['30']);
    child.kill('SIGSTOP');
    for (let i = 0; i < 50 && (await readStat(child.pid))?.state !== 'T'; i++) await sleep(10);
    const r = await processProbe.run(check({ process: { pid: child.pid } }), context());
    expect(r).toMatchObject({ ok: false, message: `process ${child.pid} is stopped` });
  });

  it('is not ok for a zombie', async () => {
    // The backgrounded `true` exits; its parent becomes `sleep`, which never reaps it.
    const parent = start('sh', ['-c', 'true & exec sleep 30']);
    let zombie: number | undefined;
    for (let i = 0; i < 100 && zombie === undefined; i++) {
      await sleep(20);
      for (const pid of await listPids()) {
        const st = await readStat(pid);
        if (st?.ppid === parent.pid && st.state === 'Z') zombie = pid;
      }
    }
    expect(zombie).toBeDefined();
    const r = await processProbe.run(check({ process: { pid: zombie } }), context());
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/zombie/);
  });

  it('reads the pid from a pidfile relative to baseDir (bare or JSON)', async () => {
    const child = start('sleep', ['30']);
    const dir = tempDirSync('medic-proc-');
    writeFileSync(join(dir, 'app.pid'), `${child.pid}\n`);
    writeFileSync(join(dir, 'json.pid'), JSON.stringify({ pid: child.pid, argv: ['sleep', '30'] }));
    const ctx = context(5_000, { baseDir: dir });
    expect((await processProbe.run(check({ process: { pidfile: 'app.pid' } }), ctx)).ok).toBe(true);
    expect((await processProbe.run(check({ process: { pidfile: 'json.pid' } }), ctx)).ok).toBe(true);
    const missing = await processProbe.run(check({ process: { pidfile: 'nope.pid' } }), ctx);
    expect(missing.ok).toBe(false);
    expect(missing.message).toMatch(/cannot read pidfile/);
  });

  it('finds a process by a substring of its command line', async () => {
    const child = start('sleep', ['31.25']);
    const r = await processProbe.run(check({ process: { name: 'sleep 31.25' } }), context());
    expect(r.ok).toBe(true);
    expect(r.details?.pid).toBe(child.pid);
    const none = await processProbe.run(check({ process: { name: 'no-such-program-xyz' } }), context());
    expect(none).toMatchObject({ ok: false, message: 'no process named "no-such-program-xyz"' });
  });

  it('uses the supervised pid when no target is given', async () => {
    const child = start('sleep', ['30']);
    const up = await processProbe.run(
      check({ process: {} }),
      context(5_000, { supervisedPid: () => child.pid }),
    );
    expect(up.ok).toBe(true);
    const down = await processProbe.run(check({ process: {} }), context());
    expect(down).toMatchObject({ ok: false, message: 'service is not running' });
  });

  it('is degraded over max_rss_mb and max_cpu_percent', async () => {
    const idle = start('sleep', ['30']);
    // Until the exec is done, the child is a fork of this process on its way to becoming `sleep`, and just
    // after it is named `sleep` its new memory is a few pages: probe it once it has loaded (64 kB resident).
    for (
      let i = 0;
      i < 200 && ((await readComm(idle.pid)) !== 'sleep' || ((await readRssBytes(idle.pid)) ?? 0) < 65_536);
      i++
    )
      await sleep(10);
    const fat = await processProbe.run(check({ process: { pid: idle.pid, max_rss_mb: 0.01 } }), context());
    expect(fat).toMatchObject({ ok: false, degraded: true });
    expect(fat.message).toMatch(/rss .* over 0.01 MB/);
    const calm = await processProbe.run(
      check({ process: { pid: idle.pid, max_cpu_percent: 50 } }),
      context(),
    );
    expect(calm.ok).toBe(true);
    expect(calm.details?.cpuPercent).toBeLessThan(50);

    const busy = start(process.execPath, ['-e', 'for(;;){}']);
    // Wait until it really spins (node's start-up, and a loaded machine, delay that), then probe it.
    for (let i = 0; i < 100; i++) {
      const st = await readStat(busy.pid);
      if (st && st.cpuTicks >= 30) break;
      await sleep(50);
    }
    // 5 %: a spinning process gets far more even on two loaded cores; an idle one stays at ~0. One sample is
    // short: on cores other tests saturate, a few tries give the spinner its share.
    let hot = await processProbe.run(check({ process: { pid: busy.pid, max_cpu_percent: 5 } }), context());
    for (let i = 0; i < 4 && hot.ok; i++)
      hot = await processProbe.run(check({ process: { pid: busy.pid, max_cpu_percent: 5 } }), context());
    expect(hot).toMatchObject({ ok: false, degraded: true });
    expect(hot.details?.cpuPercent).toBeGreaterThan(5);
  });
});
