import { describe, expect, it } from 'vitest';
import { canonicalTemplate } from './canonical.js';
import { maskToken } from './mask.js';
import { TemplateMiner } from './miner.js';

describe('maskToken', () => {
  it('masks numbers, addresses, hex, UUIDs, paths, durations and quoted values, keeping the punctuation', () => {
    expect(maskToken('42')).toBe('<*>');
    expect(maskToken('10.0.0.1:8080')).toBe('<*>');
    expect(maskToken('[10.0.0.1]')).toBe('[<*>]');
    expect(maskToken('0x7fff1a2b')).toBe('<*>');
    expect(maskToken('deadbeef01')).toBe('<*>');
    expect(maskToken('123e4567-e89b-12d3-a456-426614174000')).toBe('<*>');
    expect(maskToken('/var/log/app.log')).toBe('<*>');
    expect(maskToken('250ms')).toBe('<*>');
    expect(maskToken("'job_42'")).toBe("'<*>'");
    expect(maskToken('node-246')).toBe('node-<*>');
    expect(maskToken('(HWID=1973)')).toBe('(HWID=<*>)');
  });

  it('masks a value after a key or in a call whole, leaving the key (even one with a digit)', () => {
    expect(maskToken('rhost=10.0.0.1')).toBe('rhost=<*>');
    expect(maskToken('r24=0x0ffea4c8')).toBe('r24=<*>');
    expect(maskToken('(uid=0)')).toBe('(uid=<*>)');
    expect(maskToken('manager=com.example.Store@8a2a501')).toBe('manager=<*>');
    expect(maskToken('chdir(/p/gb2/x8)')).toBe('chdir(<*>)');
    expect(maskToken('loc(R25-M1-N2),')).toBe('loc(<*>),');
  });

  it('masks versions, hex groups, Windows paths, host:port and signed numbers as one value', () => {
    expect(maskToken('v1.0.0')).toBe('<*>');
    expect(maskToken('2.6.5-1.358')).toBe('<*>');
    expect(maskToken('0000:00:1f.0')).toBe('<*>');
    expect(maskToken('FF:F2:9F:16:E2:23')).toBe('<*>');
    expect(maskToken('C:\\Windows\\System32\\x.dll')).toBe('<*>');
    expect(maskToken('www.example.com:443')).toBe('<*>');
    expect(maskToken('-2')).toBe('<*>');
    expect(maskToken('blk_-1727475099218615100')).toBe('blk_<*>');
  });

  it('masks object ids, glued UUIDs, compound durations, dotted hosts with a port and literals whole', () => {
    expect(maskToken('org.example.jdbc.PgConnection@1d97cc')).toBe('<*>');
    expect(maskToken('(Handler@7f3a)')).toBe('(<*>)');
    expect(maskToken('ann@example.org')).toBe('<*>');
    expect(maskToken('tasks.resize[61d3126d-fc13-4e6d-a43e-1c8d43855fee]')).toBe('tasks.resize[<*>]');
    expect(maskToken('+1s203ms')).toBe('<*>');
    expect(maskToken('2h5m30s,')).toBe('<*>,');
    expect(maskToken('50MB/128KB,')).toBe('<*>/<*>,');
    expect(maskToken('4s38ms')).toBe('<*>');
    expect(maskToken('coord-2.cluster.internal:2888')).toBe('<*>');
    expect(maskToken('Foo.java:123)')).toBe('Foo.java:<*>)');
    expect(maskToken('(granted=true)')).toBe('(granted=<*>)');
    expect(maskToken('false,')).toBe('<*>,');
    expect(maskToken('NULL')).toBe('<*>');
    expect(maskToken('nullable')).toBe('nullable');
    expect(maskToken('trust')).toBe('trust');
  });

  it('masks host names with a number under a reserved private or example name, not dotted keys', () => {
    expect(maskToken('ip-10-0-1-5.ec2.internal')).toBe('<*>');
    expect(maskToken('node-3.cluster.internal')).toBe('<*>');
    expect(maskToken('log4j2.xml.example')).toBe('log4j2.xml.example');
    expect(maskToken('web2.example.com')).toBe('<*>');
    // A dotted key with a digit ends in a word of its own, not a top-level name.
    expect(maskToken('log4j.appender.console')).toBe('log4j.appender.console');
    expect(maskToken('python3.internals')).toBe('python3.internals');
  });

  it('masks generated ids (letters and digits switching often in short runs) and IPv6 endpoints whole', () => {
    expect(maskToken('api-7d9f8b6c5-x2x9z')).toBe('api-<*>-<*>');
    expect(maskToken('req_8f2a9c')).toBe('<*>');
    expect(maskToken('request_a9f3kq7')).toBe('<*>');
    expect(maskToken('[::1]:8080')).toBe('<*>');
    expect(maskToken('[2001:db8::1]:443,')).toBe('<*>,');
    expect(maskToken('([::ffff:10.0.0.1]:5432)')).toBe('(<*>)');
    expect(maskToken('[2001:db8::1]')).toBe('[<*>]');
  });

  it('leaves words that merely contain a digit', () => {
    expect(maskToken('utf8mb4')).toBe('utf8mb4');
    expect(maskToken('k8s')).toBe('k8s');
    expect(maskToken('NioEventLoopGroup2')).toBe('NioEventLoopGroup2');
    expect(maskToken('utf8mb4_0900_ai_ci')).toBe('utf8mb4_0900_ai_ci');
    expect(maskToken('Http11Nio2Protocol')).toBe('Http11Nio2Protocol');
    expect(maskToken('C3P0PooledConnectionPool')).toBe('C3P0PooledConnectionPool');
    expect(maskToken('Log4jConfigurationFactory')).toBe('Log4jConfigurationFactory');
    expect(maskToken('ssh2')).toBe('ssh2');
    expect(maskToken('L3')).toBe('L3');
    expect(maskToken('Slf4jLogger')).toBe('Slf4jLogger');
    expect(maskToken('3rd')).toBe('3rd');
  });
});

