import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLUSTER_LOG,
  DESKTOP_SYSLOG,
  generate,
  type LineKind,
  MAIL_LOG,
  Rng,
  SERVICING_LOG,
} from '../../src/detect/logs/formats.fixture.js';
import { manyKinds } from '../../src/detect/logs/formats-many.fixture.js';
import { K8S_EVENTS, LOGCAT, PROXY_LOG } from '../../src/detect/logs/formats-platform.fixture.js';
import {
  COORDINATOR_LOG,
  JAVA_SERVICE,
  LOGFMT,
  PYTHON_WEB,
} from '../../src/detect/logs/formats-services.fixture.js';
import { DATABASE_LOG, KEY_VALUE_LOG, WEB_SERVER_LOG } from '../../src/detect/logs/formats-stack.fixture.js';
import { type Dataset, loadContents, minerThroughput } from './evaluate.js';
import { storeIngestThroughput } from './ingest.js';

/**
 * Speed on logs unlike the Loghub sets: the synthetic formats of the miner's tests, each written as a whole log
 * with a header of its kind (a syslog prefix, a servicing log's date and level columns, a cluster log's
 * alert flag, epoch and node columns, a log4j layout's thread and class, logcat's pid, tid, level and tag,
 * klog's prefix) and its header pattern, then measured as a Loghub set is: the miner
 * alone on the messages, and a tailed file into the store.
 */
