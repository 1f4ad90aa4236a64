/**
 * A reload is audited with the sha256 of the text that took effect (issue 15), so that the audit log says
 * which version of medic.yaml ran, comparable with `sha256sum` of a file kept in version control.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { tempDir, waitFor } from './helpers.js';

let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

const config = (interval: string) => `services:
  web:
    checks:
      - command: { command: [${JSON.stringify(process.execPath)}, -e, "0"] }
        interval: ${interval}
notifiers: []
store: { dir: ./data }
`;

describe('config.reloaded in the audit log', () => {
  it('carries the sha256 of the new file', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'medic.yaml');
    await writeFile(file, config('1h'));
    medic = await createMedic({ configFile: file, logger: pino({ level: 'silent' }) });
    await medic.start();
    const next = config('30m');
    await writeFile(file, next);
    const entry = await waitFor('the reload entry', async () =>
      (await medic!.store.listAudit({})).find((e) => e.event === 'config.reloaded'),
    );
    expect(entry.data).toEqual({
      services: ['web'],
      sha256: createHash('sha256').update(next).digest('hex'),
    });
    expect((await medic.store.verifyAudit()).ok).toBe(true);
  });
});
