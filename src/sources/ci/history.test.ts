import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CiHistory, importCiHistoryFile, memoryCiBackend, type PendingFailure } from './history.js';

const T = 'tests/test_cart.py::test_total';

/** A failed run as the CI stage records it: its test's failure, then the failure awaiting a result. */
async function fail(h: CiHistory, runKey: string, commit: string, at: number, workflow = 'CI') {
  await h.recordTests('p', [{ test: T, commit, passed: false, at }]);
  const f: PendingFailure = {
    commit,
    cls: 'code',
    tests: [T],
    templates: [{ key: 'k1', text: 'FAILED <*>' }],
    at,
    reran: false,
    workflow,
  };
  await h.recordFailure('p', runKey, f);
}

const passes = async (h: CiHistory) =>
  (await h.view('p'))
    .testRuns(T)
    .filter((r) => r.passed)
    .map((r) => r.commit);

describe('CI history: passes of a commit, whoever ran them', async () => {
  it("a person's re-run passing on the same commit passes the test there and teaches the templates", async () => {
    const h = new CiHistory();
    await fail(h, 'run:1', 'a', 1);
    const settled = await h.settle('p', 'run:1', true, 2, { commit: 'a', workflow: 'CI' });
    expect(settled?.tests).toEqual([T]);
    expect(await passes(h)).toEqual(['a']);
    expect((await h.view('p')).template('k1')).toMatchObject({ rerunPassed: 1, rerunFailed: 0 });
  });

  it('another run of the same workflow passing on the same commit passes the test; once per failure', async () => {
    const h = new CiHistory();
    await fail(h, 'run:1', 'a', 1);
    expect(await h.settle('p', 'run:2', true, 2, { commit: 'a', workflow: 'CI' })).toBeNull();
    await h.settle('p', 'run:3', true, 3, { commit: 'a', workflow: 'CI' });
    expect(await passes(h)).toEqual(['a']);
    // Not a re-run of the failed run: its templates learn nothing.
    expect((await h.view('p')).template('k1')).toMatchObject({ rerunPassed: 0 });
  });

  it("another workflow's pass, a pass of another commit, or a failure of the same run teach nothing", async () => {
    const h = new CiHistory();
    await fail(h, 'run:1', 'a', 1);
    await h.settle('p', 'run:2', true, 2, { commit: 'a', workflow: 'Docs' });
    await h.settle('p', 'run:3', true, 3, { commit: 'b', workflow: 'CI' });
    await h.settle('p', 'run:1', true, 4, { commit: 'b', workflow: 'CI' });
    expect(await passes(h)).toEqual([]);
    // A failed attempt the run's own Medic did not ask for settles nothing.
    expect(await h.settle('p', 'run:1', false, 5, { commit: 'a', workflow: 'CI' })).toBeNull();
    expect((await h.view('p')).template('k1')).toMatchObject({ rerunPassed: 0, rerunFailed: 0 });
  });

  it("Medic's own re-run counts as before, failing or passing; without a commit its failure's commit is used", async () => {
    const h = new CiHistory();
    await fail(h, 'job:x', 'a', 1);
    await h.markReran('p', 'job:x', 2);
    expect(await h.settle('p', 'job:x', false, 3)).not.toBeNull();
    expect((await h.view('p')).template('k1')).toMatchObject({ rerunPassed: 0, rerunFailed: 1 });
    await fail(h, 'job:x', 'a', 4);
    await h.markReran('p', 'job:x', 5);
    await h.settle('p', 'job:x', true, 6);
    expect(await passes(h)).toEqual(['a']);
  });

  it('what one replica learned, another sees (one backend, two histories)', async () => {
    const shared = memoryCiBackend();
    await fail(new CiHistory(shared), 'run:1', 'a', 1);
    await new CiHistory(shared).settle('p', 'run:9', true, 2, { commit: 'a', workflow: 'CI' });
    expect(await passes(new CiHistory(shared))).toEqual(['a']);
    expect(await new CiHistory(shared).seenDelivery('github', 'd1', 3)).toBe(false);
    expect(await new CiHistory(shared).seenDelivery('github', 'd1', 4)).toBe(true);
  });

  it('the failures log keeps each failure with its re-run and its outcome', async () => {
    const h = new CiHistory();
    await fail(h, 'run:1', 'a', 1);
    await h.markReran('p', 'run:1', 2);
    await h.settle('p', 'run:1', true, 3, { commit: 'a', workflow: 'CI' });
    await fail(h, 'run:2', 'b', 4);
    const [p] = await h.all();
    expect(p?.history.failures?.map((f) => [f.runKey, f.cls, f.reran, f.outcome, f.settledAt])).toEqual([
      ['run:1', 'code', true, 'passed', 3],
      ['run:2', 'code', false, null, null],
    ]);
    expect(p?.history.last).toMatchObject({ at: 4, passed: false, commit: 'b' });
  });
});

describe('CI history: the ci-history.json of before, imported once', () => {
  it('imports pipelines the store lacks, keeps those it has, records live deliveries, renames the file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-history-'));
    try {
      const file = path.join(dir, 'ci-history.json');
      const now = 10 * 86_400_000;
      const old = {
        version: 1,
        pipelines: {
          p: {
            tests: { [T]: [{ test: T, commit: 'a', passed: true, at: 5 }] },
            templates: {},
            reruns: [],
            pending: {},
          },
          q: { tests: {}, templates: {}, reruns: [{ at: 1, commit: 'x', run: 'run:1' }], pending: {} },
        },
        deliveries: { 'github:recent': now - 1_000, 'github:ancient': 1 },
      };
      writeFileSync(file, JSON.stringify(old));
      const backend = memoryCiBackend();
      const h = new CiHistory(backend);
      // q was learned by the store already (another replica): the store's stays.
      await h.markReran('q', 'run:7', now - 5);
      const got = await importCiHistoryFile(file, backend, now);
      expect(got).toEqual({ imported: ['p'], kept: ['q'] });
      expect(await passes(h)).toEqual(['a']);
      expect((await h.reruns('q', 0, null)).last).toBe(now - 5);
      expect(await h.seenDelivery('github', 'recent', now)).toBe(true);
      expect(await h.seenDelivery('github', 'ancient', now)).toBe(false);
      expect(existsSync(file)).toBe(false);
      expect(existsSync(`${file}.imported`)).toBe(true);
      // Once: no file, nothing to do.
      expect(await importCiHistoryFile(file, backend, now)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file that is not a history is refused with its name, and left where it is', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-history-'));
    try {
      const file = path.join(dir, 'ci-history.json');
      writeFileSync(file, '{"version": 1, "pipe');
      await expect(importCiHistoryFile(file, memoryCiBackend(), 0)).rejects.toThrow(`${file}: not JSON`);
      writeFileSync(file, '{"version": 2}');
      await expect(importCiHistoryFile(file, memoryCiBackend(), 0)).rejects.toThrow(
        'not a CI history of version 1',
      );
      expect(existsSync(file)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
