import { describe, expect, it } from 'vitest';
import { selectExpired } from './backup-prune.js';
import type { BackupRecord } from './backup-record.js';

/** A record of `path` made at `createdAt`, good or not; newest first is the caller's order. */
function rec(id: string, path: string, createdAt: number, good = false): BackupRecord {
  return {
    id,
    actionId: null,
    path,
    exists: true,
    mode: 0o644,
    size: 1,
    hash: `h_${id}`,
    createdAt,
    seq: createdAt,
    incidentId: null,
    reason: null,
    confidence: null,
    good,
    goodAt: good ? createdAt : null,
  };
}

describe('selectExpired', () => {
  const newestFirst = [
    rec('a3', '/a', 300),
    rec('b2', '/b', 250),
    rec('a2', '/a', 200, true),
    rec('a1', '/a', 100, true),
    rec('b1', '/b', 50),
  ];
  const cases: { name: string; policy: { maxAgeMs?: number; keepPerPath?: number }; drop: string[] }[] = [
    { name: 'no policy drops nothing', policy: {}, drop: [] },
    {
      name: 'one per path keeps the newest and the last good',
      policy: { keepPerPath: 1 },
      drop: ['a1', 'b1'],
    },
    { name: 'by age, the last good stays however old', policy: { maxAgeMs: 120 }, drop: ['a1', 'b1'] },
    { name: 'only the newest good of a path is spared', policy: { maxAgeMs: 50 }, drop: ['b2', 'a1', 'b1'] },
  ];
  it.each(cases)('$name', ({ policy, drop }) => {
    const got = selectExpired(newestFirst, policy, 310);
    expect(got.drop.map((r) => r.id)).toEqual(drop);
    expect(got.kept.length + got.drop.length).toBe(newestFirst.length);
  });
});
