import { ConflictError, errorMessage, newId } from '../core/index.js';
import type { HealingSwitch, Silence, SilenceMatcher } from '../store/index.js';
import type { BackupRecord } from './backup-record.js';
import type { Backups } from './backups.js';
import type { EngineDeps } from './deps.js';
import { freshGuardState } from './guard.js';
import { validateMatcher } from './silences.js';

export interface NewSilence {
  matchers: SilenceMatcher[];
  /** Default: now. */
  startsAt?: number;
  endsAt: number;
  comment?: string;
}

/**
 * The operator's controls, what the API and CLI drive: the stop switch, silences, restoring a backup and
 * resetting the guard. Each is audited. Lifting a stop or a silence calls `onLifted` so the engine decides
 * again what they held back; this file does not know how.
 */
export class Controls {
  constructor(
    private readonly d: Pick<EngineDeps, 'store' | 'clock'>,
    private readonly backups: Backups,
    private readonly onLifted: () => void,
  ) {}

  /** Forgets failed heals and an escalation: a human said so, or the service stayed healthy. */
  async resetGuard(service: string, actor: string, reason: string): Promise<void> {
    const state = await this.d.store.getGuardState(service);
    if (!state || (state.failedHeals === 0 && !state.escalated)) return;
    await this.d.store.putGuardState(freshGuardState(service, this.d.clock.now()));
    await this.d.store.audit({
      at: this.d.clock.now(),
      actor,
      event: 'guard.reset',
      subject: service,
      data: { reason },
    });
  }

  async healingSwitch(): Promise<HealingSwitch> {
    return (await this.d.store.getHealingSwitch()) ?? { stopped: false, actor: 'medic', reason: '', at: 0 };
  }

  /** Stops every new heal (running steps finish) until `resumeHealing`. */
  async stopHealing(actor: string, reason: string): Promise<HealingSwitch> {
    return this.setSwitch(true, 'healing.stopped', actor, reason);
  }

  /** Lets heals run again; services a stop refused are decided again now. */
  async resumeHealing(actor: string, reason: string): Promise<HealingSwitch> {
    const s = await this.setSwitch(false, 'healing.resumed', actor, reason);
    this.onLifted();
    return s;
  }

  async createSilence(input: NewSilence, actor: string): Promise<Silence> {
    const now = this.d.clock.now();
    if (input.matchers.length === 0) throw new ConflictError('a silence needs at least one matcher');
    for (const m of input.matchers) {
      try {
        validateMatcher(m);
      } catch (err) {
        throw new ConflictError(errorMessage(err));
      }
    }
    const startsAt = input.startsAt ?? now;
    if (input.endsAt <= Math.max(now, startsAt)) throw new ConflictError('a silence must end in the future');
    const s: Silence = {
      id: newId('sil'),
      matchers: input.matchers,
      startsAt,
      endsAt: input.endsAt,
      createdBy: actor,
      comment: input.comment ?? '',
      createdAt: now,
    };
    await this.d.store.createSilence(s);
    await this.d.store.audit({
      at: now,
      actor,
      event: 'silence.created',
      subject: s.id,
      data: { matchers: s.matchers, startsAt, endsAt: s.endsAt, comment: s.comment },
    });
    return s;
  }

  /** Ends a silence now; what it held back is decided again. */
  async expireSilence(id: string, actor: string): Promise<Silence> {
    const now = this.d.clock.now();
    const s = await this.d.store.expireSilence(id, now);
    await this.d.store.audit({ at: now, actor, event: 'silence.expired', subject: id, data: {} });
    this.onLifted();
    return s;
  }

  /**
   * Restores a backup (a file as it was before a change). The current content is backed up first, so the
   * rollback itself can be undone.
   */
  async rollbackBackup(
    backupId: string,
    actor: string,
  ): Promise<{ restored: BackupRecord; previous: BackupRecord }> {
    const rec = await this.backups.get(backupId);
    const [previous] = await this.backups.backup([rec.path], null, {
      incidentId: rec.incidentId,
      reason: `before ${actor} rolled ${rec.path} back to ${rec.id}`,
    });
    const restored = await this.backups.restore(backupId);
    await this.d.store.audit({
      at: this.d.clock.now(),
      actor,
      event: 'backup.restored',
      subject: backupId,
      data: { path: rec.path, hash: rec.hash, previous: previous!.id },
    });
    if (rec.incidentId) {
      await this.d.store
        .addTimeline(
          rec.incidentId,
          this.d.clock.now(),
          'note',
          `${actor} rolled ${rec.path} back to ${rec.id}`,
          {},
        )
        .catch(() => undefined);
    }
    return { restored, previous: previous! };
  }

  private async setSwitch(
    stopped: boolean,
    event: 'healing.stopped' | 'healing.resumed',
    actor: string,
    reason: string,
  ): Promise<HealingSwitch> {
    const s: HealingSwitch = { stopped, actor, reason, at: this.d.clock.now() };
    await this.d.store.setHealingSwitch(s);
    await this.d.store.audit({ at: s.at, actor, event, subject: 'healing', data: { reason } });
    return s;
  }
}
