/**
 * `npm run bench`: runs every harness in bench/ in turn, each printing its own figures. Data defaults to
 * ../shared/bench; pass `--data DIR` to point elsewhere (it is handed to every harness).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const harnesses = ['nab', 'loghub', 'scale'];
const args = process.argv.slice(2);
let failed = 0;
for (const h of harnesses) {
  const main = path.join(import.meta.dirname, h, 'main.ts');
  if (!existsSync(main)) continue;
  console.log(`\n== bench:${h} ==`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
