import { describe, expect, it } from 'vitest';
import { actions, STEP_KINDS, stepKind } from './index.js';

describe('action registry', () => {
  it('registers one action per step key and maps each key to its kind', () => {
    for (const [key, kind] of Object.entries(STEP_KINDS)) {
      expect(stepKind({ [key]: {} })).toBe(kind);
      expect(actions.get(kind).kind).toBe(kind);
    }
    expect(actions.names()).toHaveLength(Object.keys(STEP_KINDS).length);
    expect(stepKind({ exec: { command: ['true'] } })).toBe('exec');
    expect(() => stepKind({})).toThrow(/a step needs one of/);
  });
});

describe('backupFiles', () => {
  it('reads plan.backup, or the journaled backupFiles param', async () => {
    const { backupFiles } = await import('./index.js');
    expect(
      backupFiles({ kind: 'file', target: 's', params: {}, description: '', backup: { files: ['/a'] } }),
    ).toEqual(['/a']);
    expect(
      backupFiles({ kind: 'file', target: 's', params: { backupFiles: ['/b'] }, description: '' }),
    ).toEqual(['/b']);
    expect(backupFiles({ kind: 'exec', target: 's', params: {}, description: '' })).toEqual([]);
  });
});
