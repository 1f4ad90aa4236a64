import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowList } from '../core/index.js';
import { AbuseDetector, classifyAbuse, MAX_ADDRESSES, parseAddressSpec } from './abuse.js';

const settings = { max_failures: 5, max_missing: 20, window: 600_000 };

describe('classifyAbuse: generic shapes of failure, with the client address', () => {
  it.each([
    ['Failed password for root from 203.0.113.9 port 51234 ssh2', '203.0.113.9', 'auth'],
    ['Failed publickey for git from 2001:db8::7 port 4022 ssh2', '2001:db8::7', 'auth'],
    ['Invalid user admin from 198.51.100.4 port 40022', '198.51.100.4', 'auth'],
    [
      'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.4 ',
      '198.51.100.4',
      'auth',
    ],
    [
      "Login failed for user 'sa'. Reason: Password did not match. [CLIENT: 192.0.2.44]",
      '192.0.2.44',
      'auth',
    ],
    [
      '{"level":"warn","msg":"invalid credentials","user":"bob","remote_addr":"192.0.2.5"}',
      '192.0.2.5',
      'auth',
    ],
    ['auth: wrong password for alice, ip=::ffff:192.0.2.80', '192.0.2.80', 'auth'],
    ['user "x": password mismatch, client: [2001:DB8:0:0::9], server: _', '2001:db8::9', 'auth'],
    [
      '192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET /admin HTTP/1.1" 401 12 "-" "curl/8"',
      '192.0.2.1',
      'denied',
    ],
    ['2001:db8::3 - bob [10/Oct/2026:13:55:36 +0000] "POST /api HTTP/2.0" 403 0', '2001:db8::3', 'denied'],
    ['192.0.2.2 - - [10/Oct/2026:13:55:36 +0000] "GET /api HTTP/1.1" 429 0', '192.0.2.2', 'rate_limited'],
    ['192.0.2.3 - - [10/Oct/2026:13:55:36 +0000] "GET /.env HTTP/1.1" 404 153', '192.0.2.3', 'missing'],
    ['method=GET path=/x status=401 src=192.0.2.6:51000', '192.0.2.6', 'denied'],
  ])('%s', (line, address, reason) => {
    expect(classifyAbuse(line)).toEqual({ address, reason });
  });

  it.each([
    'Accepted password for root from 203.0.113.9 port 51234 ssh2',
    '192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET /login?error=invalid HTTP/1.1" 200 512',
    '192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 500 12',
    'reverse mapping checking getaddrinfo for x.example [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!',
    'authentication failed', // no address: nobody to count against
    'connection to 10.0.0.5:5432 failed: password authentication failed for user "app"', // the server's address
    'GET /api/work 200 3ms',
    // A reverse-DNS name is the client's to choose: it must not make Medic ban someone else's address.
    'authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.0.1.attacker.example',
    'authentication failure; rhost=192.0.2.1.in-addr.example user=root',
  ])('nothing against anyone: %s', (line) => {
    expect(classifyAbuse(line)).toBeNull();
  });
});

