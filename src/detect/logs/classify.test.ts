import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES, ErrorClassifier, hasStatus5xx } from './classify.js';
import { isSpaceCode, type KeywordScanner } from './keywords.js';
import { TokenMasker } from './token-masker.js';

describe('ErrorClassifier', () => {
  const c = new ErrorClassifier();
  const cases: Array<[string, string]> = [
    ['GET /api/orders HTTP/1.1" 503 1234', 'http_5xx'],
    ['request failed with status=502', 'http_5xx'],
    ['java.lang.IllegalStateException: boom\n    at com.acme.Foo.bar(Foo.java:12)', 'exception'],
    ['Traceback (most recent call last):\n  File "x.py", line 1', 'exception'],
    ['ERROR: deadlock detected SQLSTATE 40P01', 'database'],
    ['upstream answered 429 Too Many Requests', 'rate_limit'],
    ['context deadline exceeded while calling payments', 'timeout'],
    ['java.lang.OutOfMemoryError: Java heap space', 'out_of_memory'],
    ['authentication failure; logname= uid=0 rhost=1.2.3.4', 'auth_failure'],
    ['connect ECONNREFUSED 127.0.0.1:5432', 'connection_refused'],
    ['write /data/x: no space left on device', 'disk_full'],
  ];
  it.each(cases)('%s → %s', (line, category) => {
    expect(c.classify(line)?.category).toBe(category);
  });

  it('leaves ordinary lines alone', () => {
    expect(c.classify('Server started on port 8080')).toBeNull();
  });

  it('runs configured rules first, with their severity', () => {
    const custom = new ErrorClassifier([
      { category: 'payment_declined', severity: 'info', pattern: 'card declined' },
    ]);
    expect(custom.classify('Card declined for order 17')).toEqual({
      category: 'payment_declined',
      severity: 'info',
    });
  });

  it('counts a line its writer marked as an error', () => {
    expect(c.classify('something odd happened', 'error')).toEqual({ category: 'error', severity: 'warning' });
  });
});

describe('access-log lines', () => {
  it('an access line answered 5xx is http_5xx; 2xx and 4xx are not errors', async () => {
    const { ErrorClassifier } = await import('./classify.js');
    const c = new ErrorClassifier();
    expect(c.classify('2026-01-01T00:00:00.000Z demo-service[12] GET /api/work 500 3ms')?.category).toBe(
      'http_5xx',
    );
    expect(c.classify('GET /health 200 1ms')).toBeNull();
    expect(c.classify('POST /login 404 1ms')).toBeNull();
  });
});

