import { describe, expect, it } from 'vitest';
import { canonicalTemplate } from './canonical.js';
import { maskToken } from './mask.js';
import { TemplateMiner } from './miner.js';

describe('maskToken', () => {
  it('masks numbers, addresses, hex, UUIDs, paths, durations and quoted values, keeping the punctuation', () => {
    expect(maskToken('42')).toBe('<*>');
    expect(maskToken('10.0.0.1:8080')).toBe('<*>');
    expect(maskToken('[10.0.0.1]')).toBe('[<*>]');
    expect(maskToken('0x7fff1a2b')).toBe('<*>');
    expect(maskToken('deadbeef01')).toBe('<*>');
    expect(maskToken('123e4567-e89b-12d3-a456-426614174000')).toBe('<*>');
    expect(maskToken('/var/log/app.log')).toBe('<*>');
    expect(maskToken('250ms')).toBe('<*>');
    expect(maskToken("'job_42'")).toBe("'<*>'");
    expect(maskToken('node-246')).toBe('node-<*>');
    expect(maskToken('(HWID=1973)')).toBe('(HWID=<*>)');
  });

  it('leaves words that merely contain a digit', () => {
    expect(maskToken('ssh2')).toBe('ssh2');
    expect(maskToken('L3')).toBe('L3');
    expect(maskToken('Slf4jLogger')).toBe('Slf4jLogger');
  });
});

describe('TemplateMiner', () => {
  it('gives lines of one shape one template, with their values as parameters', () => {
    const m = new TemplateMiner();
    const a = m.add('Connected to db-1 in 12ms');
    const b = m.add('Connected to db-7 in 340ms');
    expect(b.template).toBe(a.template);
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(m.text(a.template)).toBe('Connected to db-<*> in <*>');
    expect(b.params).toEqual(['db-7', '340ms']);
  });

  it('generalises a word position once it has shown many values', () => {
    const m = new TemplateMiner();
    const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const results = users.map((u) => m.add(`Invalid user ${u} from 10.0.0.${u.length}`));
    const final = m.resolve(results[0]?.template as never);
    for (const r of results) expect(m.resolve(r.template)).toBe(final);
    expect(m.text(final)).toBe('Invalid user <*> from <*>');
    expect(final.count).toBe(5);
  });

  it('keeps templates that differ in a word with few values apart', () => {
    const m = new TemplateMiner();
    for (let i = 0; i < 20; i++) {
      m.add(`Failed password for user${i} from 10.0.0.${i} port ${1000 + i} ssh2`);
      if (i % 5 === 0) m.add(`Accepted password for user${i} from 10.0.0.${i} port ${1000 + i} ssh2`);
    }
    const texts = m.templates().map((t) => m.text(t));
    expect(texts).toContain('Failed password for <*> from <*> port <*> ssh2');
    expect(texts).toContain('Accepted password for <*> from <*> port <*> ssh2');
  });

  it('routes lines of different lengths and first words apart', () => {
    const m = new TemplateMiner();
    const a = m.add('cupsd startup succeeded');
    const b = m.add('syslogd startup succeeded');
    const c = m.add('cupsd startup succeeded after retry');
    expect(new Set([a.template.id, b.template.id, c.template.id]).size).toBe(3);
  });

  it('bounds the number of clusters it keeps', () => {
    const m = new TemplateMiner({ maxClusters: 50 });
    for (let i = 0; i < 500; i++)
      m.add(`unique${String.fromCharCode(97 + (i % 26))}${i % 7} thing ${'x'.repeat(i % 40)}`);
    expect(m.templates().length).toBeLessThanOrEqual(50);
  });
});

describe('canonicalTemplate', () => {
  it('writes values the way the Loghub guidelines do', () => {
    expect(canonicalTemplate('took <*>.<*> s')).toBe('took <*> s');
    expect(canonicalTemplate('user root logged  in')).toBe('user <*> logged in');
    expect(canonicalTemplate('block blk_<*> at /tmp/x')).toBe('block <*> at <*>');
    expect(canonicalTemplate('port 8080')).toBe('port <*>');
  });
});

describe('TemplateMiner.match', () => {
  it('mines exactly as add does, returning only the template', () => {
    const lines = [
      'Accepted password for root from 10.0.0.1 port 22 ssh2',
      'Failed password for admin from 10.0.0.2 port 2222 ssh2',
      'Accepted password for bob from 10.0.0.3 port 22 ssh2',
      'Received block blk_-6952295868487656571 of size 67108864 from /10.251.73.220',
      'Received block blk_38865049064139660 of size 3547 from /10.251.73.221',
      'Invalid user eve from 10.0.0.9',
      'Invalid user mallory from 10.0.0.10',
      'Invalid user trent from 10.0.0.11',
      'Invalid user peggy from 10.0.0.12',
    ];
    const a = new TemplateMiner();
    const b = new TemplateMiner();
    for (const [i, line] of lines.entries()) {
      const viaAdd = a.add(line, i).template;
      const viaMatch = b.match(line, i);
      expect(viaMatch.id).toBe(viaAdd.id);
      expect(b.text(viaMatch)).toBe(a.text(viaAdd));
    }
    expect(b.templates().map((t) => [t.id, t.count, b.text(t)])).toEqual(
      a.templates().map((t) => [t.id, t.count, a.text(t)]),
    );
  });
});
