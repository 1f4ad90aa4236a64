// Stands in for a team's ACME client (certbot, lego): issues a fresh certificate for <name>, valid 90 days
// from now, from the test's CA in <ca-dir> (made by TestCa), and writes <out>/tls.key and <out>/tls.crt.
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

const [caDir, out, name] = process.argv.slice(2);
const base = `renewed-${name}-${Date.now()}`;
const openssl = (...args) => execFileSync('openssl', args, { cwd: caDir, stdio: 'pipe' });
openssl(
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
  `/CN=${name}`,
  '-addext',
  `subjectAltName=DNS:${name}`,
);
openssl(
  'ca',
  '-batch',
  '-config',
  'ca.cnf',
  '-cert',
  'ca.crt',
  '-keyfile',
  'ca.key',
  '-notext',
  '-days',
  '90',
  '-in',
  `${base}.csr`,
  '-out',
  `${base}.crt`,
);
copyFileSync(join(caDir, `${base}.key`), join(out, 'tls.key'));
copyFileSync(join(caDir, `${base}.crt`), join(out, 'tls.crt'));
console.log(`renewed ${name}`);