export interface Format {
  name: string;
  kinds: LineKind[];
  pattern: string;
  header: (r: Rng, i: number) => string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const time = (i: number) => `${pad(10 + ((i / 3600) | 0))}:${pad(((i / 60) | 0) % 60)}:${pad(i % 60)}`;
const millis = (r: Rng) => String(r.int(0, 999)).padStart(3, '0');
const level = (r: Rng) => r.pick(['INFO', 'INFO', 'INFO', 'WARN', 'ERROR', 'DEBUG']);

export const FORMATS: Format[] = [
  {
    name: 'desktop-syslog',
    kinds: DESKTOP_SYSLOG,
    pattern: '<Month> <Day> <Time> <Host> <Content>',
    header: (_r, i) => `Dec  6 ${time(i)} studio-mini`,
  },
  {
    name: 'servicing',
    kinds: SERVICING_LOG,
    pattern: '<Date> <Time>, <Level> <Component> <Content>',
    header: (r, i) => `2026-12-06 ${time(i)}, ${r.pick(['Info   ', 'Warning', 'Error  '])}  CBS  `,
  },
  {
    name: 'mail',
    kinds: MAIL_LOG,
    pattern: '<Month> <Day> <Time> <Host> <Component>\\[<Pid>\\]: <Content>',
    header: (r, i) =>
      `Dec  6 ${time(i)} mx1 ${r.pick(['smtpd', 'qmgr', 'smtp', 'cleanup'])}[${r.int(100, 99999)}]:`,
  },
  {
    name: 'cluster',
    kinds: CLUSTER_LOG,
    pattern: '<Alert> <Epoch> <Date> <Node> <Month> <Day> <Time> <Source> <Component>: <Content>',
    header: (r, i) => {
      const node = `cn${r.int(1, 999)}`;
      return `${r.pick(['-', '-', '-', 'KERNDTLB'])} ${1_765_000_000 + i} 2026.12.06 ${node} Dec 6 ${time(i)} ${node}/${node} ${r.pick(['kernel', 'sshd', 'ntpd', 'pbs_mom'])}:`;
    },
  },
  {
    name: 'java-service',
    kinds: JAVA_SERVICE,
    pattern: '<Date> <Time> <Level> \\[<Thread>\\] <Component> - <Content>',
    header: (r, i) =>
      `2026-12-06 ${time(i)}.${millis(r)} ${level(r)} [${r.pick(['main', 'http-nio-8080-exec-3', 'kafka-consumer-1', 'scheduling-1'])}] ${r.pick(['c.e.orders.OrderService', 'c.e.db.PoolBase', 'c.e.cache.CacheStats'])} -`,
  },
  {
    name: 'python-web',
    kinds: PYTHON_WEB,
    pattern: '<Date> <Time> <Level> <Logger>: <Content>',
    header: (r, i) =>
      `2026-12-06 ${time(i)},${millis(r)} ${level(r)} ${r.pick(['app.api', 'app.auth', 'worker.tasks', 'server.access'])}:`,
  },
  {
    name: 'logfmt',
    kinds: LOGFMT,
    pattern: 'time=<Time> <Content>',
    header: (r, i) => `time=2026-12-06T${time(i)}.${millis(r)}Z`,
  },
  {
    name: 'coordinator',
    kinds: COORDINATOR_LOG,
    pattern: '<Date> <Time> \\[<Thread>\\] <Level> - <Content>',
    header: (r, i) =>
      `2026-12-06 ${time(i)},${millis(r)} [${r.pick(['election-1:Election', 'sync-3:Follower', 'sessions:SessionTracker'])}@${r.int(80, 900)}] ${level(r)} -`,
  },
  {
    name: 'logcat',
    kinds: LOGCAT,
    pattern: '<Date> <Time> <Pid> <Tid> <Level> <Component>: <Content>',
    header: (r, i) =>
      `12-06 ${time(i)}.${millis(r)} ${r.int(500, 30_000)} ${r.int(500, 30_000)} ${r.pick(['I', 'D', 'W', 'E'])} ${r.pick(['ActivityManager', 'WindowManager', 'art', 'Choreographer'])}:`,
  },
  {
    name: 'proxy',
    kinds: PROXY_LOG,
    pattern: '\\[<Time>\\] <Content>',
    header: (_r, i) => `[12.06 ${time(i)}]`,
  },
  {
    name: 'k8s-events',
    kinds: K8S_EVENTS,
    pattern: '<Header> <Time> <Pid> <Source>\\] <Content>',
    header: (r, i) =>
      `${r.pick(['I', 'I', 'W'])}1206 ${time(i)}.${millis(r)}000 ${r.int(1, 99)} ${r.pick(['event.go:294', 'recorder.go:104'])}]`,
  },
  {
    // An error log's header on every line (a file of access lines has none: the line is the message).
    name: 'web-server',
    kinds: WEB_SERVER_LOG,
    pattern: '<Date> <Time> \\[<Level>\\] <Pid>#<Tid>: <Content>',
    header: (r, i) => `2026/12/06 ${time(i)} [${r.pick(['error', 'warn', 'notice'])}] ${r.int(100, 9999)}#0:`,
  },
  {
    name: 'database',
    kinds: DATABASE_LOG,
    pattern: '<Date> <Time> <Zone> \\[<Pid>\\] <Content>',
    header: (r, i) => `2026-12-06 ${time(i)}.${millis(r)} UTC [${r.int(100, 99999)}]`,
  },
  {
    // Hundreds of kinds of line of made-up words, most seen a few times (formats-many.fixture.ts).
    name: 'many-templates',
    kinds: manyKinds(400, 7),
    pattern: '<Month> <Day> <Time> <Host> <Component>\\[<Pid>\\]: <Content>',
    header: (r, i) =>
      `Dec  6 ${time(i)} appliance-2 ${r.pick(['sysmond', 'netd', 'storaged'])}[${r.int(100, 9999)}]:`,
  },
  {
    name: 'key-value',
    kinds: KEY_VALUE_LOG,
    pattern: '<Pid>:<Role> <Day> <Month> <Year> <Time> <Level> <Content>',
    header: (r, i) =>
      `${r.int(1, 9999)}:${r.pick(['M', 'C', 'S'])} 06 Dec 2026 ${time(i)}.${millis(r)} ${r.pick(['*', '#', '-'])}`,
  },
];

export interface FormatResult {
  name: string;
  lines_per_sec: number;
  store_lines_per_sec: number;
  templates: number;
  kinds: number;
  header_misses: number;
}

export async function formatThroughputs(): Promise<FormatResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'medic-formats-'));
  const out: FormatResult[] = [];
  try {
    for (const f of FORMATS) {
      const r = new Rng(20_261_206);
      const generated = generate(f.kinds, 2000, 20_261_206);
      const lines = generated.map((l, i) => `${f.header(r, i)} ${l.line}`);
      const folder = join(dir, f.name);
      mkdirSync(folder);
      const ds: Dataset = {
        name: f.name,
        log: join(folder, `${f.name}_2k.log`),
        format: join(folder, 'log_format.txt'),
        structured: null,
        corrected: null,
      };
      writeFileSync(ds.log, `${lines.join('\n')}\n`);
      writeFileSync(ds.format, `${f.pattern}\n`);
      const { contents, misses } = loadContents(ds);
      const { TemplateMiner } = await import('../../src/detect/logs/index.js');
      const miner = new TemplateMiner();
      for (const c of contents) miner.add(c);
      out.push({
        name: f.name,
        lines_per_sec: minerThroughput(contents),
        store_lines_per_sec: (await storeIngestThroughput(ds, 200_000)).cpuLinesPerSec,
        templates: miner.templates().length,
        // The kinds the lines were written from (a log of many kinds has some never drawn in 2,000 lines).
        kinds: new Set(generated.map((l) => l.template)).size,
        header_misses: misses,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
