#!/usr/bin/env node
// Builds the dashboard (web/dist) once, so `npm start` on a fresh clone serves it at /.
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
if (!existsSync(path.join(root, 'web/dist/index.html'))) {
  console.error('building the dashboard (web/dist), once…');
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'web/vite.config.ts'), logLevel: 'warn' });
}
