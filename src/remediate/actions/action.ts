import type { ServiceConfig, StepConfig } from '../../config/index.js';

/** What the engine needs to start and stop services; the supervisor provides it for supervised ones. */
export interface ServiceControl {
  isSupervised(service: string): boolean;
  restart(service: string): Promise<number>;
}

export interface ActionPlan {
  kind: string;
  /** The service the step changes. */
  target: string;
  params: Record<string, unknown>;
  /** One line a human reads: "restart demo (supervised)". */
  description: string;
}

export interface ActionContext {
  signal: AbortSignal;
  baseDir: string;
  services: Record<string, ServiceConfig>;
  control: ServiceControl;
  /** The step as configured: apply reads values the plan must not persist, such as secret headers. */
  step: StepConfig;
}

/** One kind of remediation step: plan says what it would do, apply does it and says what happened. */
export interface RemediationAction {
  readonly kind: string;
  plan(step: StepConfig, service: string, services: Record<string, ServiceConfig>): ActionPlan;
  apply(plan: ActionPlan, ctx: ActionContext): Promise<string>;
}