describe('classifyAbuse: a crafted line never blames an address the client chose', () => {
  const victim = '203.0.113.9';
  it.each([
    // sshd echoes the user name before its own `from <ip> port N`: the last one is the peer.
    ['sshd[1]: Invalid user from 203.0.113.9 from 198.51.100.7 port 22', '198.51.100.7'],
    [
      'sshd[1]: Failed password for invalid user x from 203.0.113.9 port 1 from 198.51.100.7 port 22 ssh2',
      '198.51.100.7',
    ],
    // A relayed syslog line starting with the relay's address: sshd's own peer still wins.
    ['192.0.2.250 sshd[1]: Failed password for root from 198.51.100.7 port 22 ssh2', '198.51.100.7'],
    // An access line's client is its first field, never the request line, referer or user agent.
    [
      '198.51.100.7 - - [10/Oct/2026:13:55:36 +0000] "GET /login?ip=203.0.113.9 HTTP/1.1" 401 0 "-" "-"',
      '198.51.100.7',
    ],
    [
      '198.51.100.7 - - [x] "POST /login HTTP/1.1" 401 0 "http://x/?from=203.0.113.9" "Mozilla client: 203.0.113.9"',
      '198.51.100.7',
    ],
    // JSON: a named address field only, never another value.
    ['{"msg":"login failed","user":"bob from 203.0.113.9","ip":"198.51.100.7"}', '198.51.100.7'],
    ['{"msg":"login failed","user":"bob from 203.0.113.9","client_ip":"198.51.100.7"}', '198.51.100.7'],
    // Quoted text is the client's: not read; two different keyed addresses outside quotes: nobody.
    ['login failed for user "x rhost=203.0.113.9" rhost=198.51.100.7', '198.51.100.7'],
    [
      'user "a": password mismatch, client: 198.51.100.7, server: _, request: "GET /?client: 203.0.113.9 HTTP/1.1", user_agent: "Mozilla client: 203.0.113.9"',
      '198.51.100.7',
    ],
  ])('%s', (line, address) => {
    expect(classifyAbuse(line)?.address).toBe(address);
  });

  it.each([
    '{"msg":"login failed","user":"bob from 203.0.113.9"}', // no named field: nobody
    'login failed user=x client=203.0.113.9 client=198.51.100.7', // ambiguous: nobody
    'login failed X-Forwarded-For: 203.0.113.9', // a header the client writes
  ])('blames nobody: %s', (line) => {
    expect(classifyAbuse(line)?.address ?? null).not.toBe(victim);
    expect(classifyAbuse(line)).toBeNull();
  });

  it('logs.abuse.address says where the address is: first_field, field:<name>, regex:<one group>', () => {
    const json = '{"status":401,"peer":{"addr":"198.51.100.7"},"ip":"203.0.113.9"}';
    expect(classifyAbuse(json, parseAddressSpec('field:peer.addr'))?.address).toBe('198.51.100.7');
    const kv = 'status=401 user="a client=203.0.113.9" who=198.51.100.7';
    expect(classifyAbuse(kv, parseAddressSpec('field:who'))?.address).toBe('198.51.100.7');
    const line = '2026-01-01 198.51.100.7 "GET /?ip=203.0.113.9 HTTP/1.1" 403 0';
    expect(classifyAbuse(line, parseAddressSpec('first_field'))).toBeNull(); // the first field is a date
    const re = parseAddressSpec('regex:^\\S+ (\\S+) ');
    expect(classifyAbuse(line, re)?.address).toBe('198.51.100.7');
    expect(() => parseAddressSpec('regex:(a)(b)')).toThrow(/one/);
    expect(() => parseAddressSpec('somewhere')).toThrow();
  });
});

