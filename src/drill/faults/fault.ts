import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What a fault is injected into: a supervised service, its process, and what the drill knows about it. */
export interface FaultTarget {
  service: string;
  pid: number;
  /** Absent when a caller only knows the pid (the crash and hang faults need nothing more). */
  env?: TargetEnv;
}

export interface TargetEnv {
  /** Origin (`http://127.0.0.1:8080`) of the service's first http check, or null. */
  url: string | null;
  /** The service's `run.env` (what Medic starts it with). */
  vars: Record<string, string>;
  /** The service's working directory: relative paths of `vars` resolve against it. */
  cwd: string;
  /** The log files Medic tails for the service (`logs.files`), absolute. */
  logFiles?: string[];
  /** The network namespace a `block` step of the service's playbooks bans in, or null (the host's). */
  banNetns?: string | null;
}

/** Which service of a stack a fault breaks, found by `role` (see target.ts). */
export type FaultRole = 'app' | 'database' | 'cache';

/** What a fault needs of its target besides the pid; a target without it cannot take the fault. */
export type FaultNeed = 'url' | 'DATA_DIR' | 'CONFIG_FILE' | 'PGPORT' | 'log_file' | 'ban_netns';

/** One way to break a service on purpose, and how to undo it if Medic does not. */
export interface Fault {
  readonly name: string;
  readonly description: string;
  /** The service it breaks (default `app`). */
  readonly role?: FaultRole;
  readonly needs?: readonly FaultNeed[];
  /**
   * The fault works through a feature of examples/demo-service (its fault switches over HTTP, its port retry,
   * the files it reads at start): only a service running that program takes it. `drill chaos` checks this on
   * the running service (see chaos-targets.ts); `drill all` trusts the role and environment.
   */
  readonly program?: 'demo-service';
  /**
   * How Medic should see it: finding kinds that are the fault's proper detection (e.g. `forecast` for a
   * leak). Any finding counts as detected; `detected_as` in the report says whether it was one of these.
   */
  readonly expect?: readonly string[];
  /**
   * The fault builds up (a leak, a disk filling): it shows only after a while and through its `expect`
   * findings, so a failure of the service's checks meanwhile is some other fault's. Absent: it shows at once.
   */
  readonly gradual?: boolean;
  /**
   * False for a fault `drill chaos` never draws: it holds something of the host only one drill may hold at a
   * time (a network namespace of the name the config gives), so overlapping injections would meet.
   */
  readonly chaos?: false;
  /**
   * What Medic should end with: `healed` (default); `escalated` for a fault no playbook may fix (another
   * program on the port): then the run is right when Medic escalated without more restarts than its cap;
   * `healed-or-escalated` for one only some configs can fix (a corrupt cache: a ladder clears it, a restart
   * alone cannot): healed, or escalated within the cap.
   */
  readonly outcome?: 'healed' | 'escalated' | 'healed-or-escalated';
  /**
   * The causes a right diagnosis of the root service names (src/diagnose/rules.ts), any one of them;
   * `unknown` where no rule describes the fault, so that a wrong named cause still counts as wrong.
   */
  readonly expectCause: readonly string[];
  inject(t: FaultTarget): Promise<void>;
  /** Puts the target back as it was; safe to call after Medic healed it, and twice. */
  undo(t: FaultTarget): Promise<void>;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Signals the process group the supervisor made the service lead (its children too), else the pid. */
export function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    signal(pid, sig);
  }
}

function envOf(t: FaultTarget, fault: string): TargetEnv {
  if (!t.env) throw new Error(`${fault} needs to know ${t.service}'s checks and environment`);
  return t.env;
}

/** The service's base URL (its first http check's origin). */
export function urlOf(t: FaultTarget, fault: string): string {
  const url = envOf(t, fault).url;
  if (!url) throw new Error(`${fault} needs an http check on ${t.service}`);
  return url;
}

/** A path from the service's environment (DATA_DIR, CONFIG_FILE), resolved against its working directory. */
export function pathVar(t: FaultTarget, fault: string, name: 'DATA_DIR' | 'CONFIG_FILE'): string {
  const env = envOf(t, fault);
  const v = env.vars[name];
  if (!v) throw new Error(`${fault} needs ${name} in ${t.service}'s run.env`);
  return path.resolve(env.cwd, v);
}

/** Flips one of the demo service's fault switches: POST <url>/fault/<name>?<query>. */
export async function faultSwitch(
  t: FaultTarget,
  fault: string,
  name: string,
  query: Record<string, string | number> = {},
): Promise<void> {
  const qs = new URLSearchParams(
    Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  const url = `${urlOf(t, fault)}/fault/${name}${qs ? `?${qs}` : ''}`;
  const res = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(3_000) });
  if (!res.ok) throw new Error(`${fault}: POST ${url} answered ${res.status} ${await res.text()}`);
}

/** `reset` for undo: the service may be down or restarted already, which is fine. */
export async function resetSwitches(t: FaultTarget, fault: string): Promise<void> {
  await faultSwitch(t, fault, 'reset').catch(() => {});
}

export async function writeText(file: string, text: string): Promise<void> {
  await writeFile(file, text);
}

export async function remove(file: string): Promise<void> {
  await rm(file, { force: true });
}
