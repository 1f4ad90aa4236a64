import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/index.js';
import { banDuration, blockAction } from './block.js';
import type { ExtendedStep } from './steps.js';
import { fakeProgram, prependPath, tempDir, testContext } from './testing.js';
import { unblockAction } from './unblock.js';

let log: string;
let restorePath: () => void;

// The fake nft records its argv and answers `list table` as if no table existed yet; the real nft runs in a
// network namespace in test/abuse-ban.test.ts.
beforeAll(async () => {
  const dir = await tempDir();
  log = await fakeProgram(
    dir,
    'nft',
    `if (args.includes('list')) { console.error('Error: No such file or directory'); process.exit(1); }
if (args[0] === 'delete') { console.error('Error: Could not process rule: No such file or directory'); process.exit(1); }`,
  );
  restorePath = prependPath(dir);
});
afterAll(() => restorePath());
beforeEach(() => writeFile(log, ''));

const calls = async () =>
  (await readFile(log, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as string[]).join(' '));

const step = (block: Record<string, unknown>) => ({ block, timeout: 5_000 }) as unknown as ExtendedStep;
const vars = (address: string) => ({ service: { name: 'ssh' }, finding: { labels: { address } } });
const plan = (address: string, extra: Record<string, unknown> = {}) =>
  blockAction.plan(
    step({ address: '{{ finding.labels.address }}', ...extra }),
    'ssh',
    {},
    {
      baseDir: '/',
      vars: vars(address),
    },
  );

