import { describe, expect, it } from 'vitest';
import { compileHeader } from './header.js';
import { parseJsonLine, parseLine, parseMessage, parseTextLine } from './parse.js';
import { parseJsonLinesPayload, parseLokiPush } from './push.js';

describe('log line parsing', () => {
  it('reads JSON lines: level, message, time and the other fields', () => {
    const r = parseJsonLine(
      '{"level":50,"time":1767225600000,"msg":"db down","service":"api","stack":"Error: x\\n    at y"}',
    );
    expect(r?.level).toBe('error');
    expect(r?.at).toBe(1767225600000);
    expect(r?.message).toBe('db down\nError: x\n    at y');
    expect(r?.fields['service']).toBe('api');
    expect(parseJsonLine('not json')).toBeNull();
  });

  it('reads text with a Loghub header pattern', () => {
    const h = compileHeader('<Date> <Time> <Level> <Component>: <Content>');
    const r = parseTextLine(
      '17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi',
      h,
    );
    expect(r.level).toBe('info');
    expect(r.message).toBe('Changing view acls to: yarn,curi');
    expect(r.fields['Component']).toBe('spark.SecurityManager');
    const linux = compileHeader('<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>');
    expect(
      linux.parse('Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown')?.content,
    ).toBe('check pass; user unknown');
  });

  it('gives the pipeline the message and level parseLine gives, with groups of its own in the pattern', () => {
    const linux = compileHeader('<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>');
    const lines = [
      'Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown',
      'Jun 14 15:16:01 combo kernel: Linux version 2.6.5 ERROR',
      '{"level":"WARN","msg":"json wins"}',
      'no header here but an ERROR',
      // Space around a line (ASCII and beyond) as parseLine trims it; no trimmed copy is made per line.
      '  \t{"level":"error","msg":"indented json"}',
      '\u00a0\u2003{"level":"info","msg":"after unicode spaces"}',
      '  Jun 14 15:16:01 combo sshd(pam_unix)[1]: padded line  ',
      '\u00a0Jun 14 15:16:01 combo kernel: padded with a no-break space\u00a0',
    ];
    for (const l of lines) {
      const full = parseLine(l, linux);
      expect(parseMessage(l, linux)).toMatchObject({ message: full.message, level: full.level });
    }
    const first = lines[0] as string;
    // The content is the line's tail: where it begins is given, for scans of the line itself.
    expect(linux.split(first)).toEqual({
      content: 'check pass; user unknown',
      level: 'combo',
      from: first.length - 'check pass; user unknown'.length,
    });
    // A line trimmed first: its content is not where it was in the line as given.
    expect(linux.split(lines[6] as string)?.from).toBe(-1);
    expect(linux.parse(lines[0] as string)?.fields['PID']).toBe('19939');
  });

  it('without a level field, splits as the whole pattern does (the header alone matched)', () => {
    const patterns = [
      '<Date> <Day> <Time> <Component> sshd\\[<Pid>\\]: <Content>',
      '<Time>\\|<Component>\\|<Pid>\\|<Content>',
      '<LogId> <Node> <Component> <State> <Time> <Flag> <Content>',
      // A field right before the content, and fields the pattern makes optional.
      '<Date> <Time><Content>',
      '<Date> <Component>(\\[<Pid>\\])?: <Content>',
      '\\[<Time>\\] <Content>',
    ];
    const lines = [
      'Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186',
      '20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579',
      '2561 node-69 action start 1074119817 1 clusterAddMember  (command 1902)',
      '2026-01-02 03:04:05message glued to the time',
      'Jun 14 app[12]: with a pid: and a colon',
      'Jun 14 app: without a pid',
      '[Sun Dec 04 04:47:44 2005] notice: workerEnv.init() ok',
      'a b c d e f g h: a line\nwith a second line',
      '  padded   line  with   runs of  space  ',
      '',
      'x',
    ];
    let tails = 0;
    for (const p of patterns) {
      const h = compileHeader(p);
      for (const l of lines) {
        const full = h.parse(l);
        const s = h.split(l);
        expect(s && { content: s.content, level: s.level }, `${p} on ${JSON.stringify(l)}`).toEqual(
          full === null ? null : { content: full.content, level: null },
        );
        // Where the content begins, when given, is where it is in the line.
        if (s !== null && s.from >= 0) {
          expect(l.slice(s.from)).toBe(s.content);
          tails++;
        }
      }
    }
    expect(tails).toBeGreaterThan(20);
  });

  it('with a level field, splits as the whole pattern does (the header alone matched, its level captured)', () => {
    const patterns = [
      '<Date> <Time> <Pid> <Level> <Component>: <Content>',
      '<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>',
      '\\[<Time>\\] \\[<Level>\\] <Content>',
      '<Label> <Timestamp> <Node> <Component> <Level> <Content>',
      // The level right before the content, glued, and made optional.
      '<Date> <Level><Content>',
      '<Date>( <Level>)?: <Content>',
    ];
    const lines = [
      '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating',
      'Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; uid=0',
      'Jun 14 15:16:02 combo kernel: no pid: here',
      '[Sun Dec 04 04:47:44 2005] [error] mod_jk child in error state 6',
      '- 1117838570 R02-M1-N0 RAS KERNEL INFO instruction cache parity error corrected',
      '2026-01-02 WARNmessage glued to the level',
      '2026-01-02 ERROR: with a level',
      '2026-01-02: without one',
      'a b c d e f g h: a line\nwith a second line',
      '  padded   line  with   runs of  space  ',
      '',
      'x',
    ];
    let tails = 0;
    for (const p of patterns) {
      const h = compileHeader(p);
      for (const l of lines) {
        const full = h.parse(l);
        const s = h.split(l);
        const level = full?.fields['Level'] ?? null;
        expect(s && { content: s.content, level: s.level }, `${p} on ${JSON.stringify(l)}`).toEqual(
          full === null ? null : { content: full.content, level },
        );
        if (s !== null && s.from >= 0) {
          expect(l.slice(s.from)).toBe(s.content);
          tails++;
        }
      }
    }
    expect(tails).toBeGreaterThan(10);
  });

  it('takes a line without the header as all message', () => {
    const h = compileHeader('<Date> <Time> <Level> <Component>: <Content>');
    expect(parseLine('    at com.acme.Foo(Foo.java:1)', h).message).toBe('    at com.acme.Foo(Foo.java:1)');
  });
});

