import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../config/index.js';
import { tempDir } from '../core/temp-dir.fixture.js';
import { checkHost, type DiscoveredService } from './discover.js';
import { knownKind } from './known.js';
import { unitOf } from './processes.js';
import { renderConfig, restartCommand } from './render.js';

const proc = (pid: number, comm: string, argv: string[], cgroup: string | null = null) => ({
  pid,
  ppid: 1,
  comm,
  argv,
  cgroup,
});

const found: DiscoveredService[] = [
  {
    name: 'postgres',
    process: proc(
      10,
      'postgres',
      ['/usr/lib/postgresql/15/bin/postgres', '-D', '/var/lib/pg'],
      'postgresql@15-main.service',
    ),
    endpoints: [{ port: 5432, listen: ['127.0.0.1', '::1'], host: '127.0.0.1', kind: 'postgres' }],
    dependsOn: [],
  },
  {
    name: 'memcached',
    process: proc(11, 'memcached', ['memcached', '-p', '11211']),
    endpoints: [{ port: 11211, listen: ['0.0.0.0'], host: '127.0.0.1', kind: 'memcached' }],
    dependsOn: [],
  },
  {
    name: 'node',
    process: proc(
      12,
      'node',
      ['node', 'app.js', '--password', 'hunter2'],
      'docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope',
    ),
    endpoints: [
      {
        port: 3000,
        listen: ['::'],
        host: '::1',
        kind: 'http',
        http: { url: 'http://[::1]:3000/healthz', status: 204 },
      },
      {
        port: 9229,
        listen: ['127.0.0.1'],
        host: '127.0.0.1',
        kind: 'tcp',
        note: 'speaks HTTP, but no health path answered 2xx (/health 404)',
      },
    ],
    dependsOn: ['memcached', 'postgres'],
  },
  {
    name: 'port-2024',
    process: null,
    endpoints: [{ port: 2024, listen: ['0.0.0.0'], host: '127.0.0.1', kind: 'tcp' }],
    dependsOn: [],
  },
];

describe('renderConfig', () => {
  it('writes a commented medic.yaml that the config loader accepts, with the probe for each kind', async () => {
    const text = renderConfig(found, { host: 'web1', at: new Date('2026-01-02T03:04:05Z') });
    const file = path.join(await tempDir('medic-init-'), 'medic.yaml');
    await writeFile(file, text);
    const { config } = await loadConfig(file);
    expect(Object.keys(config.services)).toEqual(['postgres', 'memcached', 'node', 'port-2024']);
    expect(config.services['postgres']).toMatchObject({
      role: 'database',
      restart: { command: ['systemctl', 'restart', 'postgresql@15-main.service'] },
      checks: [{ postgres: { url: 'postgres://postgres@127.0.0.1:5432/postgres' } }],
    });
    expect(config.services['memcached']?.checks[0]?.tcp).toMatchObject({
      host: '127.0.0.1',
      port: 11211,
      send: 'version\r\n',
      expect: '^VERSION',
    });
    expect(config.services['node']).toMatchObject({
      restart: { command: ['docker', 'restart', '0123456789ab'] },
      depends_on: ['memcached', 'postgres'],
      checks: [
        { name: 'http-3000', http: { url: 'http://[::1]:3000/healthz', status: 204 } },
        { name: 'tcp-9229', tcp: { host: '127.0.0.1', port: 9229 } },
      ],
    });
    expect(config.services['port-2024']?.checks[0]?.tcp).toMatchObject({ port: 2024 });
    // Comments say where each came from; a secret on a command line is masked.
    expect(text).toContain('# pid 10: /usr/lib/postgresql/15/bin/postgres -D /var/lib/pg');
    expect(text).toContain('# speaks HTTP, but no health path answered 2xx (/health 404)');
    expect(text).toContain('on web1 at 2026-01-02T03:04:05.000Z');
    expect(text).not.toContain('hunter2');
    // The playbook hints, once uncommented, are valid too.
    const hints = text
      .slice(text.indexOf('# playbooks:'))
      .split('\n')
      .map((l) => l.replace(/^# ?/, ''))
      .join('\n');
    const withPlaybooks = `${text}\n${hints}`;
    await writeFile(file, withPlaybooks);
    const again = await loadConfig(file);
    expect(Object.keys(again.config.playbooks)).toEqual(['restart-postgres', 'restart-node']);
    expect(parse(text)).toHaveProperty('notifiers');
  });

  it('writes an empty but valid config when nothing listens', async () => {
    const file = path.join(await tempDir('medic-init-'), 'medic.yaml');
    await writeFile(file, renderConfig([], { host: 'h', at: new Date() }));
    expect(Object.keys((await loadConfig(file)).config.services)).toEqual([]);
  });
});

describe('what a process and its sockets say', () => {
  it('maps well-known names first, then ports, to the probe kind that speaks the protocol', () => {
    expect(knownKind('postgres', 15432)).toBe('postgres');
    expect(knownKind(null, 5432)).toBe('postgres');
    expect(knownKind('redis-server', 16379)).toBe('redis');
    expect(knownKind('memcached', 1)).toBe('memcached');
    expect(knownKind('nginx', 18088)).toBe('http');
    expect(knownKind('node', 18081)).toBeNull();
  });

  it('reads the unit from the cgroup, and the restart command from the unit', () => {
    expect(unitOf('0::/system.slice/nginx.service\n')).toBe('nginx.service');
    expect(unitOf('0::/system.slice/docker-abc.scope\n')).toBe('docker-abc.scope');
    expect(unitOf('0::/user.slice/user-1000.slice/session-2.scope\n')).toBeNull();
    expect(unitOf('0::/\n')).toBeNull();
    expect(restartCommand('redis-server.service')).toEqual(['systemctl', 'restart', 'redis-server.service']);
    expect(restartCommand('session-2.scope')).toBeNull();
  });

  it('checks a wildcard listener on loopback, else on an address it listens on', () => {
    expect(checkHost(['0.0.0.0', '::'])).toBe('127.0.0.1');
    expect(checkHost(['10.0.0.5', '127.0.0.1'])).toBe('127.0.0.1');
    expect(checkHost(['10.0.0.5'])).toBe('10.0.0.5');
    expect(checkHost(['::'])).toBe('::1');
    expect(checkHost(['fe80::1'])).toBe('fe80::1');
  });
});
