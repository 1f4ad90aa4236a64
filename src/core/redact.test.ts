import { describe, expect, it } from 'vitest';
import { redactArgv, redactText } from './redact.js';

/** Issue 15, item 10: secrets that slipped through into stored and served text. */
describe('redactText', () => {
  it.each([
    ['psql --password hunter2 -h db', 'psql --password *** -h db'],
    ['mysql -uroot -phunter2 app', 'mysql -uroot -p*** app'],
    ['{"user": "bob", "pass": "hunter2"}', '{"user": "bob", "pass": "***"}'],
    ["{'pwd': 'hunter2'}", "{'pwd': '***'}"],
    ['{"routing_key":"R0123456789abcdefghijklmnopqrstu"}', '{"routing_key":"***"}'],
    ['pagerduty key 0123456789abcdef0123456789abcdef sent', 'pagerduty key *** sent'],
    [
      'POST https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX failed',
      'POST https://hooks.slack.com/services/*** failed',
    ],
    [
      'curl -H "Authorization: Bearer medic_0123456789ab_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"',
      'curl -H "Authorization: Bearer ***"',
    ],
    ['MEDIC_TOKEN=medic_0123456789ab_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg', 'MEDIC_TOKEN=***'],
    ['token medic_0123456789ab_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg', 'token medic_0123456789ab_***'],
    ['postgres://app:s3cr3t@db:5432/app', 'postgres://app:***@db:5432/app'],
    ['OPENAI key sk-proj-abcdefghijklmnopqrstuvwx1234', 'OPENAI key ***'],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it('keeps what a reader needs', () => {
    const text =
      'restart api: exited 1 at 12:30:01 (pid 4242, port 8080), bypass=1 passengers: 3 mkdir -p /tmp/x';
    expect(redactText(text)).toBe(text);
  });
});

describe('redactArgv', () => {
  it('masks the value after a secret flag, glued values and secrets inside elements', () => {
    expect(
      redactArgv([
        'deploy',
        '--password',
        'hunter2',
        '--token=abc123',
        '-phunter2',
        'https://u:pw@host/x',
        '--user',
        'bob',
      ]),
    ).toEqual([
      'deploy',
      '--password',
      '***',
      '--token=***',
      '-p***',
      'https://u:***@host/x',
      '--user',
      'bob',
    ]);
  });
});
