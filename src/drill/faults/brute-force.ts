import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { listBans } from '../../remediate/index.js';
import { createDrillNetns, type DrillNetns } from '../netns.js';
import type { Fault, FaultTarget } from './fault.js';

/** The namespace each service's run made, for undo. */
const made = new Map<string, DrillNetns>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** fail2ban's default: a sixth failure within the window is one too many (maxretry 5). */
const BURST = 6;
/**
 * Without a ban this long after its last try, the attacker tries again, up to MAX_LINES: a config allowing more
 * failures still bans. Well past a ban's usual delay (under 2 s), so a slow ban is not counted twice.
 */
const GRACE_MS = 5_000;
const MAX_LINES = 60;
/** Longest a ban may take to reach the kernel after the attacker's last try. */
const BAN_WITHIN_MS = 15_000;
/** How far past its timeout a ban may still be listed (nft expires elements on its own clock). */
const EXPIRY_SLACK_MS = 5_000;
/** Renewals of the ban followed while waiting for its end; past them, the first end stands. */
const MAX_RENEWALS = 2;

const failedLogin = (address: string, n: number) =>
  `${new Date().toISOString()} auth: login failed for user "admin" from ${address} (attempt ${n}, wrong password)\n`;

/** The address's bans in the namespace; read again once when nft answers oddly (a table being changed). */
async function bansOf(netns: string, address: string) {
  const read = async () =>
    (await listBans({ netns, signal: AbortSignal.timeout(5_000) })).filter((b) => b.address === address);
  try {
    return await read();
  } catch {
    await sleep(200);
    return read();
  }
}

function portOf(t: FaultTarget): number {
  const url = t.env?.url;
  return url ? Number(new URL(url).port) || 80 : 0;
}

/**
 * Failed logins from one address, written to a log Medic tails for the service, until the address is banned;
 * then the ban must refuse that address only, and expire by itself. Bans go into the firewall of the network
 * namespace the service's `block` step names, which the drill makes (a veth pair and a listener on the
 * service's port), so the host's firewall is never touched. Everything is checked here, as it happens: a ban
 * that never comes, lets the address through, refuses the other client or never expires fails the injection.
 */
export const bruteForceFault: Fault = {
  name: 'brute-force',
  description:
    'failed logins from one address in a log Medic tails, until it is banned (nftables, in a network namespace the drill makes); the ban must expire by itself',
  needs: ['log_file', 'ban_netns'],
  expect: ['abuse'],
  // One namespace of the config's name per host at a time: never overlapped with itself or drawn by chaos.
  chaos: false,
  expectCause: ['brute_force'],
  async inject(t) {
    const netnsName = t.env?.banNetns;
    const log = t.env?.logFiles?.[0];
    if (!netnsName || !log)
      throw new Error(`brute-force needs a tailed log file and a ban netns on ${t.service}`);
    const ns = await createDrillNetns(netnsName, portOf(t));
    made.set(t.service, ns);
    const { attacker, bystander } = ns;
    for (const from of [attacker, bystander])
      if ((await ns.connect(from)) !== 'connected')
        throw new Error(`${from} cannot reach the listener in ${ns.name} before any ban`);

    await mkdir(path.dirname(log), { recursive: true });
    let lines = 0;
    let lastAt = 0;
    const fail = async () => {
      await appendFile(log, failedLogin(attacker, ++lines));
      lastAt = Date.now();
    };
    for (let i = 0; i < BURST; i++) {
      await fail();
      if (i < BURST - 1) await sleep(100);
    }
    // The attacker keeps trying, one more every GRACE_MS without a ban: a config that allows more still bans.
    let bans = await bansOf(ns.name, attacker);
    while (bans.length === 0) {
      if (lines >= MAX_LINES && Date.now() - lastAt > BAN_WITHIN_MS)
        throw new Error(
          `${attacker} was not banned in ${ns.name} within ${BAN_WITHIN_MS / 1000} s of its last of ${lines} failed logins in ${log}`,
        );
      await sleep(100);
      if (lines < MAX_LINES && Date.now() - lastAt >= GRACE_MS) await fail();
      bans = await bansOf(ns.name, attacker);
    }
    const refused = await ns.connect(attacker);
    if (refused === 'connected') throw new Error(`${attacker} is banned but still connects to ${ns.server}`);
    const other = await ns.connect(bystander);
    if (other !== 'connected') throw new Error(`${bystander} (never failing) is cut off too: ${other}`);

    // The kernel lifts the ban at its timeout, whether Medic runs or not. A ban renewed meanwhile (a finding
    // from the tries before the first ban) runs from its renewal: the deadline follows what the kernel says.
    let end = 0; // when the kernel says the ban ends, as first read or as renewed since
    let renewals = 0;
    let longest = 0;
    for (;;) {
      const now = await bansOf(ns.name, attacker);
      if (now.length === 0) break;
      const endsAt = Date.now() + Math.max(...now.map((b) => (b.expires ?? b.timeout ?? 0) * 1000));
      longest = Math.max(longest, ...now.map((b) => (b.timeout ?? 0) * 1000));
      // A renewal moves the end later by more than the listing's one-second grain.
      if (end === 0 || (endsAt > end + 1_500 && renewals++ < MAX_RENEWALS)) end = endsAt;
      if (Date.now() > end + EXPIRY_SLACK_MS)
        throw new Error(
          `the ban of ${attacker} in ${ns.name} (timeout ${longest / 1000} s) did not expire by itself`,
        );
      await sleep(200);
    }
    const after = await ns.connect(attacker);
    if (after !== 'connected')
      throw new Error(`${attacker}'s ban expired but it still cannot connect: ${after}`);
  },
  async undo(t) {
    const ns = made.get(t.service);
    made.delete(t.service);
    await ns?.destroy();
  },
};
