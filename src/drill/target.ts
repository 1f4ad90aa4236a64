import path from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import type { Fault, FaultRole, TargetEnv } from './faults/index.js';

/** `role:` values (services.<name>.role) that name each kind of target. */
const ROLES: Record<FaultRole, readonly string[]> = {
  app: ['api', 'app', 'web', 'backend'],
  database: ['database', 'db', 'postgres', 'postgresql', 'mysql'],
  cache: ['cache', 'redis', 'memcached'],
};

/**
 * The supervised service a fault breaks: `override` if given; else the one whose `role` fits the fault's; for
 * an app fault with no such role, the first supervised service with an http check, then the first supervised.
 * Null when the config has none (the fault does not apply to it).
 */
export function targetService(loaded: LoadedConfig, fault: Fault, override?: string): string | null {
  const services = Object.entries(loaded.config.services).filter(([, s]) => s.run);
  if (override) return services.some(([n]) => n === override) ? override : null;
  const role = fault.role ?? 'app';
  const byRole = services.find(([, s]) => s.role && ROLES[role].includes(s.role.toLowerCase()));
  if (byRole) return byRole[0];
  if (role !== 'app') return null;
  return (services.find(([, s]) => s.checks.some((c) => c.http)) ?? services[0])?.[0] ?? null;
}

/**
 * Every supervised service the fault fits by the config: a database or cache fault, the services of that
 * role; any other fault (a crash, a hang), every supervised service; then only those with what it needs.
 */
export function fittingServices(loaded: LoadedConfig, fault: Fault): string[] {
  const role = fault.role ?? 'app';
  return Object.entries(loaded.config.services)
    .filter(([, s]) => s.run)
    .filter(([, s]) => role === 'app' || (s.role !== undefined && ROLES[role].includes(s.role.toLowerCase())))
    .map(([name]) => name)
    .filter((name) => missingNeed(fault, targetEnv(loaded, name)) === null);
}

/** What a fault may use of a service besides its pid: its http origin, run env and working directory. */
export function targetEnv(loaded: LoadedConfig, service: string): TargetEnv {
  const s = loaded.config.services[service];
  const http = s?.checks.find((c) => c.http)?.http;
  return {
    url: http ? new URL(http.url).origin : null,
    vars: { ...(s?.run?.env ?? {}) },
    cwd: path.resolve(loaded.baseDir, s?.run?.cwd ?? '.'),
    logFiles: (s?.logs?.files ?? []).map((f) => path.resolve(loaded.baseDir, f.path)),
    banNetns: banNetns(loaded, service),
  };
}

/** The `netns` of the first `block` step in a playbook for the service (or for every service), else null. */
function banNetns(loaded: LoadedConfig, service: string): string | null {
  for (const p of Object.values(loaded.config.playbooks)) {
    const on = p.when.service;
    if (on !== undefined && on !== '*' && on !== service) continue;
    const netns = p.steps.find((st) => st.block?.netns)?.block?.netns;
    if (netns) return netns;
  }
  return null;
}

/** Why the fault cannot be injected into the service (a need it lacks), or null when it can. */
export function missingNeed(fault: Fault, env: TargetEnv): string | null {
  for (const need of fault.needs ?? []) {
    if (need === 'url' && !env.url) return 'an http check';
    if (need === 'log_file') {
      if (!env.logFiles?.length) return 'a log file Medic tails (logs.files)';
      continue;
    }
    if (need === 'ban_netns') {
      if (!env.banNetns) return 'a playbook whose block step names a netns';
      continue;
    }
    if (need !== 'url' && !env.vars[need]) return `${need} in run.env`;
  }
  return null;
}
