import { describe, expect, it } from 'vitest';
import { canonicalTemplate } from './canonical.js';
import {
  CLUSTER_LOG,
  DESKTOP_SYSLOG,
  generate,
  type LineKind,
  MAIL_LOG,
  SERVICING_LOG,
} from './formats.fixture.js';
import { manyKinds } from './formats-many.fixture.js';
import { K8S_EVENTS, LOGCAT, PROXY_LOG } from './formats-platform.fixture.js';
import { COORDINATOR_LOG, JAVA_SERVICE, LOGFMT, PYTHON_WEB } from './formats-services.fixture.js';
import { DATABASE_LOG, KEY_VALUE_LOG, WEB_SERVER_LOG } from './formats-stack.fixture.js';
import { TemplateMiner } from './miner.js';

/**
 * Logs in formats unlike the Loghub sets the miner's defaults were measured on: every line must get exactly
 * the template it was written from, and each kind of line exactly one template.
 */
describe.each([
  ['a desktop syslog (bracketed process names, long lines)', DESKTOP_SYSLOG],
  ['a Windows component-servicing log (HRESULTs, package names, Windows paths)', SERVICING_LOG],
  ['a mail server log (queue ids, addresses in angle brackets, host[address] pairs)', MAIL_LOG],
  ['a cluster system log (node names, hardware locations, jobs, hex registers)', CLUSTER_LOG],
  ['a Java service (ids with underscores, object ids, exception classes, key=value)', JAVA_SERVICE],
  ['a Python web service (request ids, access fields, task ids in brackets)', PYTHON_WEB],
  ['logfmt (key=value fields, quoted messages, durations)', LOGFMT],
  ['a consensus coordinator (peers as address:port, hex epochs, sessions)', COORDINATOR_LOG],
  ['a mobile app logcat (components, object ids in braces, GC sizes)', LOGCAT],
  ['a forward proxy (clients, host:port targets, sizes with units)', PROXY_LOG],
  ['Kubernetes events (pod and node names with generated suffixes, images, probes)', K8S_EVENTS],
  ['a web server (combined access lines, bracketed times with a zone, upstream errors)', WEB_SERVER_LOG],
  ['a database server (durations, statements, checkpoints, quoted names)', DATABASE_LOG],
  ['a key-value store (saves, clients as key=value lists, sizes)', KEY_VALUE_LOG],
] as Array<[string, LineKind[]]>)('%s', (_name, kinds) => {
  it('writes each expected template as the canonical writing does', () => {
    for (const k of kinds) expect(canonicalTemplate(k.template)).toBe(k.template);
  });

  it('mines each line to the template it was written from, one template per kind', () => {
    const lines = generate(kinds, 600, 20_261_206);
    const miner = new TemplateMiner();
    const mined = lines.map((l) => miner.add(l.line).template);
    const wrong = lines
      .map((l, i) => ({ want: l.template, got: miner.text(miner.resolve(mined[i] as never)), line: l.line }))
      .filter((x) => x.got !== x.want);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(miner.templates().length).toBe(kinds.length);
  });
});

describe('a log of many templates (hundreds of kinds, most seen a few times)', () => {
  it.each([7, 8, 9])('mines each line to the template it was written from (seed %i)', (seed) => {
    const lines = generate(manyKinds(400, seed), 2000, 11);
    const miner = new TemplateMiner();
    const mined = lines.map((l) => miner.add(l.line).template);
    const wrong = lines
      .map((l, i) => ({ want: l.template, got: miner.text(miner.resolve(mined[i] as never)) }))
      .filter((x) => x.got !== x.want);
    expect(wrong.slice(0, 5)).toEqual([]);
    const kinds = new Set(lines.map((l) => l.template)).size;
    expect(kinds).toBeGreaterThan(300);
    expect(miner.templates().length).toBe(kinds);
  });
});
