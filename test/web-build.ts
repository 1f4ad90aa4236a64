import path from 'node:path';
import { tempDir } from './helpers.js';

const WEB = path.join(import.meta.dirname, '..', 'web');

/**
 * Builds the dashboard into a directory of the calling test file's own and returns it. A shared `web/dist`
 * is emptied and written again by each build: one file's build could pull the assets from under another
 * file's browser mid-test.
 */
export async function buildDashboard(): Promise<string> {
  const outDir = path.join(await tempDir('medic-web-dist-'), 'dist');
  const { build } = await import('vite');
  await build({
    configFile: path.join(WEB, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  return outDir;
}
