import type { CheckConfig } from '../../config/index.js';
import { errorMessage, type ProbeResult } from '../../core/index.js';
import { describeNetError, startTimer, timedOut } from './common.js';
import type { Probe, ProbeContext } from './probe.js';
import { RedisConnection, RedisError, type Reply } from './redis-client.js';

type RedisCheck = NonNullable<CheckConfig['redis']>;

const round1 = (n: number) => Math.round(n * 10) / 10;
const MIB = 1024 * 1024;
const mib = (bytes: number) => `${round1(bytes / MIB)} MiB`;

/** `INFO`'s `key:value` lines (section headers and blanks skipped). */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

/**
 * Rejected connections and OOM-refused writes are counters since the server started: only a rise since the
 * previous run is news. Kept per service and URL; the first run sets the baseline and judges nothing.
 */
const lastCounts = new Map<string, { rejected: number; oom: number }>();

/** Where the check points, without the password: details are stored and shown. */
function target(url: URL): Record<string, unknown> {
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 6379) };
}

function expectOk(reply: Reply, what: string): void {
  if (reply instanceof RedisError) throw new Error(`${what}: ${reply.message}`);
}

/**
 * Connects (AUTH from the URL's user and password), PINGs and reads INFO: memory used of maxmemory, clients
 * connected and blocked, connections rejected, the last save. No answer is `down` (a SIGSTOPped server
 * still accepts, so only PING shows it). A limit passed, maxmemory reached under noeviction, new OOM
 * refusals or rejected connections, or a failed save is `degraded`: the server answers but refuses work.
 */
export const redisProbe: Probe = {
  kind: 'redis',
  async run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const r = check.redis;
    if (!r) return { ok: false, latencyMs: 0, message: 'not a redis check' };
    const url = new URL(r.url);
    const details = target(url);
    if (ctx.signal.aborted) return timedOut(check, 0, details);
    const elapsed = startTimer();
    let conn: RedisConnection | undefined;
    let stage = 'cannot connect';
    try {
      conn = await RedisConnection.open(url, ctx.signal);
      if (url.password) {
        stage = 'AUTH failed';
        const user = decodeURIComponent(url.username);
        const pass = decodeURIComponent(url.password);
        expectOk(await conn.command('AUTH', ...(user ? [user, pass] : [pass])), 'AUTH');
      }
      stage = 'PING failed';
      const t0 = performance.now();
      const pong = await conn.command('PING');
      expectOk(pong, 'PING');
      details.pingMs = round1(performance.now() - t0);
      stage = 'INFO failed';
      const info = await conn.command('INFO');
      expectOk(info, 'INFO');
      return judge(r, `${ctx.service} ${r.url}`, parseInfo(String(info)), details, elapsed());
    } catch (err) {
      if (ctx.signal.aborted) return timedOut(check, elapsed(), details);
      const why =
        err instanceof RedisError || stage !== 'cannot connect' ? errorMessage(err) : describeNetError(err);
      return { ok: false, latencyMs: elapsed(), message: `${stage}: ${why}`, details };
    } finally {
      conn?.close();
    }
  },
};

/** The figures into details (for rules and thresholds), each trouble into the message by its key. */
function judge(
  r: RedisCheck,
  key: string,
  info: Map<string, string>,
  details: Record<string, unknown>,
  latencyMs: number,
): ProbeResult {
  const num = (k: string) => Number(info.get(k) ?? 0);
  const used = num('used_memory');
  const maxMemory = num('maxmemory');
  const policy = info.get('maxmemory_policy') ?? 'noeviction';
  // No maxmemory: the server may grow to the machine's memory, so a percent limit is judged against that.
  const ceiling = maxMemory > 0 ? maxMemory : num('total_system_memory');
  const usedPercent = ceiling > 0 ? round1((used / ceiling) * 100) : null;
  const oom = Number(/count=(\d+)/.exec(info.get('errorstat_OOM') ?? '')?.[1] ?? 0);
  const counts = { rejected: num('rejected_connections'), oom };
  const before = lastCounts.get(key);
  lastCounts.set(key, counts);
  Object.assign(details, {
    version: info.get('redis_version'),
    role: info.get('role'),
    usedMemory: used,
    maxMemory,
    maxMemoryPolicy: policy,
    memoryUsedPercent: usedPercent,
    connectedClients: num('connected_clients'),
    maxClients: num('maxclients'),
    blockedClients: num('blocked_clients'),
    rejectedConnections: counts.rejected,
    oomErrors: oom,
    lastSaveStatus: info.get('rdb_last_bgsave_status'),
    aofLastWriteStatus: info.get('aof_last_write_status'),
  });

  const trouble: string[] = [];
  // At maxmemory an evicting policy is a cache doing its job; noeviction refuses every write.
  if (maxMemory > 0 && used >= maxMemory && policy === 'noeviction') {
    trouble.push(`maxmemory reached (${mib(used)} of ${mib(maxMemory)}, noeviction: writes refused)`);
  }
  if (before && oom > before.oom) trouble.push(`${oom - before.oom} writes refused with OOM (maxmemory)`);
  const limit = (name: string, what: string, value: number | null, max: number | undefined) => {
    if (max !== undefined && value !== null && value > max) trouble.push(`${what} over ${name} ${max}`);
  };
  const of = maxMemory > 0 ? `of maxmemory ${mib(maxMemory)}` : 'of system memory (no maxmemory)';
  limit(
    'max_memory_used_percent',
    `memory ${usedPercent}% used ${of}`,
    usedPercent,
    r.max_memory_used_percent,
  );
  limit(
    'max_clients',
    `${details.connectedClients} clients connected`,
    num('connected_clients'),
    r.max_clients,
  );
  limit(
    'max_blocked_clients',
    `${details.blockedClients} clients blocked`,
    num('blocked_clients'),
    r.max_blocked_clients,
  );
  if (before && counts.rejected > before.rejected) {
    trouble.push(
      `${counts.rejected - before.rejected} connections rejected (maxclients ${details.maxClients})`,
    );
  }
  // With stop-writes-on-bgsave-error (the default) a failed save also refuses writes.
  if (details.lastSaveStatus === 'err') trouble.push('last background save failed');
  if (details.aofLastWriteStatus === 'err') trouble.push('last AOF write failed');

  if (trouble.length > 0)
    return { ok: false, degraded: true, latencyMs, message: trouble.join('; '), details };
  const mem =
    maxMemory > 0 ? `${mib(used)} of ${mib(maxMemory)} (${usedPercent}%)` : `${mib(used)} (no maxmemory)`;
  const message =
    `PONG in ${details.pingMs}ms; memory ${mem}; clients ${details.connectedClients} connected, ` +
    `${details.blockedClients} blocked`;
  return { ok: true, latencyMs, message, details };
}
