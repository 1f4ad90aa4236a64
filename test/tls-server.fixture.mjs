// A TLS server that serves <dir>/tls.key and <dir>/tls.crt on 127.0.0.1 and re-reads them on SIGHUP, as
// nginx does on `nginx -s reload`. `serve <dir> <pidfile>` prints its port; `reload <pidfile>` signals it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';

const [mode, a, b] = process.argv.slice(2);
if (mode === 'reload') {
  process.kill(Number(readFileSync(a, 'utf8')), 'SIGHUP');
  process.exit(0);
}
const creds = () => ({ key: readFileSync(join(a, 'tls.key')), cert: readFileSync(join(a, 'tls.crt')) });
const server = tls.createServer(creds(), (s) => s.end());
process.on('SIGHUP', () => {
  server.setSecureContext(creds());
  console.log('reloaded');
});
server.listen(0, '127.0.0.1', () => {
  writeFileSync(b, String(process.pid));
  console.log(server.address().port);
});
