import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { TemplateMiner } from '../../detect/logs/index.js';
import { compileHeader, FileTailer, type HeaderParser, parseLine } from '../../sources/logs/index.js';
import { api, apiUrl } from '../client.js';
import { table } from '../table.js';

interface ApiOpts {
  config?: string;
  url?: string;
  service?: string;
  limit?: string;
}

interface StoredLine {
  at: number;
  service: string;
  templateId: string;
  text: string;
}

async function storedLines(opts: ApiOpts, q: Record<string, string | undefined>): Promise<StoredLine[]> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ service: opts.service, limit: opts.limit ?? '100', ...q }))
    if (v) params.set(k, v);
  return (await api<{ items: StoredLine[] }>(await apiUrl(opts), `/api/logs/lines?${params}`)).items;
}

interface FileOpts {
  file?: string;
  format?: string;
}

/** Mines a whole file, calling `each` per record with its template id. */
async function mineFile(
  opts: FileOpts,
  each?: (line: string, templateId: string, miner: TemplateMiner) => void,
): Promise<TemplateMiner> {
  const header: HeaderParser | null = opts.format ? compileHeader(opts.format) : null;
  const miner = new TemplateMiner();
  const rl = createInterface({
    input: createReadStream(opts.file as string),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    const { template } = miner.add(parseLine(line, header).message);
    each?.(line, template.id, miner);
  }
  return miner;
}

/**
 * `medic logs templates|tail|search`: with --file, on a log file here; without, on what the running daemon
 * stored (its API: --url, --config or MEDIC_URL).
 */
export function registerLogs(program: Command): void {
  const logs = program.command('logs').description('mine log files into templates');

  logs
    .command('templates')
    .description('mine a file and print its templates with counts')
    .option('-f, --file <file>', "log file (default: the running daemon's store)")
    .option('-s, --service <name>', 'with the daemon: only this service')
    .option('-c, --config <file>', 'medic.yaml (to find the API)')
    .option('--url <url>', 'API base URL')
    .option('--limit <n>', 'with the daemon: how many')
    .option('--format <pattern>', 'header pattern, e.g. "<Date> <Time> <Level> <Component>: <Content>"')
    .option('--json', 'print JSON')
    .action(async (opts: FileOpts & ApiOpts & { json?: boolean }) => {
      if (!opts.file) {
        const q = new URLSearchParams({ limit: opts.limit ?? '50' });
        if (opts.service) q.set('service', opts.service);
        const page = await api<{
          items: {
            service: string;
            templateId: string;
            count: number;
            lastSeen: number;
            category: string | null;
            text: string;
          }[];
          total: number;
        }>(await apiUrl(opts), `/api/logs/templates?${q}`);
        if (opts.json) console.log(JSON.stringify(page, null, 2));
        else
          console.log(
            table(
              ['SERVICE', 'ID', 'COUNT', 'LAST SEEN', 'TEMPLATE'],
              page.items.map((t) => [
                t.service,
                t.templateId,
                t.count,
                new Date(t.lastSeen).toISOString(),
                t.text,
              ]),
            ),
          );
        return;
      }
      const miner = await mineFile(opts);
      const rows = miner
        .templates()
        .sort((a, b) => b.count - a.count)
        .map((t) => ({ id: t.id, count: t.count, template: miner.text(t) }));
      if (opts.json) console.log(JSON.stringify(rows, null, 2));
      else
        console.log(
          table(
            ['ID', 'COUNT', 'TEMPLATE'],
            rows.map((r) => [r.id, r.count, r.template]),
          ),
        );
    });

  logs
    .command('tail')
    .description('follow a file (across rotation) and print each record with its template id')
    .option('-f, --file <file>', "log file (default: the running daemon's store)")
    .option('-s, --service <name>', 'with the daemon: only this service')
    .option('-c, --config <file>', 'medic.yaml (to find the API)')
    .option('--url <url>', 'API base URL')
    .option('--limit <n>', 'with the daemon: how many')
    .option('--format <pattern>', 'header pattern')
    .option('--from-start', 'read the file from its start instead of its end')
    .action(async (opts: FileOpts & ApiOpts & { fromStart?: boolean }) => {
      if (!opts.file) {
        // Follows the daemon's store: the newest lines, then whatever arrives, once each.
        let since = 0;
        let printed = new Set<string>();
        let stop = false;
        process.once('SIGINT', () => {
          stop = true;
        });
        while (!stop) {
          const lines = await storedLines(opts, {
            since: since ? String(since) : undefined,
            limit: since ? '5000' : (opts.limit ?? '20'),
          });
          const next = new Set<string>();
          for (const l of lines) {
            const key = `${l.at}\u0000${l.service}\u0000${l.text}`;
            if (l.at === (lines.at(-1)?.at ?? 0)) next.add(key);
            if (printed.has(key)) continue;
            console.log(`${l.service} ${l.templateId} ${l.text}`);
          }
          if (lines.length > 0) {
            since = lines.at(-1)?.at ?? since;
            printed = next;
          }
          await new Promise((r) => setTimeout(r, 1000));
        }
        return;
      }
      const header = opts.format ? compileHeader(opts.format) : null;
      const miner = new TemplateMiner();
      const tailer = new FileTailer({
        path: opts.file,
        fromEnd: !opts.fromStart,
        onRecords: (records) => {
          for (const r of records) {
            const m = miner.add(parseLine(r.text, header).message, Date.now());
            console.log(`${m.template.id}${m.created ? '*' : ' '} ${r.text}`);
          }
        },
      });
      await tailer.start();
      await new Promise<void>((resolve) => process.once('SIGINT', resolve));
      await tailer.stop();
    });

  logs
    .command('search')
    .description('print the lines of a template, or the lines matching a regular expression')
    .option('-f, --file <file>', "log file (default: the running daemon's store)")
    .option('-s, --service <name>', 'with the daemon: only this service')
    .option('-c, --config <file>', 'medic.yaml (to find the API)')
    .option('--url <url>', 'API base URL')
    .option('--limit <n>', 'with the daemon: how many')
    .option('--format <pattern>', 'header pattern')
    .option('--template <id>', 'template id (as `logs templates` prints it)')
    .option('--grep <re>', 'regular expression')
    .action(async (opts: FileOpts & ApiOpts & { template?: string; grep?: string }) => {
      if (!opts.template && !opts.grep) throw new Error('give --template ID or --grep RE');
      if (!opts.file) {
        // The store matches a template or a plain substring; a regular expression is applied here.
        const re = opts.grep ? new RegExp(opts.grep) : null;
        const lines = await storedLines(opts, { template: opts.template, limit: opts.limit ?? '1000' });
        for (const l of lines) if (!re || re.test(l.text)) console.log(`${l.service} ${l.text}`);
        return;
      }
      const re = opts.grep ? new RegExp(opts.grep) : null;
      // Ids are resolved at the end: a template a line joined may since have merged into the one asked for.
      const hits: Array<{ line: string; id: string }> = [];
      const miner = await mineFile(opts, (line, id) => {
        if (re ? re.test(line) : true) hits.push({ line, id });
      });
      for (const h of hits) {
        if (opts.template && miner.get(h.id)?.id !== opts.template) continue;
        console.log(h.line);
      }
    });
}
