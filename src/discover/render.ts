import { Document, isMap, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { redactArgv } from '../core/index.js';
import type { DiscoveredEndpoint, DiscoveredService } from './discover.js';
import { hostForUrl } from './discover.js';
import { roleOf } from './known.js';

export interface RenderMeta {
  host: string;
  at: Date;
}

/** The restart command a process's unit implies: systemd restarts a service unit, Docker a container. */
export function restartCommand(unit: string | null): string[] | null {
  if (!unit) return null;
  if (unit.endsWith('.service')) return ['systemctl', 'restart', unit];
  const container = /^docker-([0-9a-f]{12,64})\.scope$/.exec(unit)?.[1];
  return container ? ['docker', 'restart', container.slice(0, 12)] : null;
}

function check(e: DiscoveredEndpoint, several: boolean): { body: Record<string, unknown>; note?: string } {
  const name = several ? { name: `${e.kind === 'memcached' ? 'tcp' : e.kind}-${e.port}` } : {};
  const host = hostForUrl(e.host);
  switch (e.kind) {
    case 'postgres':
      return {
        body: { ...name, postgres: { url: `postgres://postgres@${host}:${e.port}/postgres` } },
        note: "user and database to check: put the password in the URL or PGPASSWORD in Medic's environment",
      };
    case 'redis':
      return {
        body: { ...name, redis: { url: `redis://${host}:${e.port}` } },
        note: 'with a password: redis://:PASSWORD@host:port',
      };
    case 'memcached':
      // A stopped memcached still completes the TCP handshake (the kernel accepts): only an answer counts.
      return {
        body: { ...name, tcp: { host: e.host, port: e.port, send: 'version\r\n', expect: '^VERSION' } },
      };
    case 'http':
      return {
        body: {
          ...name,
          http: {
            url: e.http?.url ?? `http://${host}:${e.port}/`,
            ...(e.http && e.http.status !== 200 ? { status: e.http.status } : {}),
          },
        },
      };
    default:
      return { body: { ...name, tcp: { host: e.host, port: e.port } }, ...(e.note ? { note: e.note } : {}) };
  }
}

function describeProcess(s: DiscoveredService): string {
  const p = s.process;
  if (!p)
    return "no process visible here holds it (run as root to see other users' processes; or another PID namespace)";
  const cmd = redactArgv(p.argv.length > 0 ? p.argv : [p.comm]).join(' ');
  return `pid ${p.pid}: ${cmd.length > 150 ? `${cmd.slice(0, 147)}...` : cmd}`;
}

const listens = (s: DiscoveredService) =>
  s.endpoints.flatMap((e) => e.listen.map((a) => `${hostForUrl(a)}:${e.port}`)).join(', ');

/** A commented medic.yaml for what was found; `medic config validate` accepts it as written. */
export function renderConfig(services: readonly DiscoveredService[], meta: RenderMeta): string {
  const doc = new Document({});
  const root = doc.contents as YAMLMap;
  const servicesNode = doc.createNode({}) as YAMLMap;
  for (const s of services) {
    const checks = s.endpoints.map((e) => check(e, s.endpoints.length > 1));
    const restart = restartCommand(s.process?.cgroup ?? null);
    const role = s.endpoints.map((e) => roleOf(e.kind)).find((r) => r !== undefined);
    const value = doc.createNode({
      ...(role ? { role } : {}),
      ...(restart ? { restart: { command: restart } } : {}),
      checks: checks.map((c) => c.body),
      ...(s.dependsOn.length > 0 ? { depends_on: s.dependsOn } : {}),
    }) as YAMLMap;
    if (restart) flow(value, 'restart');
    if (s.dependsOn.length > 0) flow(value, 'depends_on');
    const seq = value.get('checks', true) as unknown as YAMLSeq<YAMLMap>;
    seq.items.forEach((item, i) => {
      for (const pair of item.items as Pair<Scalar, unknown>[]) if (isMap(pair.value)) pair.value.flow = true;
      const note = checks[i]?.note;
      if (note) item.comment = ` ${note}`;
    });
    const key = doc.createNode(s.name) as Scalar;
    const lines = [describeProcess(s), `listens on ${listens(s)}`];
    if (s.process?.cgroup) lines.push(`runs in ${s.process.cgroup}`);
    if (s.dependsOn.length > 0) lines.push(`connected to ${s.dependsOn.join(', ')} while medic init looked`);
    key.commentBefore = lines.map((l) => ` ${l}`).join('\n');
    servicesNode.add(doc.createPair(key, value));
  }
  root.add(doc.createPair('services', servicesNode));
  const notifiers = doc.createNode([{ log: {} }]) as YAMLSeq<YAMLMap>;
  for (const n of notifiers.items)
    for (const p of n.items as Pair<Scalar, unknown>[]) if (isMap(p.value)) p.value.flow = true;
  const notifiersKey = doc.createNode('notifiers') as Scalar;
  notifiersKey.spaceBefore = true;
  notifiersKey.commentBefore =
    ' Where people hear from Medic: add slack, email, pagerduty or webhook notifiers (see docs/configuration.md).';
  root.add(doc.createPair(notifiersKey, notifiers));

  doc.commentBefore = [
    ` medic.yaml written by \`medic init\` on ${meta.host} at ${meta.at.toISOString()}.`,
    ` ${services.length} service(s) found listening on TCP. Review it before use: names, the address each`,
    ' check connects to, credentials (read from the environment, never written here). Then:',
    '   medic config validate <this file>   and   medic check --config <this file>',
    ' Each check runs every 10s (interval) and a service is down after 2 failures in a row (down_after).',
  ].join('\n');
  doc.comment = playbookHints(services);
  return doc.toString({ lineWidth: 0 });
}

function flow(map: YAMLMap, key: string): void {
  const node = map.get(key, true) as { flow?: boolean } | undefined;
  if (node) node.flow = true;
}

/** Heals are not written for you: a commented playbook per service that has a restart command. */
function playbookHints(services: readonly DiscoveredService[]): string {
  const restartable = services.filter((s) => restartCommand(s.process?.cgroup ?? null));
  const lines = [
    ' Heals are playbooks, and none is written for you: Medic only watches and tells until you add them.',
    ' For example, restart a service whose checks say it is down (it needs a `restart` command, or `run`',
    ' to have Medic supervise the process itself):',
    ' playbooks:',
  ];
  const examples = restartable.length > 0 ? restartable : services.slice(0, 1);
  for (const s of examples.slice(0, 5)) {
    lines.push(
      `   restart-${s.name}:`,
      `     when: { service: ${s.name}, kind: down }`,
      '     steps:',
      '       - restart: {}',
      '     verify: { within: 30s, stable_for: 5s }',
    );
  }
  return lines.join('\n');
}
