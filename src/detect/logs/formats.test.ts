import { describe, expect, it } from 'vitest';
import {
  CLUSTER_LOG,
  DESKTOP_SYSLOG,
  generate,
  type LineKind,
  MAIL_LOG,
  SERVICING_LOG,
} from './formats.fixture.js';
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
] as Array<[string, LineKind[]]>)('%s', (_name, kinds) => {
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
