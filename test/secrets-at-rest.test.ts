import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/server.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { tempDir, waitFor } from './helpers.js';

/**
 * Issue 15, item 10: an exec step's argv holds a password; the step runs with it, and nothing Medic stores or
 * serves (the action's params and description, its journal, the audit log, the API) shows it. The data
 * directory is 0711 (no listing; passable to a service data directory inside) and its files 0600.
 */
let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

const SECRET = 'hunter2xyz';

describe('secrets at rest', () => {
  it("an exec step's argv and output are stored and served redacted; the data directory is private", async () => {
    const dir = await tempDir('medic-secrets-');
    const marker = path.join(dir, 'marker');
    // The step heals only if it got the real password: redaction is for what is kept, not what is run.
    // (It spells the password in two halves, so the script itself does not hold it.)
    const [s1, s2] = [SECRET.slice(0, 4), SECRET.slice(4)];
    const script = `const a = process.argv.slice(1), s = '${s1}' + '${s2}'; if (!a.includes(s) || !a.includes('-p' + s)) process.exit(9); require('fs').writeFileSync(a[0], 'x'); console.log('connected with --password ' + s)`;
    await writeFile(
      path.join(dir, 'medic.yaml'),
      `services:
  db:
    checks:
      - command: { command: [test, -f, ${JSON.stringify(marker)}] }
        interval: 200ms
        timeout: 150ms
        down_after: 1
playbooks:
  reconnect:
    when: { service: db, kind: down }
    steps:
      - exec: { command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(script)}, ${JSON.stringify(marker)}, --password, ${SECRET}, -p${SECRET}] }
    verify: { within: 3s, stable_for: 200ms }
policy: { autonomy: auto }
notifiers: []
store: { dir: ./data }
`,
    );
    medic = await createMedic({
      configFile: path.join(dir, 'medic.yaml'),
      watch: false,
      verifyPollMs: 100,
      logger: pino({ level: 'silent' }),
    });
    await medic.start();
    const m = medic;
    const action = await waitFor('the heal verified', async () =>
      (await m.store.listActions({ service: 'db' })).items.find((a) => a.state === 'verified'),
    );
    const journal = await m.store.journal(action.id);
    const audit = await m.store.listAudit({ limit: 1000 });
    expect(journal.map((j) => j.message).join('\n')).toContain('connected with --password ***');
    const api = buildApi(m, { webRoot: null });
    try {
      const served = [
        (await api.app.inject({ url: '/api/actions' })).body,
        (await api.app.inject({ url: `/api/actions/${action.id}` })).body,
      ];
      expect(served[1]).toContain(action.id);
      const stored = [JSON.stringify(action), JSON.stringify(journal), JSON.stringify(audit)];
      for (const text of [...stored, ...served]) expect(text).not.toContain(SECRET);
      expect(action.params['command']).toEqual(expect.arrayContaining(['--password', '***', '-p***']));
    } finally {
      api.close();
      await api.app.close();
    }
    const data = path.join(dir, 'data');
    expect(statSync(data).mode & 0o777).toBe(0o711);
    for (const f of ['medic.db', 'medic.db-wal'])
      expect(statSync(path.join(data, f)).mode & 0o777).toBe(0o600);
  });
});