describe('TemplateMiner', () => {
  it('gives lines of one shape one template, with their values as parameters', () => {
    const m = new TemplateMiner();
    const a = m.add('Connected to db-1 in 12ms');
    const b = m.add('Connected to db-7 in 340ms');
    expect(b.template).toBe(a.template);
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(m.text(a.template)).toBe('Connected to db-<*> in <*>');
    expect(b.params).toEqual(['db-7', '340ms']);
  });

  it('generalises a word position once it has shown many values', () => {
    const m = new TemplateMiner();
    const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const results = users.map((u) => m.add(`Invalid user ${u} from 10.0.0.${u.length}`));
    const final = m.resolve(results[0]?.template as never);
    for (const r of results) expect(m.resolve(r.template)).toBe(final);
    expect(m.text(final)).toBe('Invalid user <*> from <*>');
    expect(final.count).toBe(5);
  });

  it('keeps templates that differ in a word with few values apart', () => {
    const m = new TemplateMiner();
    for (let i = 0; i < 20; i++) {
      m.add(`Failed password for user${i} from 10.0.0.${i} port ${1000 + i} ssh2`);
      if (i % 5 === 0) m.add(`Accepted password for user${i} from 10.0.0.${i} port ${1000 + i} ssh2`);
    }
    const texts = m.templates().map((t) => m.text(t));
    expect(texts).toContain('Failed password for <*> from <*> port <*> ssh2');
    expect(texts).toContain('Accepted password for <*> from <*> port <*> ssh2');
  });

  it('routes lines of different lengths and first words apart', () => {
    const m = new TemplateMiner();
    const a = m.add('cupsd startup succeeded');
    const b = m.add('syslogd startup succeeded');
    const c = m.add('cupsd startup succeeded after retry');
    expect(new Set([a.template.id, b.template.id, c.template.id]).size).toBe(3);
  });

  it('gives lines whose first word is a value one template, when the rest of the line is the same message', () => {
    const m = new TemplateMiner();
    const clients = ['browser', 'updater', 'mailer', 'backup-agent', 'chat-client', 'sync-daemon'];
    for (let i = 0; i < 60; i++)
      m.add(`${clients[i % clients.length]} - www.example.com:443 open through proxy 10.0.0.${i}:3128 HTTPS`);
    expect(m.templates().map((t) => m.text(t))).toEqual(['<*> - <*> open through proxy <*> HTTPS']);
  });

  it('merges a template that took its own route once another has widened over it, keeping its count', () => {
    const m = new TemplateMiner();
    const states = ['NodeReady', 'NodeNotReady', 'NodeHasDiskPressure', 'NodeHasNoDiskPressure', 'NodeIdle'];
    const names = [
      'hsmm',
      'bqzb',
      'pwkw',
      'tkhw',
      'qcrr',
      'dhbp',
      'zgzw',
      'vbkz',
      'njxg',
      'rlnt',
      'slxn',
      'gtxt',
    ];
    const ids = [];
    for (let i = 0; i < 60; i++)
      ids.push(
        m.add(
          `Node pool-${names[(i * 7) % names.length]}-${names[i % names.length]} status is now: ${states[(i * 3) % 5]}`,
        ).template,
      );
    const live = m.templates();
    expect(live.map((t) => m.text(t))).toEqual(['Node <*> status is now: <*>']);
    expect(live[0]?.count).toBe(60);
    for (const t of ids) expect(m.resolve(t)).toBe(live[0]);
  });

  it('keeps short messages that differ in their first word apart (too few words in common)', () => {
    const m = new TemplateMiner();
    const daemons = ['cupsd', 'syslogd', 'klogd', 'sdpd', 'hcid', 'portmap'];
    for (const d of daemons) m.add(`${d} startup succeeded`);
    expect(m.templates().length).toBe(daemons.length);
  });

  it('forgets a cluster filed on several routes from all of them', () => {
    const m = new TemplateMiner({ maxClusters: 20 });
    for (let i = 0; i < 400; i++) {
      m.add(`worker${String.fromCharCode(97 + (i % 26))} - job queued for shard ${i % 9} in region west`);
      m.add(`unique${String.fromCharCode(97 + (i % 23))}${i % 7} thing ${'x'.repeat(i % 40)}`);
    }
    expect(m.templates().length).toBeLessThanOrEqual(20);
  });

  it('in a leaf crowded with one-off lines, compares a line with the clusters last used only', () => {
    // Lines of words that never repeat (free text, names no mask knows) pile up in one leaf; a message that
    // recurs among them keeps its template while it comes back within the window, and one that returns
    // only after more new clusters than the window holds starts a new one (the price of a bounded scan).
    let seed = 7;
    const rnd = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const word = () => {
      let w = '';
      for (let i = 0, n = 4 + Math.floor(rnd() * 5); i < n; i++)
        w += String.fromCharCode(97 + Math.floor(rnd() * 26));
      return w;
    };
    const ids = (every: number) => {
      const m = new TemplateMiner();
      const got: string[] = [];
      for (let i = 1; i <= 3000; i++) {
        if (i % every === 0) {
          got.push(m.match(`${word()} ${word()} requested a refresh of the catalogue`).id);
        } else m.match(Array.from({ length: 8 }, word).join(' '));
      }
      // Each line's template as it is now: the first ones merged once the names were seen to vary.
      return new Set(got.map((id) => m.get(id)?.id)).size;
    };
    expect(ids(50)).toBe(1);
    expect(ids(600)).toBeGreaterThan(1);
  });

  it('bounds the number of clusters it keeps', () => {
    const m = new TemplateMiner({ maxClusters: 50 });
    for (let i = 0; i < 500; i++)
      m.add(`unique${String.fromCharCode(97 + (i % 26))}${i % 7} thing ${'x'.repeat(i % 40)}`);
    expect(m.templates().length).toBeLessThanOrEqual(50);
  });
});