describe('keyword pre-check of the built-in rules', () => {
  // The same rules without keywords: every regex runs on every line, as the pre-check must never change.
  const plain = new ErrorClassifier(
    [],
    BUILTIN_RULES.map(({ keywords: _k, holds: _h, ...r }) => r),
  );
  const fast = new ErrorClassifier();
  const same = (text: string, level?: string) => {
    const want = plain.classify(text, level);
    expect(fast.classify(text, level), JSON.stringify(text)).toEqual(want);
    // The pipeline's way: the message is the tail of a line with a header, read in place from `from`.
    const header = '2026-12-06 10:00:00 5xx-host 503:';
    expect(fast.classify(`${header}${text}`, level, text, header.length), JSON.stringify(text)).toEqual(want);
    // The keyword automaton stepped in the tokenizer's pass over the line (the pipeline's way, via the miner),
    // from the message's start in a line and from 0; the tokens the same as the tokenizer's alone.
    const scanner = fast.keywordScanner as KeywordScanner;
    const line = `${header}${text}`;
    const found = masker.lineScanned(line, raw, masked, header.length, scanner);
    expect(fast.classify(line, level, text, header.length, found), JSON.stringify(text)).toEqual(want);
    expect(scanner.finish(found, line, header.length)).toBe(scanner.scan(line, header.length));
    const tokens = [[...raw], [...masked]];
    masker.line(line, raw, masked, header.length);
    expect([raw, masked]).toEqual(tokens);
    const alone = masker.lineScanned(text, raw, masked, 0, scanner);
    expect(fast.classify(text, level, text, -1, alone), JSON.stringify(text)).toEqual(want);
  };
  const masker = new TokenMasker();
  const raw: string[] = [];
  const masked: string[] = [];

  it('every built-in rule has keywords, in lower case unless matched with their case', () => {
    for (const r of BUILTIN_RULES) {
      expect(r.keywords?.length, r.category).toBeGreaterThan(0);
      for (const k of r.keywords ?? []) {
        if (typeof k === 'string') expect(k).toBe(k.toLowerCase());
        else if (!k.exact) expect(k.text).toBe(k.text.toLowerCase());
      }
    }
  });

  it('skips the regex where a keyword stands in a place its pattern cannot match', () => {
    // Numbers inside longer numbers or words, `at ` inside a word, a lower-case `error` for a case-exact rule.
    for (const line of [
      'blk_-1429377 served 14295 bytes',
      'x504y took 4010 ms',
      'connection from 10.0.0.1 at Fri Jun 17 07:07:00 2005',
      'instruction cache parity error corrected',
      'FATALITY count 3',
    ])
      expect(fast.classify(line), line).toBeNull();
    expect(fast.classify('upstream answered 429')?.category).toBe('rate_limit');
    expect(fast.classify('x\n\tat com.acme.Foo.bar(Foo.java:1)')?.category).toBe('exception');
    expect(fast.classify('\nat Foo.bar(x)')?.category).toBe('exception');
    expect(fast.classify('IOError: gone')?.category).toBe('exception');
  });

  it("runs http_5xx's regex only on a line with a three-digit number starting with 5", () => {
    let runs = 0;
    const counted = BUILTIN_RULES.map((r) => {
      if (r.category !== 'http_5xx') return r;
      const pattern = new RegExp(r.pattern.source, r.pattern.flags);
      const test = pattern.test.bind(pattern);
      pattern.test = (t: string) => {
        runs++;
        return test(t);
      };
      return { ...r, pattern };
    });
    const c = new ErrorClassifier([], counted);
    expect(c.classify('10.0.5.143 "GET /api/orders/5723 HTTP/1.1" 200 5512 "-"')).toBeNull();
    expect(c.classify('status=250 code=50 5000 x503 503x _503')).toBeNull();
    expect(runs).toBe(0);
    expect(c.classify('"GET /api/orders HTTP/1.1" 503 12')?.category).toBe('http_5xx');
    expect(c.classify('request failed, status: 502')?.category).toBe('http_5xx');
    expect(runs).toBe(2);
  });

  it('hasStatus5xx finds a lone 5xx number from the given offset on', () => {
    expect(hasStatus5xx('503', 0)).toBe(true);
    expect(hasStatus5xx('x 599.', 0)).toBe(true);
    expect(hasStatus5xx('x503 5030 50 5a3 _503', 0)).toBe(false);
    // At the offset, the character before it is the header's: the message starts a word there.
    expect(hasStatus5xx('a503 b', 1)).toBe(true);
    expect(hasStatus5xx('503 b', 1)).toBe(false);
  });

  it('reads white space as the regular expressions do', () => {
    for (let c = 0; c < 0x10000; c++)
      expect(isSpaceCode(c), c.toString(16)).toBe(/\s/.test(String.fromCharCode(c)));
  });

  it('agrees with the plain rules on the fixtures', () => {
    const fixtures = [
      'GET /api/orders HTTP/1.1" 503 1234',
      'request failed with status=502',
      'java.lang.IllegalStateException: boom\n    at com.acme.Foo.bar(Foo.java:12)',
      'Traceback (most recent call last):\n  File "x.py", line 1',
      'ERROR: deadlock detected SQLSTATE 40P01',
      'upstream answered 429 Too Many Requests',
      'context deadline exceeded while calling payments',
      'java.lang.OutOfMemoryError: Java heap space',
      'authentication failure; logname= uid=0 rhost=1.2.3.4',
      'connect ECONNREFUSED 127.0.0.1:5432',
      'write /data/x: no space left on device',
      'Server started on port 8080',
      'something odd happened',
      '2026-01-01T00:00:00.000Z demo-service[12] GET /api/work 500 3ms',
      'GET /health 200 1ms',
      'POST /login 404 1ms',
      '    at Object.<anonymous> (index.js:1:1)',
      'relation "users" does not exist',
      'MongoServer selection failed',
      'K\u212Aill OO\u212A', // the Kelvin sign folds onto k only with the u flag
    ];
    for (const f of fixtures) for (const level of [undefined, 'error', 'fatal', 'info']) same(f, level);
  });

  it('agrees with the plain rules on generated lines', () => {
    // Every keyword, every literal the regexes need, near misses and noise, in random case and order.
    const phrases = [
      ...BUILTIN_RULES.flatMap((r) => r.keywords ?? []),
      'out of memory',
      'outofmemory',
      'OutOfMemoryError',
      'OOM-kill',
      'oom kill',
      'Cannot allocate memory',
      'ENOMEM',
      'heap out of memory',
      'no space left on device',
      'ENOSPC',
      'disk is full',
      'disk full',
      'quota exceeded',
      'filesystem full',
      'connection refused',
      'ECONNREFUSED',
      'could not connect',
      'unable to connect',
      'connect failed',
      'SQLSTATE',
      'deadlock detected',
      'SQLException',
      'database error',
      'database is locked',
      'database unavailable',
      'postgresql',
      'mysqld',
      'sqlite3',
      'mongodb',
      'error',
      'failed',
      'duplicate key',
      'relation "t" does not exist',
      'rate-limited',
      'ratelimit',
      'rate limit',
      'too many requests',
      'throttled',
      'throttling',
      '429',
      'timed out',
      'time out',
      'timeout',
      'ETIMEDOUT',
      'deadline exceeded',
      '504',
      'authentication failed',
      'authentication failure',
      'auth error',
      'authentication error',
      'invalid password',
      'invalid credentials',
      'invalid token',
      'unauthorized',
      'unauthorised',
      'permission denied',
      'access denied',
      'forbidden',
      'failed password',
      '401',
      '403',
      'HTTP/1.1"',
      'HTTP/2',
      'status=',
      'status:',
      'status',
      'code=',
      'code:',
      'code',
      '"',
      '500',
      '503',
      '599',
      '5000',
      '5',
      '50',
      '5a0',
      'x500',
      '500x',
      '_500',
      '5.500',
      'Internal Server Error',
      'Bad Gateway',
      'Service Unavailable',
      'GET',
      'POST',
      'PUT',
      'PATCH',
      'DELETE',
      'HEAD',
      'OPTIONS',
      '/api/x',
      '/',
      'at',
      'com.acme.Foo(',
      'Traceback',
      '(most recent call last)',
      'IOException:',
      'TypeError:',
      'Exception',
      'Error',
      'panic:',
      'FATAL',
      'Segmentation fault',
      'memory',
      'space',
      'connect',
      'limit',
      'time',
      'auth',
      'invalid',
      'denied',
      'http',
      'get',
      'blk_-1608999687919862906',
      '14295',
      'x429',
      '401_',
      '5040',
      'that',
      'format',
      'IOError',
      'ioerror',
      'FATALITY',
      'Segmentation faults',
      'panic:x',
      '_panic: ',
      '\u00a0',
      '\u2028',
      '10.250.19.102:50010',
      'INFO',
      'dfs.DataNode$PacketResponder:',
      'ok',
      'the',
      'request',
      'user',
    ];
    const seps = [
      ' ',
      ' ',
      ' ',
      '',
      ':',
      '=',
      '"',
      '/',
      '-',
      '.',
      ',',
      '(',
      ')',
      '\n',
      '\t',
      '\n  ',
      '  ',
      '\u00a0',
      '\n\u3000',
      '\r\n ',
    ];
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const mixCase = (w: string) => {
      const mode = rand(4);
      if (mode === 0) return w;
      if (mode === 1) return w.toUpperCase();
      if (mode === 2) return w.toLowerCase();
      return [...w].map((ch) => (rand(2) ? ch.toUpperCase() : ch.toLowerCase())).join('');
    };
    let classified = 0;
    for (let n = 0; n < 30_000; n++) {
      let line = rand(5) === 0 ? ' ' : '';
      const words = 1 + rand(8);
      for (let w = 0; w < words; w++) {
        const r = rand(10);
        if (r === 0) line += String(rand(1000));
        else line += mixCase(phrases[rand(phrases.length)] as string);
        line += seps[rand(seps.length)];
      }
      same(line);
      if (plain.classify(line)) classified++;
    }
    // The generator must reach the rules, or the comparison proves nothing.
    expect(classified).toBeGreaterThan(10_000);
  });
});
