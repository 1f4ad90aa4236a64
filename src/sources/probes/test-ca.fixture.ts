import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

/** OpenSSL 3.0 `x509 -req` cannot backdate; `openssl ca` takes -startdate/-enddate, so it makes them all. */
const CA_CONFIG = `[ca]
default_ca = test
[test]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
`;

/** "20260101000000Z": the form `openssl ca -startdate` reads. */
const stamp = (ms: number) => `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

export interface Credentials {
  key: string;
  cert: string;
}

/**
 * A certificate authority made with openssl in a temporary directory, for tests of certificates with chosen
 * validity dates; `close()` stops the servers it started and removes the directory.
 */
export class TestCa {
  readonly dir = mkdtempSync(join(tmpdir(), 'medic-tls-'));
  readonly caFile = join(this.dir, 'ca.crt');
  private readonly servers: tls.Server[] = [];

  constructor() {
    writeFileSync(join(this.dir, 'ca.cnf'), CA_CONFIG);
    writeFileSync(join(this.dir, 'index.txt'), '');
    writeFileSync(join(this.dir, 'serial'), '1000\n');
    this.openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '3650',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-subj',
      '/CN=Medic Test CA',
    );
  }

  private openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }

  /** A key and a certificate for `cn` (also its only DNS name), signed by this CA, valid from..to (epoch ms). */
  leaf(cn: string, from: number, to: number): Credentials {
    const base = `${cn}-${from}-${to}`;
    this.openssl(
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${base}.key`,
      '-out',
      `${base}.csr`,
      '-subj',
      `/CN=${cn}`,
      '-addext',
      `subjectAltName=DNS:${cn}`,
    );
    this.openssl(
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-cert',
      'ca.crt',
      '-keyfile',
      'ca.key',
      '-notext',
      '-startdate',
      stamp(from),
      '-enddate',
      stamp(to),
      '-in',
      `${base}.csr`,
      '-out',
      `${base}.crt`,
    );
    return {
      key: readFileSync(join(this.dir, `${base}.key`), 'utf8'),
      cert: readFileSync(join(this.dir, `${base}.crt`), 'utf8'),
    };
  }

  /** A TLS server on 127.0.0.1 presenting `cred`, hanging up after the handshake; its port. */
  serve(cred: Credentials): Promise<number> {
    return new Promise((resolve) => {
      const srv = tls
        .createServer(cred, (s) => s.end())
        .listen(0, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port));
      this.servers.push(srv);
    });
  }

  close(): void {
    for (const s of this.servers) s.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