describe('values that span words', () => {
  const textOf = (line: string) => {
    const m = new TemplateMiner();
    return m.text(m.add(line).template);
  };

  it('masks a date and time written inside a message as one variable', () => {
    expect(textOf('connection from 10.0.0.1 at Fri Jun 17 07:07:00 2005')).toBe('connection from <*> at <*>');
    expect(textOf('status=M Fri Jul 01 08:16:53 PDT 2005')).toBe('status=M <*>');
    expect(textOf('[2005-06-17 07:07:00,123] started')).toBe('[<*>] started');
    expect(textOf('May is a month')).toBe('May is a month');
  });

  it('masks a size with its unit as one value', () => {
    expect(textOf('stored (estimated size 93.0 B, free 317.1 KB)')).toBe(
      'stored (estimated size <*>, free <*>)',
    );
  });

  it('keeps the key and brackets around a position that varies', () => {
    const m = new TemplateMiner();
    let t = m.add('failure ruser= rhost=10.0.0.1 (a.example.org)').template;
    for (const h of [
      'gw.example.net (b.example.org)',
      'x.example.net (c.example.org)',
      'y.example.net (d.example.org)',
    ])
      t = m.add(`failure ruser= rhost=${h}`).template;
    expect(m.text(t)).toBe('failure ruser= rhost=<*> (<*>)');
  });
});

