import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();

// A file may say how its own lines are written: its `format` wins over the service's.
it("a tailed file's own format is applied (JSON lines in a service whose other logs are text)", async () => {
  const dir = await tempDir();
  const log = path.join(dir, 'app.jsonl');
  await writeFile(
    log,
    `${JSON.stringify({ level: 'error', msg: 'payment declined', user: 7 })}\n${JSON.stringify({ level: 'info', msg: 'ok' })}\n`,
  );
  const m = await start(
    dir,
    `services:
  app:
    logs:
      format: text
      stdout: false
      files:
        - { path: app.jsonl, format: json, from: start, poll: 50ms }
server: { port: 0 }
store: { dir: ./data }
`,
  );
  const lines = await waitFor(
    'both lines stored',
    async () => {
      const got = await m.store.logLines({ service: 'app' });
      return got.length === 2 ? got : null;
    },
    10_000,
  );
  expect(lines.map((l) => l.level).sort()).toEqual(['error', 'info']);
});