describe('push payloads', () => {
  it('parses JSON lines and counts the invalid ones', () => {
    const r = parseJsonLinesPayload('{"msg":"a","service":"api"}\n{broken\nplain text line\n\n');
    expect(r.records.map((x) => x.message)).toEqual(['a', 'plain text line']);
    expect(r.records[0]?.labels).toEqual({ service: 'api' });
    expect(r.invalid).toBe(1);
  });

  it("parses Loki's push format", () => {
    const r = parseLokiPush({
      streams: [
        { stream: { service: 'api', env: 'prod' }, values: [['1767225600000000000', 'ERROR boom'], ['x']] },
      ],
    });
    expect(r.records).toHaveLength(1);
    expect(r.records[0]?.at).toBe(1767225600000);
    expect(r.records[0]?.labels).toEqual({ service: 'api', env: 'prod' });
    expect(r.records[0]?.message).toBe('ERROR boom');
    expect(r.invalid).toBe(1);
    expect(parseLokiPush('nope').invalid).toBe(1);
  });
});

describe('text lines without a header', () => {
  it('take a leading ISO-8601 timestamp as the time and mine the rest', async () => {
    const { parseTextLine } = await import('./parse.js');
    const r = parseTextLine('2026-01-02T03:04:05.678Z demo-service[12] GET /x 500 3ms', null);
    expect(r.at).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    expect(r.message).toBe('demo-service[12] GET /x 500 3ms');
    expect(parseTextLine('plain words', null)).toMatchObject({ at: null, message: 'plain words' });
  });
});
