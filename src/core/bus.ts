import { EventEmitter } from 'node:events';
import type { Action, Finding, Incident, ServiceHealth, Signal } from './types.js';

/** Every event on the bus: stages publish what they decided, readers (api, notify, drill) subscribe. */
export interface BusEvents {
  signal: [Signal];
  finding: [Finding];
  /** A service's overall health changed. */
  health: [{ service: string; from: ServiceHealth; to: ServiceHealth; at: number; reason: string }];
  incident: [{ incident: Incident; change: string }];
  action: [Action];
  /** `route`: the notifier a playbook's `escalate.route` names; absent, every one subscribed. */
  escalation: [{ service: string; incidentId: string | null; reason: string; at: number; route?: string }];
  /** A service flaps: its heals go on, delayed by `delayMs`; people are told once per incident. */
  flapping: [
    {
      service: string;
      incidentId: string;
      reason: string;
      changesLastHour: number;
      delayMs: number;
      at: number;
    },
  ];
  /** A heal did not verify; it is retried after a back-off (not when it escalated). */
  'heal:failed': [{ service: string; incidentId: string; playbook: string; at: number }];
  'config:reloaded': [{ file: string; at: number }];
  'config:rejected': [{ file: string; at: number; error: string }];
}

export type BusEvent = keyof BusEvents;

export class Bus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  emit<E extends BusEvent>(event: E, ...args: BusEvents[E]): void {
    this.emitter.emit(event, ...args);
  }

  on<E extends BusEvent>(event: E, fn: (...args: BusEvents[E]) => void): () => void {
    this.emitter.on(event, fn as (...a: unknown[]) => void);
    return () => this.emitter.off(event, fn as (...a: unknown[]) => void);
  }

  once<E extends BusEvent>(event: E, fn: (...args: BusEvents[E]) => void): () => void {
    this.emitter.once(event, fn as (...a: unknown[]) => void);
    return () => this.emitter.off(event, fn as (...a: unknown[]) => void);
  }
}
