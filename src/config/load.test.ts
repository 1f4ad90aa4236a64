import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../core/index.js';
import { formatIssues, loadConfig, parseConfig } from './load.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medic-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(text: string, name = 'medic.yaml'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function loadError(text: string): Promise<ConfigError> {
  const file = await write(text);
  const err = await loadConfig(file).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

const valid = `
services:
  db:
    run:
      command: [node, db.js]
      stop_timeout: 2s
    checks:
      - tcp: { port: 5432 }
  api:
    depends_on: [db]
    checks:
      - http:
          url: http://127.0.0.1:8080/health
          max_latency: 500ms
        interval: 5s
playbooks:
  restart-api:
    when: { service: api, kind: down, for: 1m }
    steps:
      - restart: {}
policy:
  backoff: { initial: 2s, max: 1h }
`;

describe('loadConfig', () => {
  it('parses a valid config with durations in milliseconds', async () => {
    const file = await write(valid);
    const loaded = await loadConfig(file);
    expect(loaded.file).toBe(file);
    expect(loaded.baseDir).toBe(dir);
    const api = loaded.config.services['api'];
    expect(api?.checks[0]?.interval).toBe(5000);
    expect(api?.checks[0]?.timeout).toBe(5000);
    expect(api?.checks[0]?.http?.max_latency).toBe(500);
    expect(loaded.config.services['db']?.run?.stop_timeout).toBe(2000);
    expect(loaded.config.playbooks['restart-api']?.when.for).toBe(60_000);
    expect(loaded.config.policy.backoff).toEqual({ initial: 2000, factor: 2, max: 3_600_000 });
  });

  it('treats an empty file as an empty config with defaults', async () => {
    const loaded = await loadConfig(await write(''));
    expect(loaded.config.services).toEqual({});
    expect(loaded.config.server.port).toBe(7070);
    expect(loaded.config.notifiers).toHaveLength(1);
  });

  it('names the line and field of an invalid URL', async () => {
    const err = await loadError(valid.replace('http://127.0.0.1:8080/health', 'not a url'));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ line: 13, column: 16, path: 'services.api.checks[0].http.url' });
    expect(err.message).toBe(
      `${path.join(dir, 'medic.yaml')}:13: services.api.checks[0].http.url: Invalid URL`,
    );
  });

  it('uses the file name as given in messages', () => {
    const err = catchError(() => parseConfig('server: { port: "x" }\n', 'medic.yaml'));
    expect(err.message).toBe('medic.yaml:1: server.port: Invalid input: expected number, received string');
  });

  it('names the line of a YAML syntax error (unclosed bracket)', async () => {
    const err = await loadError('services:\n  api:\n    depends_on: [db\n  db: {}\n');
    expect(err.issues[0]?.line).toBe(4);
    expect(err.issues[0]?.path).toBe('');
  });

  it('names the line of a YAML syntax error (bad indentation)', async () => {
    const err = await loadError('services:\n  api:\n    checks: []\n   depends_on: []\n');
    expect(err.issues[0]?.line).toBe(4);
  });

  it('names an unknown key and its line', async () => {
    const err = await loadError('services:\n  api:\n    checks: []\n    bogus: 1\n');
    expect(err.issues).toEqual([
      { file: expect.any(String), line: 4, column: 5, path: 'services.api.bogus', message: 'unknown key' },
    ]);
    expect(formatIssues(err)).toMatch(/medic\.yaml:4: services\.api\.bogus: unknown key$/);
  });

  it('points a missing required field at its parent', async () => {
    const err = await loadError('services:\n  api:\n    checks:\n      - http:\n          method: GET\n');
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({
      line: 4,
      path: 'services.api.checks[0].http.url',
      message: 'required (expected string)',
    });
  });

  it('reports a duplicate key with its line', async () => {
    const err = await loadError('services:\n  api: {}\n  db: {}\n  api: {}\n');
    expect(err.issues[0]?.line).toBe(4);
    expect(err.issues[0]?.message).toMatch(/unique/);
  });

  it('rejects depends_on naming an unknown service, at the entry', async () => {
    const err = await loadError('services:\n  api:\n    depends_on:\n      - cache\n');
    expect(err.issues[0]).toMatchObject({
      line: 4,
      path: 'services.api.depends_on[0]',
      message: 'unknown service "cache"',
    });
  });

  it('rejects an escalate.route that names no notifier, listing the names there are', async () => {
    const yaml = [
      'services:',
      '  api: {}',
      'playbooks:',
      '  fix:',
      '    when: { service: api, kind: down }',
      '    steps: [{ restart: {} }]',
      '    escalate: { route: dba }',
      'notifiers:',
      '  - slack: { url: "http://127.0.0.1:9/hook" }',
      '  - name: oncall',
      '    log: {}',
      '',
    ].join('\n');
    const err = await loadError(yaml);
    expect(err.issues[0]).toMatchObject({
      line: 7,
      path: 'playbooks.fix.escalate.route',
      message: 'no notifier is named "dba" (notifiers: slack, oncall)',
    });
  });

  it('rejects a verify check the service does not have, naming the ones it has', async () => {
    const yaml = [
      'services:',
      '  api:',
      '    run: { command: [node, app.js] }',
      '    checks:',
      '      - { name: health, tcp: { port: 8080 } }',
      '  web: {}',
      'playbooks:',
      '  fix:',
      '    when: { service: api, kind: down }',
      '    steps: [{ restart: {} }]',
      '    verify: { checks: [health, running, web/nope, helth] }',
      '',
    ].join('\n');
    const err = await loadError(yaml);
    expect(err.issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [11, 'playbooks.fix.verify.checks[2]', 'service "web" has no check "nope" (checks: none)'],
      [11, 'playbooks.fix.verify.checks[3]', 'service "api" has no check "helth" (checks: health, running)'],
    ]);
  });

  it('rejects a ladder that loops and a notify step routed to no notifier', async () => {
    const yaml = [
      'services:',
      '  api: {}',
      'playbooks:',
      '  a:',
      '    when: { service: api, after: b }',
      '    steps: [{ restart: {} }]',
      '  b:',
      '    when: { service: api, after: a }',
      '    steps: [{ notify: { message: hi, route: pager } }]',
      '',
    ].join('\n');
    const err = await loadError(yaml);
    expect(err.issues.map((i) => [i.path, i.message])).toEqual([
      ['playbooks.a.when.after', 'a ladder that loops (a after b after a): none of it could run'],
      ['playbooks.b.when.after', 'a ladder that loops (b after a after b): none of it could run'],
      ['playbooks.b.steps[0].notify.route', 'no notifier is named "pager" (notifiers: log)'],
    ]);
  });

  it('takes an empty argument but not an empty program, naming the line and entry', async () => {
    const file = await write(
      'services:\n  kv:\n    run:\n      command: [redis-server, --save, ""]\n    checks:\n      - tcp: { port: 6379 }\n',
    );
    const { config } = await loadConfig(file);
    expect(config.services['kv']?.run?.command).toEqual(['redis-server', '--save', '']);
    const err = await loadError('services:\n  kv:\n    run:\n      command: ["", --save]\n');
    expect(err.message).toMatch(/medic\.yaml:4: services\.kv\.run\.command(\[0\])?: must name a program/);
    const none = await loadError('services:\n  kv:\n    run:\n      command: []\n');
    expect(none.message).toMatch(/services\.kv\.run\.command: must name a program/);
  });

  it('reports an invalid service name at its key', async () => {
    const err = await loadError('services:\n  ok: {}\n  "bad name": {}\n');
    expect(err.issues[0]).toMatchObject({ line: 3, path: 'services.bad name' });
    expect(err.issues[0]?.message).toMatch(/^invalid name/);
  });

  it('reports a missing file clearly', async () => {
    const err = await loadConfig(path.join(dir, 'nope.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/cannot read .*nope\.yaml: ENOENT/);
  });
});

function catchError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
