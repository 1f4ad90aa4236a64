/**
 * Well-known ports and process names, mapped to the probe that speaks their protocol. This table is all
 * `medic init` knows of particular programs; anything else is asked whether it speaks HTTP, else gets a TCP
 * check. A process name wins over a port (a PostgreSQL moved to 15432 is still PostgreSQL).
 */
export type ProbeKind = 'postgres' | 'redis' | 'memcached' | 'http' | 'tcp';

interface Known {
  kind: ProbeKind;
  ports: number[];
  /** Process names as /proc/<pid>/comm gives them (at most 15 characters). */
  names: string[];
}

const KNOWN: Known[] = [
  { kind: 'postgres', ports: [5432], names: ['postgres', 'postmaster'] },
  { kind: 'redis', ports: [6379], names: ['redis-server', 'valkey-server'] },
  { kind: 'memcached', ports: [11211], names: ['memcached'] },
  // Web servers: asked for a health path like any other, known only so that their ports are tried first.
  { kind: 'http', ports: [80, 8000, 8080, 8888], names: ['nginx', 'httpd', 'apache2', 'caddy', 'lighttpd'] },
];

/** The probe kind a process name or port implies, or null (then: ask whether it speaks HTTP). */
export function knownKind(comm: string | null, port: number): ProbeKind | null {
  if (comm) {
    const byName = KNOWN.find((k) => k.names.includes(comm));
    if (byName) return byName.kind;
  }
  return KNOWN.find((k) => k.ports.includes(port))?.kind ?? null;
}

/** A role diagnosis rules read, from what the probe kind says the service is. */
export function roleOf(kind: ProbeKind): string | undefined {
  if (kind === 'postgres') return 'database';
  if (kind === 'redis' || kind === 'memcached') return 'cache';
  return undefined;
}
