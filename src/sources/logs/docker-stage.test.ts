import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createMedic, type Medic } from '../../daemon/index.js';
import { line } from './docker.fixture.js';
import { fakeDockerdPerTest } from './docker-env.fixture.js';

const env = fakeDockerdPerTest();

describe('the logs stage with a docker source', () => {
  it('stores container lines with their Docker time and resumes after a Medic restart without repeats', async () => {
    // Stamps near the real now: the stage prunes lines older than `retention`.
    const t0 = Math.floor(Date.now() / 1000) - 60;
    const at = (s: number, frac = '000000000') =>
      `${new Date((t0 + s) * 1000).toISOString().slice(0, 19)}.${frac}Z`;
    const c = env.dockerd.add('web');
    c.log.push(
      line('stdout', at(1), 'GET /health 200'),
      line('stderr', at(2), 'Error: database timeout'),
      line('stderr', at(2, '000000001'), '    at query (/app/db.js:4:2)'),
      line('stdout', at(3), 'GET /health 200'),
    );
    const file = path.join(env.dir, 'medic.yaml');
    await writeFile(
      file,
      `services:
  web:
    logs:
      stdout: false
      push: false
      queue: { capacity: 1, batch: 1 }   # every record waits for room: the backpressure path
      docker:
        - { container: web, socket_path: ${JSON.stringify(env.socketPath)}, from: start }
notifiers: []
store: { dir: ./data }
`,
    );
    const storedLines = async (medic: Medic, n: number) => {
      for (let i = 0; ; i++) {
        const l = await medic.store.logLines({ service: 'web', limit: 100 });
        if (l.length >= n || i >= 200) return l.map((x) => [x.source, x.text, x.at]);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const logger = pino({ level: 'silent' });

    const first = await createMedic({ configFile: file, watch: false, logger });
    await first.start();
    let got = await storedLines(first, 3);
    expect(got).toEqual([
      ['docker:web', 'GET /health 200', (t0 + 1) * 1000],
      ['docker:web', 'Error: database timeout\n    at query (/app/db.js:4:2)', (t0 + 2) * 1000],
      ['docker:web', 'GET /health 200', (t0 + 3) * 1000],
    ]);
    // The position went into the store with the last line.
    expect(await first.store.getLogOffset('web:docker:web')).toEqual({ dev: t0 + 3, ino: 0, offset: 1 });
    await first.stop();

    c.log.push(line('stdout', at(3), 'GET /ready 200'), line('stdout', at(4), 'GET /health 200'));
    const second = await createMedic({ configFile: file, watch: false, logger });
    await second.start();
    got = await storedLines(second, 5);
    await second.stop();
    expect(got.map((l) => l[1])).toEqual([
      'GET /health 200',
      'Error: database timeout\n    at query (/app/db.js:4:2)',
      'GET /health 200',
      'GET /ready 200',
      'GET /health 200',
    ]);
    expect(env.logRequests()[1]?.query['since']).toBe(String(t0 + 3));
  });
});
