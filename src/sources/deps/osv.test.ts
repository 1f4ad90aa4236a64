import { describe, expect, it } from 'vitest';
import type { LockedPackage } from './lockfile.js';
import { affects, type OsvAdvisory } from './osv.js';

const pkg = (version: string): LockedPackage => ({
  ecosystem: 'npm',
  name: 'left-pad',
  version,
  direct: true,
});
const adv = (events: Record<string, string>[], versions?: string[]): OsvAdvisory => ({
  id: 'GHSA-test',
  affected: [
    {
      package: { ecosystem: 'npm', name: 'left-pad' },
      ranges: [{ type: 'SEMVER', events }],
      ...(versions ? { versions } : {}),
    },
  ],
});

describe('affects (OSV range events)', () => {
  const twoRanges: Record<string, string>[] = [
    { introduced: '0' },
    { fixed: '1.2.5' },
    { introduced: '2.0.0' },
    { fixed: '2.1.1' },
  ];
  const rows: [string, OsvAdvisory, string, { fixed: string | null } | null][] = [
    ['below the first fix', adv(twoRanges), '1.2.4', { fixed: '1.2.5' }],
    ['at the fix', adv(twoRanges), '1.2.5', null],
    ['between the ranges', adv(twoRanges), '1.9.0', null],
    ['in the second range', adv(twoRanges), '2.0.3', { fixed: '2.1.1' }],
    ['a pre-release of the fix is still affected', adv(twoRanges), '2.1.1-rc.1', { fixed: '2.1.1' }],
    ['before introduced', adv([{ introduced: '3.0.0' }, { fixed: '3.0.2' }]), '2.9.9', null],
    [
      'last_affected is inclusive, no fix named',
      adv([{ introduced: '1.0.0' }, { last_affected: '1.4.0' }]),
      '1.4.0',
      { fixed: null },
    ],
    ['past last_affected', adv([{ introduced: '1.0.0' }, { last_affected: '1.4.0' }]), '1.4.1', null],
    ['listed in versions only', adv([], ['0.9.1']), '0.9.1', { fixed: null }],
  ];
  it.each(rows)('%s', (_n, a, v, want) => {
    expect(affects(a, pkg(v))).toEqual(want);
  });
  it('another package or ecosystem is not concerned', () => {
    expect(affects(adv(twoRanges), { ...pkg('1.0.0'), name: 'right-pad' })).toBeNull();
    expect(affects(adv(twoRanges), { ...pkg('1.0.0'), ecosystem: 'PyPI' })).toBeNull();
  });
});
