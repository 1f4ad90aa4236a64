import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CiFlakyReport } from '../src/drill/index.js';
import { CLI, ROOT, tempDir } from './helpers.js';

const run = promisify(execFile);

/** `medic drill ci-flaky … --json` as a user runs it: its exit code and its report. */
async function drill(config: string, ...extra: string[]): Promise<{ code: number; report: CiFlakyReport }> {
  const args = ['tsx', CLI, 'drill', 'ci-flaky', '--config', config, '--json', ...extra];
  try {
    const { stdout } = await run('npx', args, { cwd: ROOT, maxBuffer: 4 << 20 });
    return { code: 0, report: JSON.parse(stdout) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    if (!e.stdout) throw new Error(`the drill printed nothing: ${e.stderr}`);
    return { code: e.code, report: JSON.parse(e.stdout) };
  }
}

describe('medic drill ci-flaky', () => {
  it('against a local GitHub: flaky failures are re-run once and go green with nobody; a code failure is never re-run and shows its line', async () => {
    const { code, report } = await drill('examples/stack/medic.yaml');
    expect(code).toBe(0);
    expect(report).toMatchObject({ drill: 'ci-flaky', provider: 'github', passed: true });
    const [seen, known, broken] = report.cases;
    for (const c of [seen, known]) {
      expect(c).toMatchObject({
        expected: 'rerun_green',
        cause: 'ci_flaky_test',
        reruns: 1,
        pipeline: 'success',
        incident: 'resolved',
        actions: ['ci-rerun:verified'],
        waited_for_human: false,
        ok: true,
      });
      expect(c?.confidence).toBeGreaterThanOrEqual(0.85);
    }
    expect(broken).toMatchObject({
      expected: 'reported_not_rerun',
      cause: 'ci_code',
      reruns: 0,
      pipeline: 'failure',
      actions: [],
      ok: true,
    });
    expect(broken?.incident).not.toBe('resolved');
    expect(broken?.failing_lines.join('\n')).toContain('error TS2322');
  }, 120_000);

  it('a policy that asks a human first: no re-run happens, the drill says why and exits 1', async () => {
    const dir = await tempDir();
    const config = path.join(dir, 'medic.yaml');
    await writeFile(
      config,
      'services:\n  web:\n    description: a service\npolicy:\n  autonomy: approve\nnotifiers: []\n',
    );
    const { code, report } = await drill(config, '--timeout', '4000');
    expect(code).toBe(1);
    expect(report.passed).toBe(false);
    expect(report.cases.every((c) => c.reruns === 0)).toBe(true);
    const first = report.cases[0];
    expect(first).toMatchObject({ cause: 'ci_flaky_test', waited_for_human: true, ok: false });
    expect(first?.why.join('; ')).toContain('waited for a human');
  }, 120_000);
});
