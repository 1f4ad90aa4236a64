import { describe, expect, it } from 'vitest';
import { redactDeepForPrompt, redactForPrompt } from './redact.js';

describe('redactForPrompt', () => {
  it.each([
    // Inherited from the notifier's rules.
    ['Authorization: Bearer abcdef1234567890', 'Authorization: Bearer ***'],
    ['postgres://app:s3cr3t@10.0.0.5:5432/app', 'postgres://app:***@10.0.0.5:5432/app'],
    ['login failed password=hunter2 user=bob', 'login failed password=*** user=bob'],
    // Added for prompts.
    ['mail from alice.smith+ops@example.co.uk bounced', 'mail from <email> bounced'],
    ['OPENAI key sk-proj-abcdefghijklmnopqrstuvwx1234', 'OPENAI key ***'],
    ['charge with sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'charge with ***'],
    ['maps AIzaSyA1234567890abcdefghijklmnopqrstuv ok', 'maps *** ok'],
    ['POST https://hooks.slack.com/services/T000/B000/XXXXXXXX', 'POST https://hooks.slack.com/services/***'],
    ['psql --password hunter2 -h db', 'psql --password *** -h db'],
    ['run --token=abc123 now', 'run --token=*** now'],
    ['GET /f?X-Amz-Signature=deadbeef&x=1', 'GET /f?X-Amz-Signature=***&x=1'],
    [
      'session 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 expired',
      'session *** expired',
    ],
    ['paid with 4111 1111 1111 1111 today', 'paid with <card> today'],
  ])('%s', (input, expected) => {
    expect(redactForPrompt(input)).toBe(expected);
  });

  it('keeps what a diagnosis needs', () => {
    const text =
      'api down at 12:30:01: connect ECONNREFUSED 127.0.0.1:5432 (exit code 137, pid 48213, 1700000000000 ms)';
    expect(redactForPrompt(text)).toBe(text);
  });

  it('masks IP addresses only when asked', () => {
    const text = 'failed login from 203.0.113.7 and 2001:db8::1 at 12:30:01';
    expect(redactForPrompt(text)).toBe(text);
    expect(redactForPrompt(text, { ips: true })).toBe('failed login from <ip> and <ip> at 12:30:01');
  });

  it('can keep e-mail addresses', () => {
    expect(redactForPrompt('owner bob@example.com', { emails: false })).toBe('owner bob@example.com');
  });

  it('masks a PEM private key block', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    expect(redactForPrompt(`loaded ${pem}`)).not.toContain('MIIEvQ');
  });

  it('redacts nested data, keys untouched', () => {
    expect(
      redactDeepForPrompt({ user: 'carol@example.org', lines: ['token=abc', 'ok'], n: 2 }, { ips: true }),
    ).toEqual({ user: '<email>', lines: ['token=***', 'ok'], n: 2 });
  });
});
