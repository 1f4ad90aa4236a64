import type { Action, AuditEntry, Incident } from '../core/index.js';

/**
 * Guard rails whose hold only a human lifts: an approval (`ask`), the stop switch, an escalation (a reset or
 * the service staying healthy), autonomy that does not allow the heal. A backoff, a rate limit, the blast
 * radius or a maintenance window lift by themselves: a heal that waited on those still healed alone.
 */
const HUMAN_RAILS = new Set(['stop_switch', 'escalated', 'autonomy']);

/**
 * True when the incident's heal waited for a human, so it was not "healed without a human": a person acted
 * on the incident, its actions or its service (a note, an approval, a reset, a playbook run) while it was
 * open; the guard asked for approval or held the heal on a rail only a person lifts; a person resumed
 * healing while it was open; or a silence held its heal and a person lifted a silence while it was open (a
 * silence that ran out on its own released the heal without anyone).
 */
export function waitedForHuman(
  i: Incident,
  actions: readonly Action[],
  audit: readonly AuditEntry[],
  end: number,
): boolean {
  const subjects = new Set([i.id, ...actions.map((a) => a.id)]);
  const during = (e: AuditEntry) => e.at >= i.openedAt && e.at <= end;
  const held = (e: AuditEntry, rail?: string) =>
    e.event.startsWith('guard.') &&
    e.data['incident'] === i.id &&
    (rail === undefined
      ? e.event === 'guard.ask' || (e.event === 'guard.deny' && HUMAN_RAILS.has(String(e.data['rail'])))
      : e.event === 'guard.deny' && e.data['rail'] === rail);
  const silenced = audit.some((e) => held(e, 'silence'));
  return audit.some((e) => {
    const human = e.actor !== 'medic';
    if (human && subjects.has(e.subject)) return true;
    if (human && during(e)) {
      if (e.subject === i.service || e.event === 'healing.resumed') return true;
      if (e.event === 'silence.expired' && silenced) return true;
    }
    if (e.event === 'action.awaiting_approval' && subjects.has(e.subject)) return true;
    return held(e);
  });
}
