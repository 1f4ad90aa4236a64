import { describe, expect, it } from 'vitest';
import { redactDeep, redactSecrets } from './redact.js';

describe('redactSecrets', () => {
  it.each([
    ['Authorization: Bearer abcdef1234567890', 'Authorization: Bearer ***'],
    ['curl -u x https://admin:hunter2@db.example.com/x', 'curl -u x https://admin:***@db.example.com/x'],
    ['postgres://app:s3cr3t@10.0.0.5:5432/app', 'postgres://app:***@10.0.0.5:5432/app'],
    ['login failed password=hunter2 user=bob', 'login failed password=*** user=bob'],
    ['GET /x?token=abc123&page=2', 'GET /x?token=***&page=2'],
    ['DB_PASSWORD: "p@ss w"', 'DB_PASSWORD: "*** w"'],
    ['{"api_key":"k-123","n":1}', '{"api_key":"***","n":1}'],
    ['client_secret = xyz', 'client_secret = ***'],
    ['key AKIAIOSFODNN7EXAMPLE used', 'key *** used'],
    ['aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key=***'],
    ['token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB', 'token ***'],
    // Core's rules, which notify now shares, and its own extra (a key name containing pwd).
    ['pg_dump --password hunter2 db', 'pg_dump --password *** db'],
    ['{"pass": "s3cret"}', '{"pass": "***"}'],
    ['DB_PWD=abc123', 'DB_PWD=***'],
  ])('%s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it('leaves ordinary text alone', () => {
    const text = 'api is down: GET http://127.0.0.1:8080/health answered 500 after 2s (3 of 3 checks)';
    expect(redactSecrets(text)).toBe(text);
  });

  it('masks a PEM private key block', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----';
    expect(redactSecrets(`key: ${pem}`)).not.toContain('MIIEow');
  });

  it('redacts strings nested in plain data', () => {
    const out = redactDeep({ cmd: ['psql', 'postgres://u:pw@h/db'], n: 3, nested: { note: 'token=abc' } });
    expect(out).toEqual({ cmd: ['psql', 'postgres://u:***@h/db'], n: 3, nested: { note: 'token=***' } });
  });
});
