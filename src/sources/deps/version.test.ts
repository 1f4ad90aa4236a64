import { describe, expect, it } from 'vitest';
import { compareVersions, isVersion } from './version.js';

describe('compareVersions', () => {
  // Each row: a < b (semver.org's precedence example, and the shapes lockfiles write).
  const ordered: [string, string][] = [
    ['1.0.0-alpha', '1.0.0-alpha.1'],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta'],
    ['1.0.0-alpha.beta', '1.0.0-beta'],
    ['1.0.0-beta', '1.0.0-beta.2'],
    ['1.0.0-beta.2', '1.0.0-beta.11'],
    ['1.0.0-beta.11', '1.0.0-rc.1'],
    ['1.0.0-rc.1', '1.0.0'],
    ['0', '0.0.1'],
    ['1.9.9', '1.10.0'],
    ['v1.2.3', 'v1.2.4'],
    ['4.17.20', '4.17.21'],
    ['1.2', '1.2.1'],
  ];
  it.each(ordered)('%s < %s', (a, b) => {
    expect(compareVersions(a, b)).toBe(-1);
    expect(compareVersions(b, a)).toBe(1);
  });
  it('equal versions, build metadata ignored', () => {
    expect(compareVersions('1.2.3', 'v1.2.3')).toBe(0);
    expect(compareVersions('1.2.3+build.5', '1.2.3')).toBe(0);
    expect(compareVersions('1.2', '1.2.0')).toBe(0);
  });
  it('tells a version from what is not one', () => {
    for (const v of ['1.2.3', 'v0.3.0', '2.0.0-rc.1', '1.0.0+abc']) expect(isVersion(v)).toBe(true);
    for (const v of ['--registry=x', 'latest', '1.2.3 ; rm', '', '^1.2.3']) expect(isVersion(v)).toBe(false);
  });
});
