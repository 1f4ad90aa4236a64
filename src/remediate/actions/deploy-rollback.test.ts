import { mkdir, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotApplicableError, SimulatedClock } from '../../core/index.js';
import { openSqliteStore } from '../../store/index.js';
import { deployRollbackAction, switchLink } from './deploy-rollback.js';
import type { ExtendedStep } from './steps.js';
import { tempDir, testContext } from './testing.js';

const step = (over: Record<string, unknown>) =>
  ({ timeout: 30_000, deploy_rollback: { current: 'app/current', ...over } }) as unknown as ExtendedStep;

/** A deploy directory as Capistrano leaves it: app/releases/<timestamp>/, app/current → releases/<newest>. */
async function deployDir(names: string[], current: string): Promise<string> {
  const dir = await tempDir();
  for (const n of names) {
    await mkdir(path.join(dir, 'app/releases', n), { recursive: true });
    await writeFile(path.join(dir, 'app/releases', n, 'REVISION'), `${n}\n`);
  }
  await symlink(`releases/${current}`, path.join(dir, 'app/current'));
  return dir;
}

describe('deploy_rollback action', () => {
  it('switches current to the release before it, records the old target first, and can switch it back', async () => {
    const dir = await deployDir(['20260101120000', '20260102120000', '20260103120000'], '20260103120000');
    const link = path.join(dir, 'app/current');
    const plan = deployRollbackAction.plan(step({}), 'api', {}, { baseDir: dir });
    expect(plan.params).toEqual({ link, releases: path.join(dir, 'app/releases'), to: null });
    const ctx = testContext({ baseDir: dir });
    const state = await deployRollbackAction.snapshot!(plan, ctx);
    expect(state).toEqual({ link, target: 'releases/20260103120000' });

    expect(await deployRollbackAction.apply(plan, ctx)).toBe(
      `switched ${link} from release 20260103120000 to 20260102120000`,
    );
    expect(await readlink(link)).toBe('releases/20260102120000');
    // Again: one more step back.
    await deployRollbackAction.apply(plan, ctx);
    expect(await readlink(link)).toBe('releases/20260101120000');
    // The oldest has nothing before it: the step does not apply (nothing changed), which is no failure.
    const none = await deployRollbackAction.apply(plan, ctx).catch((err: unknown) => err);
    expect(none).toBeInstanceOf(NotApplicableError);
    expect((none as Error).message).toMatch(/no release before 20260101120000 .*nothing to roll back to/);

    // A failed verification puts back what the snapshot recorded.
    expect(await deployRollbackAction.rollback!(plan, ctx, { files: [], state })).toBe(
      `switched ${link} back to releases/20260103120000`,
    );
    expect(await readlink(link)).toBe('releases/20260103120000');
  });

  it('an undo leaves a link that was switched since the step (a deploy), and puts back one that was not', async () => {
    const dir = await deployDir(['r1', 'r2', 'r3'], 'r2');
    const link = path.join(dir, 'app/current');
    const ctx = testContext({ baseDir: dir });
    const plan = deployRollbackAction.plan(step({}), 'api', {}, { baseDir: dir });
    const state = await deployRollbackAction.snapshot!(plan, ctx);
    await deployRollbackAction.apply(plan, ctx); // r2 → r1
    // A deploy of r3 lands while the heal verifies; its verification fails: r3 stays.
    await switchLink(link, 'releases/r3');
    expect(await deployRollbackAction.rollback!(plan, ctx, { files: [], state })).toMatch(
      /left .* at release r3: it was switched since this step/,
    );
    expect(await readlink(link)).toBe('releases/r3');
    // The same release deployed again is a deploy too.
    await switchLink(link, 'releases/r2');
    await deployRollbackAction.rollback!(plan, ctx, { files: [], state });
    expect(await readlink(link)).toBe('releases/r2');
    // Still where the step put it: put back.
    await switchLink(link, 'releases/r1');
    expect(await deployRollbackAction.rollback!(plan, ctx, { files: [], state })).toMatch(
      /back to releases\/r2$/,
    );
    expect(await readlink(link)).toBe('releases/r2');
  });

  it('passes over releases a verified rollback left: the next bad deploy does not land on the last one', async () => {
    // r1 good; r2 a bad deploy, rolled back to r1 and verified; r3 another bad deploy, live now.
    const dir = await deployDir(['r1', 'r2', 'r3'], 'r3');
    const link = path.join(dir, 'app/current');
    const store = await openSqliteStore({ dir: ':memory:' });
    const clock = new SimulatedClock(Date.UTC(2026, 0, 10));
    const ctx = testContext({ baseDir: dir, actionLog: store, clock });
    const plan = deployRollbackAction.plan(step({}), 'api', {}, { baseDir: dir });
    const record = async (id: string, service: string, state: 'verified' | 'rolled_back', from: string) => {
      const at = clock.now() - 60_000;
      await store.createAction(
        {
          id,
          incidentId: 'inc_1',
          service,
          playbook: 'rollback',
          step: 0,
          kind: 'deploy-rollback',
          params: { ...plan.params },
          state: 'planned',
          dryRun: false,
          reason: 'bad_deploy',
          createdAt: at,
          updatedAt: at,
        },
        'planned',
      );
      await store.updateAction(id, 'applied', `switched ${link} from release ${from} to r1`, at + 1);
      await store.updateAction(id, state, state, at + 2);
    };
    // A rollback whose verification failed, or another service's, says nothing of r2.
    await record('act_a', 'api', 'rolled_back', 'r2');
    await record('act_b', 'web', 'verified', 'r2');
    expect(await deployRollbackAction.apply(plan, ctx)).toMatch(/from release r3 to r2$/);
    await switchLink(link, 'releases/r3');
    await record('act_c', 'api', 'verified', 'r2');
    expect(await deployRollbackAction.apply(plan, ctx)).toBe(`switched ${link} from release r3 to r1`);
    expect(await readlink(link)).toBe('releases/r1');
    // With only known bad releases before it, nothing is left to roll back to: the step does not apply.
    await switchLink(link, 'releases/r2');
    await record('act_d', 'api', 'verified', 'r1');
    await expect(deployRollbackAction.apply(plan, ctx)).rejects.toThrow(
      /no release before r2 .*passed over r1: a verified rollback left each/,
    );
    // Forgotten after 30 days.
    clock.advance(31 * 24 * 3600_000);
    expect(await deployRollbackAction.apply(plan, ctx)).toMatch(/from release r2 to r1$/);
    await store.close();
  });

  it('switches to a named release, and refuses what is not a release link', async () => {
    const dir = await deployDir(['a1', 'b2', 'c3'], 'b2');
    const link = path.join(dir, 'app/current');
    const ctx = testContext({ baseDir: dir });
    const plan = deployRollbackAction.plan(step({ to: 'c3' }), 'api', {}, { baseDir: dir });
    expect(await deployRollbackAction.apply(plan, ctx)).toMatch(/from release b2 to c3$/);
    await expect(deployRollbackAction.apply(plan, ctx)).rejects.toThrow(NotApplicableError);
    await expect(deployRollbackAction.apply(plan, ctx)).rejects.toThrow(/already points at release c3/);
    const missing = deployRollbackAction.plan(step({ to: 'zz' }), 'api', {}, { baseDir: dir });
    await expect(deployRollbackAction.apply(missing, ctx)).rejects.toThrow(/no release zz in/);
    expect(() => deployRollbackAction.plan(step({ to: '../etc' }), 'api', {}, { baseDir: dir })).toThrow(
      /deploy_rollback: to: a release name, not a path/,
    );

    // A directory where the link should be is left alone: replacing it would destroy it.
    await mkdir(path.join(dir, 'plain/current'), { recursive: true });
    const notLink = deployRollbackAction.plan(
      step({ current: 'plain/current' }),
      'api',
      {},
      { baseDir: dir },
    );
    await expect(deployRollbackAction.snapshot!(notLink, ctx)).rejects.toThrow(/is not a symlink/);
    // A link pointing outside its releases directory is not one this step understands.
    await symlink('/tmp', path.join(dir, 'app/elsewhere'));
    const outside = deployRollbackAction.plan(
      step({ current: 'app/elsewhere' }),
      'api',
      {},
      { baseDir: dir },
    );
    await expect(deployRollbackAction.apply(outside, ctx)).rejects.toThrow(/not a release in/);
    expect(await readlink(link)).toBe('releases/c3');
  });

  it('replaces the link in one rename: a reader never finds it missing', async () => {
    const dir = await deployDir(['r1', 'r2'], 'r2');
    const link = path.join(dir, 'app/current');
    let missing = 0;
    let reads = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        try {
          await readlink(link);
          reads++;
        } catch {
          missing++;
        }
      }
    })();
    for (let i = 0; i < 200; i++) await switchLink(link, i % 2 ? 'releases/r2' : 'releases/r1');
    stop = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(missing).toBe(0);
  });
});
