import { cp, lstat, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Fault, signal } from './fault.js';

/** A deploy the fault made, by the target's pid, for undo. */
interface Deploy {
  link: string;
  before: string;
  release: string;
}
const deploys = new Map<number, Deploy>();

/**
 * The release link the process runs from: a symlink among its working directory and the paths on its
 * command line, pointing into a `releases` directory beside it (Capistrano's and Deployer's layout).
 */
async function releaseLink(pid: number): Promise<string> {
  const cwd = await readlink(`/proc/${pid}/cwd`);
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
  const candidates = [cwd, ...argv.filter((a) => a.includes('/')).map((a) => path.resolve(cwd, a))];
  for (const p of candidates) {
    for (let at = p; at !== path.dirname(at); at = path.dirname(at)) {
      const st = await lstat(at).catch(() => null);
      if (!st?.isSymbolicLink()) continue;
      const target = path.resolve(path.dirname(at), await readlink(at));
      if (path.dirname(target) === path.join(path.dirname(at), 'releases')) return at;
    }
  }
  throw new Error(`bad-deploy: pid ${pid} runs from no release link (a current → releases/<id> symlink)`);
}

/** A release id as the stack's deploys name them: the UTC time to the millisecond, digits only. */
const releaseId = () => new Date().toISOString().replace(/\D/g, '').slice(0, 17);

async function switchLink(link: string, target: string): Promise<void> {
  const tmp = path.join(path.dirname(link), `.${path.basename(link)}.drill`);
  await rm(tmp, { force: true });
  await symlink(target, tmp);
  await rename(tmp, link);
}

/**
 * A deploy of a release with a bug: a copy of the live release whose `release.env` switches on the demo
 * service's FAIL_HEALTH (its /health answers 500), made live by switching `current` atomically, then the
 * service is stopped with SIGTERM, as a deploy script restarts it behind its supervisor's back. Medic starts
 * it again, on the new release, which fails its health check: the heal is to switch back and restart.
 */
export const badDeployFault: Fault = {
  name: 'bad-deploy',
  description:
    'deploy a copy of the live release with a bug switched on (FAIL_HEALTH in its release.env), switch current, restart the service',
  program: 'demo-service',
  expectCause: ['bad_deploy'],
  async inject(t) {
    const link = await releaseLink(t.pid);
    const before = await readlink(link);
    const live = path.resolve(path.dirname(link), before);
    const id = releaseId();
    const release = path.join(path.dirname(live), id);
    // The copy keeps links as links (a release's shared node_modules).
    await cp(live, release, { recursive: true, verbatimSymlinks: true });
    const env = await readFile(path.join(release, 'release.env'), 'utf8').catch(() => '');
    await writeFile(path.join(release, 'release.env'), `${env}FAIL_HEALTH=1\n`);
    // A second injection before the first was undone (chaos repeats faults) keeps the first good release.
    const earlier = deploys.get(t.pid);
    // Nor does one on a bad release of an earlier injection that a restart left running (a new pid): its good
    // release before is the one to go back to, since an undo removes the bad ones.
    const prior = [...deploys.values()].find((x) => x.link === link && x.release === live);
    deploys.set(t.pid, { link, before: earlier?.before ?? prior?.before ?? before, release });
    await switchLink(link, path.join(path.basename(path.dirname(live)), id));
    if (earlier) await rm(earlier.release, { recursive: true, force: true });
    signal(t.pid, 'SIGTERM');
  },
  async undo(t) {
    const d = deploys.get(t.pid);
    if (!d) return;
    deploys.delete(t.pid);
    const now = await readlink(d.link).catch(() => null);
    const back = await lstat(path.resolve(path.dirname(d.link), d.before)).catch(() => null);
    // Back to the release before, if it is still there: a link to a removed release starts nothing.
    if (now !== null && path.resolve(path.dirname(d.link), now) === d.release && back)
      await switchLink(d.link, d.before);
    // Gone from the releases, so a later rollback never lands on it; never the one the link still names.
    const after = await readlink(d.link).catch(() => null);
    if (after === null || path.resolve(path.dirname(d.link), after) !== d.release)
      await rm(d.release, { recursive: true, force: true });
  },
};
