import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { decodeAddress, parseTcpTable, readTcpSockets } from './proc-net.js';
import { socketOwners } from './processes.js';

const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

describe('/proc/net/tcp parsing', () => {
  it('decodes addresses as the kernel writes them (each 32-bit word in host order)', () => {
    expect(decodeAddress('0100007F')).toBe('127.0.0.1');
    expect(decodeAddress('00000000')).toBe('0.0.0.0');
    expect(decodeAddress('0500000A')).toBe('10.0.0.5');
    expect(decodeAddress('00000000000000000000000001000000')).toBe('::1');
    expect(decodeAddress('00000000000000000000000000000000')).toBe('::');
    expect(decodeAddress('0000000000000000FFFF00000100007F')).toBe('127.0.0.1');
    expect(decodeAddress('B80D0120000000000000000001000000')).toBe('2001:db8::1');
  });

  it('reads state, ports and inode; sockets of no process (inode 0) are left out', () => {
    const text =
      HEADER +
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2199841 1 0000000000000000 100 0 0 10 0\n' +
      '   1: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 2199900 1 0000000000000000 20 4 30 10 -1\n' +
      '   2: 0100007F:D432 0100007F:1F90 06 00000000:00000000 03:00000D6B 00000000     0        0 0 3 0000000000000000\n';
    expect(parseTcpTable(text, 4)).toEqual([
      {
        family: 4,
        localAddress: '127.0.0.1',
        localPort: 8080,
        remoteAddress: '0.0.0.0',
        remotePort: 0,
        state: 'LISTEN',
        inode: '2199841',
      },
      {
        family: 4,
        localAddress: '127.0.0.1',
        localPort: 54321,
        remoteAddress: '127.0.0.1',
        remotePort: 8080,
        state: 'ESTABLISHED',
        inode: '2199900',
      },
    ]);
  });

  it('finds a socket this process listens on, IPv4 and IPv6, and this process among its owners', async () => {
    const v4 = net.createServer();
    const v6 = net.createServer();
    await new Promise<void>((r) => v4.listen(0, '127.0.0.1', r));
    const port = (v4.address() as net.AddressInfo).port;
    await new Promise<void>((r, j) => v6.once('error', j).listen(port, '::1', r));
    try {
      const sockets = (await readTcpSockets()).filter((s) => s.localPort === port && s.state === 'LISTEN');
      expect(sockets.map((s) => `${s.family} ${s.localAddress}`).sort()).toEqual(['4 127.0.0.1', '6 ::1']);
      const owners = await socketOwners();
      for (const s of sockets) expect(owners.get(s.inode)).toContain(process.pid);
    } finally {
      v4.close();
      v6.close();
    }
  });
});
