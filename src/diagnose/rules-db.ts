import type { Rule } from './rule.js';
import { pct, quote, unexpectedExits } from './signals.js';

/** PostgreSQL refusing a connection for want of a slot (SQLSTATE 53300). */
const SLOTS = /too many clients|remaining connection slots are reserved/i;

/** A database out of connections, the slots held by sessions idle in their transactions. */
export const DB_SATURATED: Rule = {
  cause: 'db_saturated',
  signature:
    'a database check finds its connections near max_connections (80% or more) while sessions sit idle in a transaction, or new connections refused for want of a slot',
  match(b) {
    // A database whose process exited or is not running is not saturated: its exit is its own cause, and a
    // restart (which terminating sessions is not) is what brings it back. Its connections went with it, so
    // only findings from after its last exit say anything of them.
    if (b.processAlive === false || b.trigger?.exit) return null;
    const since = unexpectedExits(b).at(-1)?.at ?? Number.NEGATIVE_INFINITY;
    // The postgres probe's figures ride on its findings (lastResult.details); the newest says most.
    let near: { used: number; of: number; count: number; idle: number; limit: boolean } | null = null;
    let refused: string | null = null;
    for (const f of b.findings) {
      if (f.at < since) continue;
      const r = f.evidence['lastResult'] as { message?: unknown; details?: unknown } | undefined;
      const d = (r?.details ?? {}) as Record<string, unknown>;
      const message = typeof r?.message === 'string' ? r.message : '';
      if (d['code'] === '53300' || SLOTS.test(message)) refused = message;
      const used = d['connectionsUsedPercent'];
      const idle = d['oldestIdleInTransactionSeconds'];
      if (typeof used !== 'number' || typeof idle !== 'number') continue;
      const limit = /max_idle_in_transaction_seconds/.test(message);
      near = { used, of: Number(d['maxConnections']), count: Number(d['connections']), idle, limit };
    }
    const evidence: string[] = [];
    // A session idle in its transaction for a second is not between two statements of a busy client: it
    // holds its connection (and its locks) for nothing.
    if (near && near.used >= 80 && near.idle >= 1) {
      evidence.push(
        `${near.count} of ${near.of} connections in use (${pct(near.used)})`,
        `a session has been idle in a transaction for ${Math.round(near.idle)} s${near.limit ? ', past the check’s limit' : ''}`,
      );
      if (refused) evidence.push(`new connections refused: ${quote(refused)}`);
      return { confidence: near.used >= 90 || refused ? 0.92 : 0.88, evidence };
    }
    if (!refused) return null;
    // Refused outright: the sessions holding the slots cannot be seen from outside.
    return { confidence: 0.6, evidence: [`new connections refused: ${quote(refused)}`] };
  },
};
