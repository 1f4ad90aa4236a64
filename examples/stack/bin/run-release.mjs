#!/usr/bin/env node
// Runs a Node program from a Capistrano-style deploy directory, as the stack's API does:
//
//   DEPLOY/releases/<id>/   one directory per release (<id> a UTC timestamp, so names sort in time)
//   DEPLOY/current          a symlink to the live release, switched by a rename (atomic)
//
// usage: node run-release.mjs DEPLOY/current SOURCE
// The link is named on the command line, so whoever reads it (Medic's diagnosis, a drill) finds the release
// link the process runs from. The first start (no link yet) deploys SOURCE (a program file) as the first
// release. Every start then
// runs <current>/<SOURCE's file name> in this process (imported, not spawned), so the pid Medic supervises
// and signals is the program's own, and this command line stays the same across releases. A release may
// carry `release.env` (KEY=VALUE lines): added to the environment it runs with.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [linkArg, sourceArg] = process.argv.slice(2);
if (!linkArg || !sourceArg) {
  process.stderr.write('usage: node run-release.mjs DEPLOY/current SOURCE_FILE\n');
  process.exit(2);
}
const current = path.resolve(linkArg);
const deploy = path.dirname(current);
const source = path.resolve(sourceArg);
const entry = path.basename(source);

/** A release id: the UTC time to the millisecond, digits only (sorts in time). */
const releaseId = () => new Date().toISOString().replace(/\D/g, '').slice(0, 17);

/** The nearest node_modules above `dir`: a release links it, as deploy tools link a shared directory. */
function nodeModulesAbove(dir) {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    const nm = path.join(d, 'node_modules');
    if (existsSync(nm)) return nm;
  }
  return null;
}

function firstDeploy() {
  const id = releaseId();
  const dir = path.join(deploy, 'releases', id);
  mkdirSync(dir, { recursive: true });
  copyFileSync(source, path.join(dir, entry));
  const modules = nodeModulesAbove(path.dirname(realpathSync(source)));
  if (modules) symlinkSync(modules, path.join(dir, 'node_modules'));
  const sha = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  writeFileSync(path.join(dir, 'REVISION'), `${sha} ${source}\n`);
  const tmp = path.join(deploy, `.${path.basename(current)}.${process.pid}`);
  symlinkSync(path.join('releases', id), tmp);
  renameSync(tmp, current);
  process.stdout.write(`run-release: first release ${id} deployed from ${source}\n`);
}

const isLink = (p) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};
if (!isLink(current)) firstDeploy();

const release = realpathSync(current);
const envFile = path.join(release, 'release.env');
if (existsSync(envFile)) {
  for (const line of readFileSync(envFile, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) process.env[m[1]] = m[2];
  }
}
await import(pathToFileURL(path.join(release, entry)).href);
