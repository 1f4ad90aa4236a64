import type { Action, Bus, JournalEntry } from '../core/index.js';
import type { Notification } from '../notify/index.js';
import { KEEPALIVE } from '../remediate/index.js';
import type { Store } from '../store/index.js';

/** What the action notices read and where they go: the journal's bus events, the store, the router. */
export interface ActionNoticeDeps {
  bus: Bus;
  store: Pick<Store, 'journal' | 'listActions'>;
  send(n: Notification): Promise<unknown>;
  onError(err: unknown): void;
}

/**
 * Heals people must hear about (issue 15): one waiting for approval (with how to approve it), one whose
 * approval expired unanswered, and a step that failed. Each carries a key naming the run or step, so the
 * outbox sends it once however often it is decided: by the bus event, or by `catchUp` at start-up for a
 * heal that began waiting just before a crash.
 */
export function subscribeActionNotices(d: ActionNoticeDeps): {
  off: () => void;
  catchUp: () => Promise<void>;
} {
  const send = (n: Notification | null): void => {
    if (n) void d.send(n).catch(d.onError);
  };
  const off = d.bus.on('action', (a) => {
    // A keepalive start that fails (a crash loop: every one does) is supervision, not a heal: the human heard
    // of the failure itself (its escalation, or that no playbook covers it), and the starts are on the
    // incident's timeline. A notice each would page them every backoff for as long as the loop lasts.
    if (a.playbook === KEEPALIVE) return;
    if (a.state === 'awaiting_approval' && a.step === 0) send(awaitingApproval(a));
    else if (a.state === 'failed' || (a.state === 'skipped' && a.step === 0))
      // The action row keeps the reason it was planned with; why it moved is the journal's last word.
      void d.store
        .journal(a.id)
        .then((j) => send(a.state === 'failed' ? failed(a, j.at(-1)?.message ?? '') : expired(a, j)))
        .catch(d.onError);
  });
  const catchUp = async (): Promise<void> => {
    const { items } = await d.store.listActions({ state: 'awaiting_approval', limit: 1000 });
    for (const a of items) if (a.step === 0) send(awaitingApproval(a));
  };
  return { off, catchUp };
}

function runOf(a: Action): string {
  return String(a.params['runId'] ?? a.id);
}

function describe(a: Action): string {
  return String(a.params['description'] ?? `${a.kind} ${a.service}`);
}

/** The diagnosis the heal was planned on (the engine keeps it in the step's params), for the message. */
function causeOf(a: Action): Record<string, unknown> {
  const cause = a.params['cause'];
  const confidence = a.params['confidence'];
  if (typeof cause !== 'string') return {};
  return { cause, ...(typeof confidence === 'number' ? { confidence } : {}) };
}

export function awaitingApproval(a: Action): Notification {
  return {
    event: 'action.awaiting_approval',
    at: a.updatedAt,
    service: a.service,
    title: `${a.service}: ${a.playbook} waits for approval`,
    message: `Medic wants to run playbook ${a.playbook} (${describe(a)}): ${a.reason}`,
    incidentId: a.incidentId,
    key: `action.awaiting_approval|${runOf(a)}`,
    data: {
      severity: 'warning',
      playbook: a.playbook,
      actionId: a.id,
      ...causeOf(a),
      did: [`planned playbook ${a.playbook} (${describe(a)}); nothing run yet`],
      // Every way to say yes; channels with a link base turn it into a link to the dashboard's button.
      approve: {
        actionId: a.id,
        api: `POST /api/actions/${encodeURIComponent(a.id)}/approve`,
        cli: `medic approve ${a.id}`,
      },
      waitingFor: `approval: medic approve ${a.id} (or reject ${a.id}), POST /api/actions/${a.id}/approve, or the dashboard's Actions page`,
    },
  };
}

export function failed(a: Action, why: string): Notification {
  return {
    event: 'action.failed',
    at: a.updatedAt,
    service: a.service,
    title: `${a.service}: ${a.playbook} step ${a.step + 1} failed`,
    message: `${describe(a)} failed: ${why}`,
    incidentId: a.incidentId,
    key: `action.failed|${a.id}`,
    data: {
      severity: 'critical',
      playbook: a.playbook,
      actionId: a.id,
      kind: a.kind,
      ...causeOf(a),
      did: [`${describe(a)}: failed (${why})`],
      waitingFor: `the playbook's on_failure rule (roll back, go on, or escalate); you are told if it needs a human`,
    },
  };
}

/**
 * A heal's first step moved from awaiting approval to skipped without a human rejecting it: the approval
 * expired (or its incident ended first). A rejection is the human's own doing and is not sent back to them.
 */
export function expired(a: Action, journal: readonly JournalEntry[]): Notification | null {
  const [before, last] = journal.slice(-2);
  if (before?.state !== 'awaiting_approval' || !last || last.message.startsWith('rejected by ')) return null;
  return {
    event: 'action.expired',
    at: a.updatedAt,
    service: a.service,
    title: `${a.service}: approval of ${a.playbook} expired`,
    message: `playbook ${a.playbook} was not run: ${last.message}`,
    incidentId: a.incidentId,
    key: `action.expired|${runOf(a)}`,
    data: {
      severity: 'warning',
      playbook: a.playbook,
      actionId: a.id,
      ...causeOf(a),
      did: [`asked for approval of playbook ${a.playbook}; nobody answered`],
      waitingFor: `nothing from the expired request: if ${a.service} still fails, Medic decides again and asks anew`,
    },
  };
}
