import { randomBytes } from 'node:crypto';
import { lstat, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { deployRollbackStep } from '../../config/index.js';
import { ActionError, errorMessage, NotApplicableError } from '../../core/index.js';
import { renderStepPath } from '../safe-path.js';
import { baseVars } from '../template.js';
import type { ActionContext, RemediationAction } from './action.js';
import { type ExtendedStep, parseStep } from './steps.js';

/** The release the link points at now: its target as written, and the release directory's name. */
async function currentRelease(link: string, releases: string): Promise<{ target: string; name: string }> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(link);
  } catch (err) {
    throw new ActionError(`${link}: ${errorMessage(err)}`);
  }
  // A directory or file in its place is not a release link: replacing it would destroy what it holds.
  if (!st.isSymbolicLink()) throw new ActionError(`${link} is not a symlink: not a release link`);
  const target = await readlink(link);
  const resolved = path.resolve(path.dirname(link), target);
  if (path.dirname(resolved) !== releases)
    throw new ActionError(`${link} points at ${resolved}, which is not a release in ${releases}`);
  return { target, name: path.basename(resolved) };
}

/** The release directories' names, sorted (timestamps sort in time). */
async function releaseNames(releases: string): Promise<string[]> {
  try {
    const entries = await readdir(releases, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (err) {
    throw new ActionError(`cannot list the releases in ${releases}: ${errorMessage(err)}`);
  }
}

/** The apply result, and its parse: an earlier verified rollback's journal names the release it left. */
const switched = (link: string, from: string, to: string) => `switched ${link} from release ${from} to ${to}`;
function releaseLeft(message: string, link: string): string | null {
  const head = `switched ${link} from release `;
  if (!message.startsWith(head)) return null;
  const from = message.slice(head.length).split(' to ')[0];
  return from || null;
}

/** How far back a verified rollback's verdict on a release counts. */
const REMEMBER_MS = 30 * 24 * 3600_000;

/**
 * Releases a verified rollback of this link left: the service was healthy again once off them, so they are
 * known bad and never a target. Capistrano removes such a release on rollback; Medic leaves the user's files
 * alone and remembers instead (the next bad deploy would otherwise be "rolled back" onto the last bad one).
 */
async function knownBad(
  ctx: ActionContext<ExtendedStep>,
  service: string,
  link: string,
): Promise<Set<string>> {
  const bad = new Set<string>();
  const history = ctx.actionLog;
  if (!history) return bad;
  const since = (ctx.clock?.now() ?? Date.now()) - REMEMBER_MS;
  const { items } = await history.listActions({
    service,
    kind: 'deploy-rollback',
    state: 'verified',
    since,
    limit: 100,
  });
  for (const a of items) {
    if (a.params['link'] !== link) continue;
    for (const e of await history.journal(a.id)) {
      const left = e.state === 'applied' ? releaseLeft(e.message, link) : null;
      if (left) bad.add(left);
    }
  }
  return bad;
}

/**
 * Points `link` at `target` atomically: a new symlink beside it, renamed over it (rename(2) replaces the old
 * link in one step, so a start never finds the link missing or half written).
 */
export async function switchLink(link: string, target: string): Promise<void> {
  const tmp = path.join(path.dirname(link), `.${path.basename(link)}.${randomBytes(6).toString('hex')}`);
  await symlink(target, tmp);
  try {
    await rename(tmp, link);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Switches a Capistrano-style release link (`current` → `releases/<id>`) back to the release before the one
 * it points at, passing over releases an earlier verified rollback left (or to a named one). The link's target is recorded before (the snapshot, journaled), so a
 * failed verification switches it back. The service runs the release it started with: the playbook restarts
 * it after this step.
 */
export const deployRollbackAction: RemediationAction<ExtendedStep> = {
  kind: 'deploy-rollback',
  plan(step, service, _services, pctx) {
    const s = parseStep(deployRollbackStep, step.deploy_rollback, 'deploy_rollback');
    const vars = baseVars(service, pctx?.vars);
    const base = pctx?.baseDir ?? '.';
    const link = renderStepPath(s.current, vars, base, pctx?.files);
    const releases = s.releases
      ? renderStepPath(s.releases, vars, base, pctx?.files)
      : path.join(path.dirname(link), 'releases');
    return {
      kind: 'deploy-rollback',
      target: service,
      params: { link, releases, to: s.to ?? null },
      description: `switch ${link} back to ${s.to ? `release ${s.to}` : 'the previous release'}`,
    };
  },
  async snapshot(plan) {
    const link = plan.params['link'] as string;
    const { target } = await currentRelease(link, plan.params['releases'] as string);
    return { link, target };
  },
  async apply(plan, ctx) {
    const link = plan.params['link'] as string;
    const releases = plan.params['releases'] as string;
    const to = plan.params['to'] as string | null;
    const now = await currentRelease(link, releases);
    const names = await releaseNames(releases);
    let next: string | undefined;
    if (to !== null) {
      if (!names.includes(to)) throw new ActionError(`no release ${to} in ${releases}`);
      next = to;
    } else {
      const bad = await knownBad(ctx, plan.target, link);
      const before = names.filter((n) => n < now.name);
      next = before.filter((n) => !bad.has(n)).at(-1);
      if (!next) {
        const passed =
          before.length > 0 ? `; passed over ${before.join(', ')}: a verified rollback left each` : '';
        throw new NotApplicableError(
          `no release before ${now.name} in ${releases} (${names.length} release${names.length === 1 ? '' : 's'}${passed}): nothing to roll back to`,
        );
      }
    }
    if (next === now.name) throw new NotApplicableError(`${link} already points at release ${next}`);
    // Relative, as deploy tools write it: the tree can move without breaking the link.
    const target = path.relative(path.dirname(link), path.join(releases, next));
    await switchLink(link, target);
    return switched(link, now.name, next);
  },
  async rollback(plan, _ctx, backup) {
    const link = plan.params['link'] as string;
    const releases = plan.params['releases'] as string;
    const target = backup.state?.['target'];
    if (typeof target !== 'string') throw new ActionError(`no recorded target of ${link} to put back`);
    // Undone only while the link still points where this step put it (the release named, or one older than
    // the release it left): a deploy since is the deployer's, not Medic's to undo.
    const left = path.basename(path.resolve(path.dirname(link), target));
    const to = plan.params['to'] as string | null;
    const now = await currentRelease(link, releases);
    if (to !== null ? now.name !== to : now.name >= left)
      return `left ${link} at release ${now.name}: it was switched since this step (a deploy), not put back to ${left}`;
    await switchLink(link, target);
    return `switched ${link} back to ${target}`;
  },
};
