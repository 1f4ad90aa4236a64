import { describe, expect, it } from 'vitest';
import type { Finding } from '../core/index.js';
import type { EvidenceBundle } from './evidence.js';
import { diagnoseByRules } from './rules.js';

const T = Date.UTC(2026, 0, 1, 12);

/** A finding of a postgres check, carrying the probe's result as the threshold detector stores it. */
function pgFinding(message: string, details: Record<string, unknown>, over: Partial<Finding> = {}): Finding {
  return {
    id: 'fnd_1',
    service: 'db',
    check: 'postgres',
    kind: 'degraded',
    severity: 'warning',
    score: 1,
    summary: `db/postgres degraded: ${message}`,
    evidence: { consecutive: 2, lastResult: { ok: false, degraded: true, latencyMs: 4, message, details } },
    at: T - 1000,
    ...over,
  };
}

const stats = (connections: number, max: number, idle: number) => ({
  host: '127.0.0.1',
  port: 5432,
  connections,
  maxConnections: max,
  connectionsUsedPercent: Math.round((connections / max) * 1000) / 10,
  longestQuerySeconds: 0,
  oldestIdleInTransactionSeconds: idle,
});

const bundle = (findings: Finding[]): EvidenceBundle => ({ service: 'db', at: T, findings });
const causeOf = (b: EvidenceBundle) => diagnoseByRules(b)[0];

describe('db_saturated', () => {
  it.each([
    // connections of max, oldest idle in transaction (s) → cause, confidence
    { connections: 27, max: 30, idle: 6, cause: 'db_saturated', confidence: 0.92 },
    { connections: 25, max: 30, idle: 2.5, cause: 'db_saturated', confidence: 0.88 },
    { connections: 80, max: 100, idle: 1, cause: 'db_saturated', confidence: 0.88 },
    // Near max, but nothing idle in a transaction: busy clients or a big pool, another trouble.
    { connections: 29, max: 30, idle: 0, cause: undefined, confidence: undefined },
    // Sessions idle in transaction, with room to spare: not saturated.
    { connections: 10, max: 30, idle: 120, cause: undefined, confidence: undefined },
    // Idle for a moment only: between two statements of a working client.
    { connections: 28, max: 30, idle: 0.3, cause: undefined, confidence: undefined },
  ])('$connections/$max connections, idle in transaction $idle s → $cause', (c) => {
    const msg = `connections ${Math.round((c.connections / c.max) * 100)}% used (${c.connections}/${c.max}) over max_connections_used_percent 80`;
    const d = causeOf(bundle([pgFinding(msg, stats(c.connections, c.max, c.idle))]));
    expect(d?.cause).toBe(c.cause);
    expect(d?.confidence).toBe(c.confidence);
  });

  it('says what it saw: the connections in use and the session idle in its transaction', () => {
    const msg =
      'connections 90% used (27/30) over max_connections_used_percent 80; a session idle in transaction 12.4s over max_idle_in_transaction_seconds 5';
    const d = causeOf(bundle([pgFinding(msg, stats(27, 30, 12.4))]));
    expect(d).toMatchObject({ cause: 'db_saturated', confidence: 0.92 });
    expect(d?.evidence).toEqual([
      '27 of 30 connections in use (90%)',
      'a session has been idle in a transaction for 12 s, past the check’s limit',
    ]);
  });

  it('a server refusing connections for want of a slot is saturated, with less certainty when nothing more is seen', () => {
    const refused = pgFinding(
      'cannot connect: sorry, too many clients already',
      { host: '127.0.0.1', port: 5432, code: '53300' },
      { kind: 'down', severity: 'critical' },
    );
    expect(causeOf(bundle([refused]))).toMatchObject({ cause: 'db_saturated', confidence: 0.6 });
    // With the figures of an earlier result of the incident: sure.
    const before = pgFinding('connections 83% used (25/30)', stats(25, 30, 4), { at: T - 3000 });
    const d = causeOf(bundle([before, refused]));
    expect(d).toMatchObject({ cause: 'db_saturated', confidence: 0.92 });
    expect(d?.evidence.at(-1)).toBe(
      'new connections refused: "cannot connect: sorry, too many clients already"',
    );
  });

  it('reads nothing into findings of other checks', () => {
    const http: Finding = {
      ...pgFinding('500 Internal Server Error', {}),
      service: 'api',
      check: 'health',
      kind: 'down',
      evidence: { lastResult: { ok: false, latencyMs: 2, message: '500 Internal Server Error' } },
    };
    expect(diagnoseByRules({ service: 'api', at: T, findings: [http] }).map((d) => d.cause)).not.toContain(
      'db_saturated',
    );
  });
});

describe('db_saturated, after the database process exited', () => {
  const saturated = pgFinding('28 of 30 connections in use', stats(28, 30, 6), { at: T - 5_000 });

  it('a database that exited or is not running is not saturated: its crash is its own cause', () => {
    const crashed: EvidenceBundle = {
      ...bundle([saturated]),
      trigger: { kind: 'down', check: 'running', exit: true },
      exits: [{ at: T - 1_000, code: null, signal: 'SIGKILL' }],
      processAlive: false,
    };
    const causes = diagnoseByRules(crashed).map((d) => d.cause);
    expect(causes).not.toContain('db_saturated');
    expect(causes[0]).toBe('process_crashed');
  });

  it('findings from before its last exit say nothing of the connections of the process running now', () => {
    const restarted: EvidenceBundle = {
      ...bundle([saturated]),
      exits: [{ at: T - 2_000, code: null, signal: 'SIGKILL' }],
      processAlive: true,
    };
    expect(diagnoseByRules(restarted).map((d) => d.cause)).not.toContain('db_saturated');
    // The same saturation seen after the restart is its own.
    const again = pgFinding('28 of 30 connections in use', stats(28, 30, 6), { at: T - 500 });
    expect(causeOf({ ...restarted, findings: [saturated, again] })?.cause).toBe('db_saturated');
  });
});
