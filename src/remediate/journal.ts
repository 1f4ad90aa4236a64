import type { Action, ActionState, Bus, Clock } from '../core/index.js';
import type { Store } from '../store/index.js';

/**
 * Every step's intent is written before it runs and each state it reaches after; each write also goes to
 * the audit log. What a crash leaves unfinished is found by `unfinished()` and reconciled, never re-run.
 */
export class Journal {
  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly clock: Clock,
  ) {}

  async intend(
    a: Omit<Action, 'createdAt' | 'updatedAt'>,
    message: string,
    actor = 'medic',
  ): Promise<Action> {
    const at = this.clock.now();
    const action: Action = { ...a, createdAt: at, updatedAt: at };
    await this.store.createAction(action, message);
    return this.record(action, at, actor, message);
  }

  /**
   * Moves the step to `state`. With `expected` (the state the caller knows the step is in), the move is a
   * compare-and-set in the store: a ConflictError means someone else moved it first and nothing was written.
   */
  async move(
    id: string,
    state: ActionState,
    message: string,
    actor = 'medic',
    expected?: ActionState | readonly ActionState[],
  ): Promise<Action> {
    const at = this.clock.now();
    const action = await this.store.updateAction(id, state, message, at, expected);
    return this.record(action, at, actor, message);
  }

  /** Every journal write is also an audit entry and a bus event. */
  private async record(action: Action, at: number, actor: string, message: string): Promise<Action> {
    await this.store.audit({
      at,
      actor,
      event: `action.${action.state}`,
      subject: action.id,
      data: {
        service: action.service,
        playbook: action.playbook,
        step: action.step,
        kind: action.kind,
        message,
      },
    });
    this.bus.emit('action', action);
    return action;
  }

  unfinished(): Promise<Action[]> {
    return this.store.unfinishedActions();
  }
}
