import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { childEnv, withheldHint, withheldNames } from './child-env.js';
import { tempDirSync } from './temp-dir.fixture.js';

const from = {
  PATH: '/usr/bin',
  MEDIC_TOKEN: 'medic_x',
  PG_BIN: '/opt/pg',
  PGHOST: 'db',
  PGPASSWORD: 'pw',
  PM2_HOME: '/srv/pm2',
  NGINX: '/usr/sbin/nginx',
  http_proxy: 'http://p:3128',
  NO_PROXY: 'localhost',
  SSL_CERT_FILE: '/etc/ca.pem',
  NODE_EXTRA_CA_CERTS: '/etc/extra.pem',
};

describe('childEnv', () => {
  it('gives the allow-list (proxies and CAs included), what inherit_env lists, and env on top', () => {
    expect(childEnv({ A: '1' }, ['PG_BIN', 'PM2_*'], from)).toEqual({
      PATH: '/usr/bin',
      http_proxy: 'http://p:3128',
      NO_PROXY: 'localhost',
      SSL_CERT_FILE: '/etc/ca.pem',
      NODE_EXTRA_CA_CERTS: '/etc/extra.pem',
      PG_BIN: '/opt/pg',
      PM2_HOME: '/srv/pm2',
      A: '1',
    });
  });
});

describe('withheldNames', () => {
  const dir = tempDirSync('medic-env-');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a shell script
  writeFileSync(join(dir, 'nginx.sh'), '#!/bin/sh\nexec "${NGINX:-nginx}" -g "daemon off;"\n');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a JavaScript file
  writeFileSync(join(dir, 'app.mjs'), 'console.log(`${NGINX}`)\n');

  it.each([
    [['sh', 'nginx.sh'], [], ['NGINX']],
    [['sh', 'nginx.sh'], ['NGINX'], []],
    [['sh', '-c', 'echo $PG_BIN'], [], ['PG_BIN']],
    [['pg_isready', '-q'], [], ['PGHOST', 'PGPASSWORD', 'PG_BIN']],
    [['pg_isready', '-q'], ['PG*'], []],
    [['pm2', 'restart', 'api'], [], ['PM2_HOME']],
    [['node', 'app.mjs'], [], []],
    [['sleep', '1'], [], []],
  ])('%j with inherit_env %j misses %j', (argv, inherit, missed) => {
    expect(withheldNames({ argv, cwd: dir, inherit }, from)).toEqual(missed);
  });

  it('names, never values, in the hint for a failure', () => {
    vi.stubEnv('DEPLOY_KEY', 'value-not-shown');
    try {
      const hint = withheldHint({ argv: ['sh', '-c', 'deploy --key "$DEPLOY_KEY"'], cwd: dir });
      expect(hint).toBe(" (not given Medic's DEPLOY_KEY: list them in inherit_env)");
      expect(withheldHint({ argv: ['sh', '-c', 'true'], cwd: dir })).toBe('');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