describe('block: an nftables ban with a timeout, longer for repeat offenders', () => {
  it.each([
    [0, 600_000],
    [1, 2_400_000],
    [2, 9_600_000],
    [3, 38_400_000],
    [4, 86_400_000], // capped at a day
    [9, 86_400_000],
  ])('after %i earlier bans the next lasts %i ms (10 min ×4, at most a day)', (earlier, ms) => {
    expect(banDuration({ duration: 600_000, factor: 4, max: 86_400_000 }, earlier)).toBe(ms);
  });

  it.each(['10.0.0.1; rm -rf /', '-i', 'example.org', '10.0.0.0/8', '1.2.3.4 5.6.7.8', ''])(
    'refuses %j before it can reach an argv',
    (address) => {
      expect(() => plan(address)).toThrow(/not an IP address|template|option/);
    },
  );

  it('bans an IPv6 /64 whole (written as its network), never one holding an allow-listed address', async () => {
    expect(plan('2001:DB8:0:7::/64').params).toMatchObject({
      address: '2001:db8:0:7::/64',
      set: 'banned6_nets',
    });
    for (const bad of ['2001:db8:0:7::1/64', '2001:db8::/48', '192.0.2.0/64', '2001:db8::/64/1'])
      expect(() => plan(bad)).toThrow(/not an IP address/);
    const msg = await blockAction.apply(plan('2001:db8:0:7::/64'), testContext({ step: step({}) }));
    expect(msg).toMatch(/^banned 2001:db8:0:7::\/64 for 10\.0m \(first ban; banned6_nets/);
    expect((await calls()).at(-1)).toBe(
      'add element inet medic banned6_nets { 2001:db8:0:7::/64 timeout 600s }',
    );
    await writeFile(log, '');
    await expect(
      blockAction.apply(plan('2001:db8:0:7::/64'), testContext({ allow: ['2001:db8:0:7::99'] })),
    ).rejects.toThrow(/holds loopback or allow-listed/);
    await expect(blockAction.apply(plan('::/64'), testContext())).rejects.toThrow(/never banned/);
    expect(await calls()).toEqual([]);
  });

  it('plans one normalized address and its set', () => {
    expect(plan('2001:DB8::0:1').params).toMatchObject({ address: '2001:db8::1', set: 'banned6' });
    expect(plan('::ffff:192.0.2.1').params).toMatchObject({ address: '192.0.2.1', set: 'banned4' });
  });

  it('creates the table, sets, chain and rules in one nft invocation (one transaction), then adds the address', async () => {
    const msg = await blockAction.apply(plan('192.0.2.9'), testContext({ step: step({}) }));
    expect(msg).toMatch(/^banned 192\.0\.2\.9 for 10\.0m \(first ban; banned4/);
    expect(await calls()).toEqual([
      '-j list table inet medic',
      [
        'add table inet medic',
        'add set inet medic banned4 { type ipv4_addr ; flags timeout ; }',
        'add set inet medic banned6 { type ipv6_addr ; flags timeout ; }',
        'add set inet medic banned4_ports { type ipv4_addr . inet_service ; flags timeout ; }',
        'add set inet medic banned6_ports { type ipv6_addr . inet_service ; flags timeout ; }',
        'add set inet medic banned6_nets { type ipv6_addr ; flags interval,timeout ; }',
        'add set inet medic banned6_nets_ports { type ipv6_addr . inet_service ; flags interval,timeout ; }',
        'add chain inet medic input { type filter hook input priority -10 ; policy accept ; }',
        'add rule inet medic input ip saddr @banned4 reject',
        'add rule inet medic input ip6 saddr @banned6 reject',
        'add rule inet medic input ip saddr . tcp dport @banned4_ports reject',
        'add rule inet medic input ip6 saddr . tcp dport @banned6_ports reject',
        'add rule inet medic input ip6 saddr @banned6_nets reject',
        'add rule inet medic input ip6 saddr . tcp dport @banned6_nets_ports reject',
        'insert rule inet medic input ip6 saddr @banned6 icmpv6 type { nd-neighbor-solicit , nd-neighbor-advert } accept',
        'insert rule inet medic input ip6 saddr @banned6_nets icmpv6 type { nd-neighbor-solicit , nd-neighbor-advert } accept',
      ].join(' ; '),
      'add element inet medic banned4 { 192.0.2.9 timeout 600s }',
    ]);
  });

  it("bans only the service's TCP ports when its config names them (run.ports, or the step's ports)", async () => {
    const services = { web: { run: { ports: [443, 80] } } } as unknown as Parameters<
      typeof blockAction.plan
    >[2];
    const p = blockAction.plan(step({ address: '2001:db8::7' }), 'web', services, { baseDir: '/' });
    expect(p.params).toMatchObject({ address: '2001:db8::7', set: 'banned6_ports', ports: [80, 443] });
    const msg = await blockAction.apply(p, testContext({ step: step({}) }));
    expect(msg).toMatch(/^banned 2001:db8::7 on TCP 80, 443 for 10\.0m \(first ban; banned6_ports/);
    expect((await calls()).at(-1)).toBe(
      'add element inet medic banned6_ports { 2001:db8::7 . 80 timeout 600s , 2001:db8::7 . 443 timeout 600s }',
    );
    // A step's own ports win; [] bans every port; a service without ports is banned host-wide as before.
    const own = blockAction.plan(step({ address: '192.0.2.9', ports: [22] }), 'web', services, {
      baseDir: '/',
    });
    expect(own.params).toMatchObject({ set: 'banned4_ports', ports: [22] });
    const all = blockAction.plan(step({ address: '192.0.2.9', ports: [] }), 'web', services, {
      baseDir: '/',
    });
    expect(all.params).toMatchObject({ set: 'banned4', ports: null });
    expect(plan('192.0.2.9').params).toMatchObject({ set: 'banned4', ports: null });
  });

  it('counts earlier bans of the address with one store query, and records its own once applied', async () => {
    const asked: [string, number][] = [];
    const recorded: { address: string; at: number }[] = [];
    const history = {
      countBans: async (address: string, since: number) => {
        asked.push([address, since]);
        return 2;
      },
      recordBan: async (b: { address: string; at: number }) => {
        recorded.push(b);
      },
    };
    const clock = new SimulatedClock(10 * 86_400_000);
    const msg = await blockAction.apply(plan('192.0.2.9'), testContext({ history, clock }));
    expect(msg).toMatch(/^banned 192\.0\.2\.9 for 2\.7h \(ban 3 within/);
    expect((await calls()).at(-1)).toBe('add element inet medic banned4 { 192.0.2.9 timeout 9600s }');
    expect(asked).toEqual([['192.0.2.9', 3 * 86_400_000]]); // `remember`: the last 7 days
    expect(recorded).toEqual([{ address: '192.0.2.9', at: 10 * 86_400_000 }]);
    // A store that cannot record costs one step of escalation later, never the ban.
    const failing = {
      countBans: async () => 0,
      recordBan: async () => Promise.reject(new Error('disk full')),
    };
    expect(await blockAction.apply(plan('192.0.2.9'), testContext({ history: failing }))).toMatch(
      /first ban.*not recorded: the store failed/,
    );
  });

  it('never bans loopback nor the allow-listed networks, whatever the template gave', async () => {
    for (const address of ['127.0.0.1', '::1', '10.1.2.3', '2001:db8:1::5']) {
      await expect(
        blockAction.apply(plan(address), testContext({ allow: ['10.0.0.0/8', '2001:db8:1::/48'] })),
      ).rejects.toThrow(/never banned/);
    }
    expect(await calls()).toEqual([]);
  });

  it('unblock lifts a ban; an address not banned is no error', async () => {
    const unblock = { unblock: { address: '192.0.2.9' } } as unknown as ExtendedStep;
    const p = unblockAction.plan(unblock, 'ssh', {});
    expect(await unblockAction.apply(p, testContext())).toBe('192.0.2.9 was not banned');
    // Its bans are read first (of every port or some): here there is no table, so nothing to delete.
    expect(await calls()).toEqual(['-j list table inet medic']);
  });
});
