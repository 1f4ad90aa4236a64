import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { TemplateMiner } from '../../detect/logs/index.js';
import { compileHeader, FileTailer, type HeaderParser, parseLine } from '../../sources/logs/index.js';
import { table } from '../table.js';

interface FileOpts {
  file: string;
  format?: string;
}

/** Mines a whole file, calling `each` per record with its template id. */
async function mineFile(
  opts: FileOpts,
  each?: (line: string, templateId: string, miner: TemplateMiner) => void,
): Promise<TemplateMiner> {
  const header: HeaderParser | null = opts.format ? compileHeader(opts.format) : null;
  const miner = new TemplateMiner();
  const rl = createInterface({ input: createReadStream(opts.file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    const { template } = miner.add(parseLine(line, header).message);
    each?.(line, template.id, miner);
  }
  return miner;
}

/** `medic logs templates|tail|search`: the file-based verbs (store-backed variants come with the daemon). */
export function registerLogs(program: Command): void {
  const logs = program.command('logs').description('mine log files into templates');

  logs
    .command('templates')
    .description('mine a file and print its templates with counts')
    .requiredOption('-f, --file <file>', 'log file')
    .option('--format <pattern>', 'header pattern, e.g. "<Date> <Time> <Level> <Component>: <Content>"')
    .option('--json', 'print JSON')
    .action(async (opts: FileOpts & { json?: boolean }) => {
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
    .requiredOption('-f, --file <file>', 'log file')
    .option('--format <pattern>', 'header pattern')
    .option('--from-start', 'read the file from its start instead of its end')
    .action(async (opts: FileOpts & { fromStart?: boolean }) => {
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
    .requiredOption('-f, --file <file>', 'log file')
    .option('--format <pattern>', 'header pattern')
    .option('--template <id>', 'template id (as `logs templates` prints it)')
    .option('--grep <re>', 'regular expression')
    .action(async (opts: FileOpts & { template?: string; grep?: string }) => {
      if (!opts.template && !opts.grep) throw new Error('give --template ID or --grep RE');
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