describe('canonicalTemplate', () => {
  it('writes values the way the Loghub guidelines do', () => {
    expect(canonicalTemplate('took <*>.<*> s')).toBe('took <*> s');
    expect(canonicalTemplate('cache  enabled true')).toBe('cache enabled <*>');
    // A user name is a value only where lines show it varies: no list of names.
    expect(canonicalTemplate('user root logged in')).toBe('user root logged in');
    expect(canonicalTemplate('block blk_<*> at /tmp/x')).toBe('block <*> at <*>');
    expect(canonicalTemplate('port 8080')).toBe('port <*>');
  });
});

describe('TemplateMiner.match', () => {
  it('mines exactly as add does, returning only the template', () => {
    const lines = [
      'Accepted password for root from 10.0.0.1 port 22 ssh2',
      'Failed password for admin from 10.0.0.2 port 2222 ssh2',
      'Accepted password for bob from 10.0.0.3 port 22 ssh2',
      'Received block blk_-6952295868487656571 of size 67108864 from /10.251.73.220',
      'Received block blk_38865049064139660 of size 3547 from /10.251.73.221',
      'Invalid user eve from 10.0.0.9',
      'Invalid user mallory from 10.0.0.10',
      'Invalid user trent from 10.0.0.11',
      'Invalid user peggy from 10.0.0.12',
    ];
    const a = new TemplateMiner();
    const b = new TemplateMiner();
    for (const [i, line] of lines.entries()) {
      const viaAdd = a.add(line, i).template;
      const viaMatch = b.match(line, i);
      expect(viaMatch.id).toBe(viaAdd.id);
      expect(b.text(viaMatch)).toBe(a.text(viaAdd));
    }
    expect(b.templates().map((t) => [t.id, t.count, b.text(t)])).toEqual(
      a.templates().map((t) => [t.id, t.count, a.text(t)]),
    );
  });
});

describe('addresses and bracketed values', () => {
  const textOf = (lines: string[]) => {
    const m = new TemplateMiner();
    let t = m.add(lines[0] as string).template;
    for (const l of lines.slice(1)) t = m.add(l).template;
    return m.text(m.resolve(t));
  };

  it('masks an e-mail address, keeping its angle brackets', () => {
    expect(maskToken('from=<ann.lee@example.org>,')).toBe('from=<<*>>,');
    expect(maskToken('<kim@example.net>:')).toBe('<<*>>:');
    expect(maskToken('user@localhost')).toBe('user@localhost');
  });

  it('keeps no closing bracket of a bracket the value opened', () => {
    expect(maskToken('client=relay1.example.net[10.0.0.1]')).toBe('client=<*>');
    expect(maskToken('id=[10.0.0.1]')).toBe('id=[<*>]');
    expect(maskToken('(uid=0)')).toBe('(uid=<*>)');
  });

  it('keeps the bracketed group after a name that varies: name[id] is <*>[<*>]', () => {
    expect(
      textOf(['exited: mail[12]', 'exited: indexer[345]', 'exited: photos[6789]', 'exited: notes[1]']),
    ).toBe('exited: <*>[<*>]');
    const hosts = ['relay.example.net', 'mx.example.org', 'gw.example.com', 'in.example.net'];
    expect(textOf(hosts.map((h, i) => `from ${h}[10.0.0.${i}]`))).toBe('from <*>[<*>]');
  });
});

describe('template ids', () => {
  it('fnv1aJoined hashes tokens as fnv1a hashes them joined by spaces (ids stay what they were)', async () => {
    const { fnv1a, fnv1aJoined } = await import('./miner.js');
    for (const tokens of [[], [''], ['a'], ['', ''], ['connect', 'from', '<*>'], ['ünï', 'cödé', ' x ']])
      expect(fnv1aJoined(tokens)).toBe(fnv1a(tokens.join(' ')));
  });
});
