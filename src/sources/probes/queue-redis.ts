import { RedisConnection, RedisError, type Reply } from './redis-client.js';

type QueueCheck = { url: string; key?: string | undefined; group?: string | undefined };

/** What a Redis key holds as a queue: its depth and the figures behind it. */
export interface QueueReading {
  depth: number;
  details: Record<string, unknown>;
}

function answer(reply: Reply, what: string): Reply {
  if (reply instanceof RedisError) throw new Error(`${what}: ${reply.message}`);
  return reply;
}

/** XINFO GROUPS' flat key/value lists, as objects. */
function groups(reply: Reply): Record<string, Reply>[] {
  if (!Array.isArray(reply)) return [];
  return reply.filter(Array.isArray).map((g) => {
    const o: Record<string, Reply> = {};
    for (let i = 0; i + 1 < g.length; i += 2) o[String(g[i])] = g[i + 1] as Reply;
    return o;
  });
}

/**
 * A stream keeps its entries after they are read, so its length is no backlog once consumers use groups:
 * a group's backlog is what it has not been given yet (lag) plus what it was given and has not acknowledged
 * (pending). Redis reports no lag after deletions inside the group's range; then the stream's length stands
 * in, and details say so.
 */
async function streamDepth(conn: RedisConnection, key: string, group: string | undefined) {
  const length = Number(answer(await conn.command('XLEN', key), 'XLEN'));
  const all = groups(answer(await conn.command('XINFO', 'GROUPS', key), 'XINFO GROUPS'));
  const chosen = group === undefined ? all : all.filter((g) => g['name'] === group);
  if (group !== undefined && chosen.length === 0) {
    throw new Error(`stream ${key} has no consumer group ${group}`);
  }
  if (chosen.length === 0) return { depth: length, details: { type: 'stream', length } };
  const backlog = chosen.map((g) => {
    const lag = typeof g['lag'] === 'number' ? g['lag'] : null;
    const pending = Number(g['pending'] ?? 0);
    return { group: String(g['name']), lag, pending, depth: (lag ?? length) + pending };
  });
  const worst = backlog.reduce((a, b) => (b.depth > a.depth ? b : a));
  return {
    depth: worst.depth,
    details: {
      type: 'stream',
      length,
      group: worst.group,
      lag: worst.lag,
      pending: worst.pending,
      ...(worst.lag === null ? { lagUnknown: true } : {}),
    },
  };
}

/** Connects (AUTH and the database from the URL), reads the key's type and its depth. */
export async function redisQueueDepth(q: QueueCheck, signal: AbortSignal): Promise<QueueReading> {
  const url = new URL(q.url);
  const key = q.key as string;
  const conn = await RedisConnection.open(url, signal);
  try {
    if (url.password) {
      const user = decodeURIComponent(url.username);
      const pass = decodeURIComponent(url.password);
      answer(await conn.command('AUTH', ...(user ? [user, pass] : [pass])), 'AUTH');
    }
    const db = url.pathname.slice(1);
    if (db) answer(await conn.command('SELECT', db), 'SELECT');
    const type = String(answer(await conn.command('TYPE', key), 'TYPE'));
    const count = async (cmd: string) => Number(answer(await conn.command(cmd, key), cmd));
    switch (type) {
      case 'list':
        return { depth: await count('LLEN'), details: { type } };
      case 'zset':
        return { depth: await count('ZCARD'), details: { type } };
      case 'set':
        return { depth: await count('SCARD'), details: { type } };
      case 'stream':
        return await streamDepth(conn, key, q.group);
      // Redis deletes a list or set once it is empty: no key is an empty queue.
      case 'none':
        return { depth: 0, details: { type: 'none' } };
      default:
        throw new Error(`${key} is a ${type}, not a list, stream, sorted set or set`);
    }
  } finally {
    conn.close();
  }
}
