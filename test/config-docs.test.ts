import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDocs, configKeys, undocumentedKeys } from '../src/config/docs.js';
import { ROOT } from './helpers.js';

/**
 * docs/configuration.md is generated from the schema's `.describe()`s (issue 19: settings that matter at 3 a.m.
 * were documented only in the JSON Schema or the source). A key without a sentence, or a page older than the
 * schema, fails here.
 */
describe('docs/configuration.md', () => {
  it('every key of the schema has a description', () => {
    expect(configKeys().length).toBeGreaterThan(400);
    expect(undocumentedKeys()).toEqual([]);
  });

  it('is what npm run docs:config writes from the schema now', async () => {
    const page = await readFile(path.join(ROOT, 'docs/configuration.md'), 'utf8');
    expect(page, 'stale: run npm run docs:config').toBe(configDocs());
    for (const k of configKeys().filter((x) => /[.[]/.test(x.path)))
      expect(page).toContain(`| \`${k.path.replace(/\|/g, '\\|')}\` |`);
    // The script itself says so too, as CI would run it.
    const check = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/config-docs.ts', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(check.status, check.stderr).toBe(0);
  }, 90_000);

  it('says what an operator needs at 3 a.m.', async () => {
    const page = await readFile(path.join(ROOT, 'docs/configuration.md'), 'utf8');
    const row = (key: string) => page.split('\n').find((l) => l.startsWith(`| \`${key}\` |`)) ?? '';
    // How the webhook signature is really made: over the timestamp, a dot and the body.
    expect(row('notifiers[].webhook.secret')).toContain('`<timestamp>.<body>`');
    expect(row('notifiers[].webhook.secret')).toContain('x-medic-timestamp');
    expect(row('notifiers[].group_wait')).toMatch(/\| duration \| `30s` \|.*Critical notices .* never wait/);
    expect(row('notifiers[].group_interval')).toContain('`5m`');
    expect(row('notifiers[].repeat_interval')).toContain('never dropped');
    expect(row('notifiers[].slack.url')).toContain('incoming-webhook');
    expect(row('policy.approval_ttl')).toMatch(/`1h`.*asks anew/);
    expect(row('llm.response_format')).toContain('{cause, confidence, summary, playbook}');
    expect(page).toMatch(/## llm\n\nOptional diagnosis by any OpenAI-compatible/);
  });

  it('is linked from the README', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('(docs/configuration.md)');
  });
});
