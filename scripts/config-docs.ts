/**
 * Writes docs/configuration.md from the config schema (`npm run docs:config`); with `--check`, only says
 * whether the page is current (exit 1 when stale or a key lacks a description).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configDocs, undocumentedKeys } from '../src/config/docs.js';

const file = path.resolve(import.meta.dirname, '..', 'docs', 'configuration.md');
const missing = undocumentedKeys();
if (missing.length > 0) {
  console.error(`keys without a .describe() in src/config/schema:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
const page = configDocs();
if (process.argv.includes('--check')) {
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current !== page) {
    console.error(`${path.relative(process.cwd(), file)} is stale: run npm run docs:config`);
    process.exit(1);
  }
} else {
  await writeFile(file, page);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
