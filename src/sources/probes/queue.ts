import type { CheckConfig } from '../../config/index.js';
import { errorMessage, type ProbeResult } from '../../core/index.js';
import { describeNetError, errorCode, startTimer, timedOut } from './common.js';
import type { Probe, ProbeContext } from './probe.js';
import { postgresQueueDepth } from './queue-postgres.js';
import { type QueueReading, redisQueueDepth } from './queue-redis.js';

type QueueCheck = NonNullable<CheckConfig['queue']>;

/** Where the check points, without the password: details are stored and shown. */
function target(q: QueueCheck): Record<string, unknown> {
  const u = new URL(q.url);
  const redis = u.protocol.startsWith('redis');
  return {
    host: u.hostname,
    port: Number(u.port || (redis ? 6379 : 5432)),
    queue: redis ? q.key : (q.table ?? 'query'),
  };
}

/**
 * A queue's depth, from Redis (a list, stream, sorted set or set) or a PostgreSQL table of jobs: the backlog
 * that builds while a consumer is stalled or outpaced, when every up/down check is still green. Past
 * `depth.degraded` is `degraded`, past `depth.down` is `down`; a server that cannot be read is `down`.
 */
export const queueProbe: Probe = {
  kind: 'queue',
  async run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const q = check.queue;
    if (!q) return { ok: false, latencyMs: 0, message: 'not a queue check' };
    const details = target(q);
    if (ctx.signal.aborted) return timedOut(check, 0, details);
    const elapsed = startTimer();
    let reading: QueueReading;
    try {
      reading = q.url.startsWith('redis')
        ? await redisQueueDepth(q, ctx.signal)
        : await postgresQueueDepth(q, check.timeout, ctx.signal);
    } catch (err) {
      if (ctx.signal.aborted) return timedOut(check, elapsed(), details);
      const code = errorCode(err);
      const why = code && !/^[0-9A-Z]{5}$/.test(code) ? describeNetError(err) : errorMessage(err);
      return { ok: false, latencyMs: elapsed(), message: `cannot read ${details.queue}: ${why}`, details };
    }
    Object.assign(details, reading.details, { depth: reading.depth });
    return judge(q, String(details.queue), reading, details, elapsed());
  },
};

function judge(
  q: QueueCheck,
  name: string,
  r: QueueReading,
  details: Record<string, unknown>,
  latencyMs: number,
): ProbeResult {
  const { depth } = r;
  const kind = typeof r.details.type === 'string' && r.details.type !== 'none' ? ` (${r.details.type})` : '';
  const group = typeof r.details.group === 'string' ? `, group ${r.details.group}` : '';
  const base = `${name}${kind}${group}: ${depth} waiting`;
  const { degraded, down } = q.depth;
  if (down !== undefined && depth > down) {
    return { ok: false, latencyMs, message: `${base}, over depth.down ${down}`, details };
  }
  if (degraded !== undefined && depth > degraded) {
    return {
      ok: false,
      degraded: true,
      latencyMs,
      message: `${base}, over depth.degraded ${degraded}`,
      details,
    };
  }
  return { ok: true, latencyMs, message: base, details };
}
