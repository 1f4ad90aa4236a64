import { type Action, type ActionState, type Bus, type Clock, redactText } from '../core/index.js';
import type { AuditInput, Store } from '../store/index.js';

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
    // What the journal keeps is stored, audited and served: messages and descriptions are redacted here,
    // whatever step wrote them (params stay as planned: apply runs from them).
    const said = redactText(message);
    const action: Action = { ...a, reason: redactText(a.reason), createdAt: at, updatedAt: at };
    const desc = action.params['description'];
    if (typeof desc === 'string') action.params = { ...action.params, description: redactText(desc) };
    await this.store.createAction(action, said, (x) => auditEntry(x, at, actor, said));
    return this.emit(action);
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
    const said = redactText(message);
    const action = await this.store.updateAction(id, state, said, at, expected, (x) =>
      auditEntry(x, at, actor, said),
    );
    return this.emit(action);
  }

  /** Every journal write is also an audit entry (in the same transaction) and a bus event. */
  private emit(action: Action): Action {
    this.bus.emit('action', action);
    return action;
  }

  unfinished(): Promise<Action[]> {
    return this.store.unfinishedActions();
  }
}

function auditEntry(action: Action, at: number, actor: string, message: string): AuditInput {
  return {
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
  };
}
