/**
 * `npm run bench [-- --data ROOT]`: runs every harness in bench/ in turn, each printing its own figures.
 * ROOT holds the benchmark data sets (nab/, loghub/); default ../shared/bench.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { data: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared/bench') } },
});
const harnesses: [string, string[]][] = [
  ['nab', ['--data', path.join(values.data, 'nab')]],
  ['loghub', ['--data', path.join(values.data, 'loghub')]],
  ['api', []],
  ['scale', []],
  ['ci', []],
];
let failed = 0;
for (const [name, args] of harnesses) {
  const main = path.join(import.meta.dirname, name, 'main.ts');
  if (!existsSync(main)) continue;
  console.log(`\n== bench:${name} ==`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
