/**
 * Healing controls over the API: the stop switch, silences, backups and rollback, what the learner learned.
 */
import type { Command } from 'commander';
import { api, apiUrl } from '../client.js';
import { ago, table } from '../table.js';

interface Opts {
  config?: string;
  url?: string;
  json?: boolean;
}

interface Switch {
  stopped: boolean;
  actor: string;
  reason: string;
  at: number;
}

interface SilenceView {
  id: string;
  matchers: { name: string; op: string; value: string }[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  active: boolean;
}

interface BackupView {
  id: string;
  path: string;
  exists: boolean;
  size: number;
  createdAt: number;
  incidentId: string | null;
  actionId: string | null;
  reason: string | null;
  good: boolean;
}

interface LearningView {
  policy: { threshold: number; priorWeight: number; halfLifeMs: number };
  total: number;
  successRate: number | null;
  meanHealMs: number | null;
  groups: {
    cause: string;
    playbook: string;
    attempts: number;
    successes: number;
    successRate: number;
    learnedConfidence: number;
    meanHealMs: number | null;
  }[];
}

const target = (cmd: Command) =>
  cmd
    .option('-c, --config <file>', 'medic.yaml (to find the API)')
    .option('--url <url>', 'API base URL')
    .option('--json', 'print JSON');

const post = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });
const print = (opts: Opts, value: unknown, text: () => string) =>
  console.log(opts.json ? JSON.stringify(value, null, 2) : text());
const until = (t: number) => new Date(t).toISOString();
const matchers = (s: SilenceView) => s.matchers.map((m) => `${m.name}${m.op}${m.value}`).join(',');

export function registerHealing(program: Command): void {
  target(
    program.command('stop-healing').description('stop every new heal until healing is resumed (operator)'),
  )
    .option('--reason <text>', 'why, for the audit log', '')
    .action(async (opts: Opts & { reason: string }) => {
      const s = await api<Switch>(await apiUrl(opts), '/api/healing/stop', post({ reason: opts.reason }));
      print(opts, s, () => `healing stopped by ${s.actor}${s.reason ? ` (${s.reason})` : ''}`);
    });
  target(program.command('resume-healing').description('let heals run again (operator)'))
    .option('--reason <text>', 'why, for the audit log', '')
    .action(async (opts: Opts & { reason: string }) => {
      const s = await api<Switch>(await apiUrl(opts), '/api/healing/resume', post({ reason: opts.reason }));
      print(opts, s, () => `healing resumed by ${s.actor}`);
    });

  target(
    program
      .command('silence <matchers...>')
      .description(
        'silence heals of matching findings: medic silence service=api alertname=~Disk.* --for 2h',
      ),
  )
    .requiredOption('--for <duration>', 'how long (e.g. 30m, 2h)')
    .option('--comment <text>', 'why')
    .action(async (list: string[], opts: Opts & { for: string; comment?: string }) => {
      const s = await api<SilenceView>(
        await apiUrl(opts),
        '/api/silences',
        post({ matchers: list, duration: opts.for, comment: opts.comment }),
      );
      print(opts, s, () => `${s.id}: silenced ${matchers(s)} until ${until(s.endsAt)}`);
    });
  target(program.command('silences').description('list silences (active ones unless --all)'))
    .option('--all', 'include expired silences')
    .action(async (opts: Opts & { all?: boolean }) => {
      const page = await api<{ items: SilenceView[] }>(
        await apiUrl(opts),
        `/api/silences${opts.all ? '' : '?active=true'}`,
      );
      print(opts, page, () =>
        table(
          ['ID', 'MATCHERS', 'UNTIL', 'BY', 'ACTIVE', 'COMMENT'],
          page.items.map((s) => [
            s.id,
            matchers(s),
            until(s.endsAt),
            s.createdBy,
            s.active ? 'yes' : 'no',
            s.comment,
          ]),
        ),
      );
    });
  target(program.command('unsilence <silence-id>').description('end a silence now')).action(
    async (id: string, opts: Opts) => {
      const s = await api<SilenceView>(await apiUrl(opts), `/api/silences/${encodeURIComponent(id)}`, {
        method: 'DELETE',
      });
      print(opts, s, () => `${s.id} ended`);
    },
  );

  target(program.command('backups').description('file backups taken before changes, newest first'))
    .option('--path <file>', 'only this file (absolute path)')
    .action(async (opts: Opts & { path?: string }) => {
      const q = new URLSearchParams({ limit: '100' });
      if (opts.path) q.set('path', opts.path);
      const page = await api<{ items: BackupView[] }>(await apiUrl(opts), `/api/backups?${q}`);
      print(opts, page, () =>
        table(
          ['ID', 'PATH', 'SIZE', 'GOOD', 'INCIDENT', 'WHEN', 'REASON'],
          page.items.map((b) => [
            b.id,
            b.path,
            b.exists ? b.size : '(absent)',
            b.good ? 'yes' : '',
            b.incidentId ?? '',
            ago(b.createdAt),
            b.reason ?? '',
          ]),
        ),
      );
    });
  target(program.command('rollback <backup-id>').description('restore a backup byte for byte')).action(
    async (id: string, opts: Opts) => {
      const r = await api<{ restored: BackupView; previous: BackupView }>(
        await apiUrl(opts),
        `/api/backups/${encodeURIComponent(id)}/rollback`,
        post({}),
      );
      print(
        opts,
        r,
        () => `restored ${r.restored.path} from ${r.restored.id} (what it replaced is ${r.previous.id})`,
      );
    },
  );

  target(
    program.command('learning').description('success by (cause, playbook) and learned confidence'),
  ).action(async (opts: Opts) => {
    const l = await api<LearningView>(await apiUrl(opts), '/api/learning');
    print(opts, l, () => {
      const pct = (x: number | null) => (x === null ? '-' : `${Math.round(x * 100)}%`);
      const head = `${l.total} heals, ${pct(l.successRate)} succeeded; threshold ${l.policy.threshold}`;
      return `${head}\n${table(
        ['CAUSE', 'PLAYBOOK', 'ATTEMPTS', 'SUCCESS', 'CONFIDENCE', 'MEAN HEAL'],
        l.groups.map((g) => [
          g.cause,
          g.playbook,
          g.attempts,
          pct(g.successRate),
          g.learnedConfidence.toFixed(2),
          g.meanHealMs === null ? '-' : `${Math.round(g.meanHealMs)}ms`,
        ]),
      )}`;
    });
  });
}
