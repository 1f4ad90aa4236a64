import type { ServiceConfig, StepConfig } from '../../config/index.js';
import type { Clock, Severity } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import type { BackupRecord } from '../backup-record.js';
import type { Backups } from '../backups.js';
import type { FileRules } from '../safe-path.js';
import type { TemplateVars } from '../template.js';

/** What the engine needs to start and stop services; the supervisor provides it for supervised ones. */
export interface ServiceControl {
  isSupervised(service: string): boolean;
  restart(service: string): Promise<number>;
  /** True while the service's supervised process runs. */
  running?(service: string): boolean;
  /** What the last start did besides starting (a stray copy stopped, a port held by another program). */
  startNotes?(service: string): string[];
  /** What process `pid` of the service said last on stderr, as `: <line>` (empty when nothing). */
  lastWords?(service: string, pid: number): string;
}

/** Files a step changes: the engine backs them up (content-addressed) before apply. Absolute paths. */
export interface BackupSpec {
  files: string[];
}

export interface ActionPlan {
  kind: string;
  /** The service the step changes. */
  target: string;
  /** JSON only: the engine journals them, and apply / rollback must work from the journaled copy. */
  params: Record<string, unknown>;
  /** One line a human reads: "restart demo (supervised)". */
  description: string;
  /**
   * What to back up before apply. Not journaled by itself: an engine that rebuilds the plan from the
   * journal must keep it too (the file actions also copy it into `params.backupFiles`).
   */
  backup?: BackupSpec;
}

/** What plan() may use besides the step: where relative paths start and the template variables. */
export interface PlanContext {
  /** Relative paths in a step resolve against it (the config file's directory). */
  baseDir: string;
  /** `{{service.name}}`, `{{finding.labels.pod}}`…; without it only `service.name` is known. */
  vars?: TemplateVars;
  /** `policy.files`: where a templated path may point, which shared directories may be written. */
  files?: FileRules;
}

/** A message the notify action sends; the daemon routes it to the notifiers. */
export interface NotifyMessage {
  service: string;
  message: string;
  severity: Severity;
  /** A notifier name or route; null: the default route. */
  route: string | null;
}

/** What the engine hands rollback: the backups it took before apply and any state the action captured. */
export interface StepBackup {
  /** One record per file of `plan.backup.files`, from `Backups.backup`; empty when nothing was backed up. */
  files: BackupRecord[];
  /** What `snapshot()` returned before apply (the replicas before a scale, whether a unit was active). */
  state?: Record<string, unknown>;
}

export interface ActionContext<S = StepConfig> {
  signal: AbortSignal;
  baseDir: string;
  services: Record<string, ServiceConfig>;
  control: ServiceControl;
  /** The step as configured: apply reads values the plan must not persist, such as secret headers. */
  step: S;
  /** Time for `wait` (and anything else that sleeps); a RealClock when absent. */
  clock?: Clock;
  /** Sends a notification (the `notify` action); absent: notify fails with a clear error. */
  notify?: (msg: NotifyMessage) => Promise<void>;
  /** The backup store: `config-rollback` reads last known good versions, `file` rollback restores. */
  backups?: Backups;
  /** Bans applied before: `block` counts an address's earlier bans to lengthen the next, and records its own. */
  history?: Pick<Store, 'countBans' | 'recordBan'>;
  /** Earlier actions and their journals: `deploy-rollback` reads which releases its verified rollbacks left. */
  actionLog?: Pick<Store, 'listActions' | 'journal'>;
  /** `policy.files` (see PlanContext). */
  files?: FileRules;
  /** Networks no action may ban (`security.allow` and `security.sessions`; loopback always). */
  allow?: readonly string[];
}

/**
 * One kind of remediation step: plan says what it would do (pure, no I/O beyond reading config), apply does
 * it and says what happened, rollback (where the action can) undoes a change that failed verification.
 */
export interface RemediationAction<S = StepConfig> {
  readonly kind: string;
  plan(step: S, service: string, services: Record<string, ServiceConfig>, pctx?: PlanContext): ActionPlan;
  apply(plan: ActionPlan, ctx: ActionContext<S>): Promise<string>;
  /**
   * Captures the state rollback needs that is not a file (replicas before a scale). Called after the
   * backup, before apply; its result must be JSON and is passed back as `backup.state`.
   */
  snapshot?(plan: ActionPlan, ctx: ActionContext<S>): Promise<Record<string, unknown>>;
  /**
   * Undoes apply. Absent: the engine restores `backup.files` with `Backups.restore` (and, with no files,
   * says the step cannot be rolled back).
   */
  rollback?(plan: ActionPlan, ctx: ActionContext<S>, backup: StepBackup): Promise<string>;
}

/**
 * The files to back up before applying a plan: `plan.backup.files`, or, for a plan rebuilt from journaled
 * params (where `backup` is not kept), the `backupFiles` param the file actions also write.
 */
export function backupFiles(plan: ActionPlan): string[] {
  if (plan.backup) return plan.backup.files;
  const p = plan.params['backupFiles'];
  return Array.isArray(p) ? p.filter((x): x is string => typeof x === 'string') : [];
}