describe('AbuseDetector: fail2ban-style counting per address in a sliding window', () => {
  const make = (allow: string[] = [], s = settings) => {
    const allowed = allowList(allow);
    return new AbuseDetector({ service: 'ssh', settings: s, allowed: (a) => allowed.has(a) });
  };
  const fail = (ip: string) => `Failed password for root from ${ip} port 22 ssh2`;

  it('the fifth failure within 10 minutes is abuse; the finding names the address in its labels', () => {
    const d = make();
    const at = (i: number) => 1_000_000 + i * 60_000;
    for (let i = 0; i < 4; i++) expect(d.observe(fail('192.0.2.9'), at(i))).toBeNull();
    const f = d.observe(fail('192.0.2.9'), at(4));
    expect(f).toMatchObject({ kind: 'abuse', service: 'ssh', check: 'abuse:192.0.2.9', at: at(4) });
    expect(f?.evidence['labels']).toEqual({ address: '192.0.2.9', family: 'ipv4', reason: 'failures' });
    expect(f?.evidence['count']).toBe(5);
    expect(f?.score).toBeGreaterThanOrEqual(0.85);
    // The address starts from nothing: one more failure is not a second finding.
    expect(d.observe(fail('192.0.2.9'), at(5))).toBeNull();
  });

  it('failures spread wider than the window never add up; addresses are counted apart', () => {
    const d = make();
    for (let i = 0; i < 20; i++) {
      expect(d.observe(fail('192.0.2.10'), i * 150_001)).toBeNull(); // 4 per 10 minutes at most
      expect(d.observe(fail(`198.51.100.${i}`), i * 1000)).toBeNull();
    }
  });

  it('IPv6 spellings of one client are one counter (its /64)', () => {
    const d = make();
    const spellings = [
      '2001:db8::1',
      '2001:DB8:0::1',
      '[2001:db8:0:0::1]',
      '2001:db8::1%eth0',
      '2001:db8::1',
    ];
    const found = spellings.map((s, i) => d.observe(`Invalid user x from ${s}`, i));
    expect(found.slice(0, 4)).toEqual([null, null, null, null]);
    expect(found[4]?.evidence['labels']).toMatchObject({ address: '2001:db8::/64', family: 'ipv6' });
  });

  it('IPv6 is counted and banned per /64, unless the /64 holds an address never to ban', () => {
    const d = make();
    const found = [1, 2, 3, 4, 5].map((i) => d.observe(fail(`2001:db8:0:7::${i}`), i));
    expect(found[4]?.evidence['labels']).toEqual({
      address: '2001:db8:0:7::/64',
      family: 'ipv6',
      reason: 'failures',
    });
    expect(found[4]?.evidence['last']).toBe('2001:db8:0:7::5');
    expect(found[4]?.check).toBe('abuse:2001:db8:0:7::/64');
    // An admin in the /64: its neighbours are counted one by one, and only the offender is named.
    const allowed = allowList(['2001:db8:0:7::99']);
    const e = new AbuseDetector({
      service: 'ssh',
      settings,
      allowed: (a) => allowed.has(a),
      allowedNet: (net) => net === '2001:db8:0:7::/64',
    });
    for (let i = 1; i <= 5; i++) expect(e.observe(fail(`2001:db8:0:7::${i}`), i)).toBeNull();
    for (let i = 0; i < 3; i++) expect(e.observe(fail('2001:db8:0:7::1'), 10 + i)).toBeNull();
    expect(e.observe(fail('2001:db8:0:7::1'), 20)?.evidence['labels']).toMatchObject({
      address: '2001:db8:0:7::1',
    });
  });

  it('keeps example lines only near the limit, as copies, at most 5 of at most 500 characters', () => {
    const d = make([], { max_failures: 5, max_missing: 20, window: 600_000 });
    const tail = 'x'.repeat(2_000);
    let f = null;
    for (let i = 0; i < 5; i++) f = d.observe(`${fail('192.0.2.50')} #${i} ${tail}`, i);
    const examples = f?.evidence['examples'] as string[];
    expect(examples.map((e) => /#(\d)/.exec(e)?.[1])).toEqual(['3', '4']); // from the (max-1)th on
    expect(examples.every((e) => e.length === 501)).toBe(true);
    expect(MAX_ADDRESSES).toBeLessThanOrEqual(10_000);
  });

  it('never counts loopback nor the allow-listed networks (v4 and v6)', () => {
    const d = make(['10.0.0.0/8', '2001:db8:aa::/48']);
    for (let i = 0; i < 50; i++) {
      for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.2.3', '2001:db8:aa::5'])
        expect(d.observe(fail(ip), i)).toBeNull();
    }
    expect(d.size).toBe(0);
  });

  it('404s have their own, higher limit; 401/403/429 count as failures', () => {
    const d = make([], { max_failures: 5, max_missing: 8, window: 60_000 });
    const line = (status: number) => `192.0.2.7 - - [x] "GET /p HTTP/1.1" ${status} 0`;
    for (let i = 0; i < 7; i++) expect(d.observe(line(404), i)).toBeNull();
    expect(d.observe(line(404), 7)?.evidence['labels']).toMatchObject({ reason: 'missing' });
    for (const s of [401, 403, 429, 401]) expect(d.observe(line(s), 10)).toBeNull();
    const f = d.observe(line(403), 11);
    expect(f?.evidence['reasons']).toEqual({ denied: 4, rate_limited: 1 });
  });

  it('keeps at most maxAddresses addresses, forgetting the one idle longest', () => {
    const d = new AbuseDetector({ service: 's', settings, allowed: () => false, maxAddresses: 100 });
    for (let i = 0; i < 1000; i++) d.observe(fail(`198.51.${i >> 8}.${i & 255}`), i);
    expect(d.size).toBe(100);
  });

  it("OpenSSH's Loghub sample: the brute-forcing addresses, and only addresses seen failing", () => {
    const file = path.resolve(import.meta.dirname, '../../../shared/bench/loghub/OpenSSH/OpenSSH_2k.log');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // the shared benchmark data is optional here; the cases above carry the test
    }
    const d = make();
    const lines = text.split('\n');
    const found = lines.flatMap((l, i) => d.observe(l, i) ?? []);
    expect(found.length).toBeGreaterThan(5);
    for (const f of found) {
      const a = String(f.evidence['address']);
      expect(lines.some((l) => l.includes(a) && /fail|invalid/i.test(l))).toBe(true);
    }
  });
});
