import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { ROOT, tempDir } from './helpers.js';

// The README's configuration walkthrough is what newcomers copy: it must stay a valid medic.yaml.
it('the README configuration walkthrough is a valid medic.yaml', async () => {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const block = /```yaml\n(services:[\s\S]*?)```/.exec(readme)?.[1];
  expect(block, 'a ```yaml block starting with services:').toBeDefined();
  const file = path.join(await tempDir(), 'medic.yaml');
  await writeFile(file, block!);
  const loaded = await loadConfig(file);
  expect(Object.keys(loaded.config.services)).toEqual(['api', 'db', 'cache', 'web']);
  expect(loaded.config.playbooks['reset-api']?.when.after).toBe('restart-api');
});
