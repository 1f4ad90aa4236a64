import { describe, expect, it } from 'vitest';
import { classifyCiFailure } from '../../diagnose/ci/index.js';
import { cutToFailingStep } from './cut.js';

const E = '\u001b';
const start = (t: number, name: string, title: string) =>
  `section_start:${t}:${name}\r${E}[0K${E}[0K${E}[36;1m${title}${E}[0;m${E}[0;m`;
const end = (t: number, name: string) => `section_end:${t}:${name}\r${E}[0K`;

/** A Kubernetes executor whose pod never started, as GitLab Runner writes the trace (escapes and all). */
const systemFailure = [
  `${E}[0KRunning with gitlab-runner 17.6.0 (374d34fd)${E}[0;m`,
  `${E}[0K  on k8s-runner-3 t3_Yzx8u, system ID: s_0f2c6d1e4b7a${E}[0;m`,
  start(1738571312, 'prepare_executor', 'Preparing the "kubernetes" executor'),
  `${E}[0KUsing Kubernetes executor with image maven:3.9 ...${E}[0;m`,
  end(1738571312, 'prepare_executor') + start(1738571312, 'prepare_script', 'Preparing environment'),
  'Waiting for pod runners/runner-t3yzx8u-project-412-concurrent-2-9xk2l to be running, status is Pending',
  `${end(1738571493, 'prepare_script')}${E}[31;1mERROR: Job failed (system failure): prepare environment: waiting for pod running: timed out waiting for pod to start${E}[0;m`,
];

/** A script that failed, then the quiet clean-up section, then the job's verdict on the clean-up's end line. */
const scriptFailure = [
  `${E}[0KRunning with gitlab-runner 17.8.1 (a1b2c3d4)${E}[0;m`,
  start(1772000000, 'get_sources', 'Getting source from Git repository'),
  `${E}[32;1mChecking out 91fe03c2 as detached HEAD (ref is main)...${E}[0;m`,
  end(1772000003, 'get_sources') + start(1772000003, 'step_script', 'Executing "step_script" stage'),
  `${E}[32;1m$ go test ./...${E}[0;m`,
  // A progress line rewritten in place with a bare carriage return.
  'downloading 10%\rdownloading 100%',
  '--- FAIL: TestDrain (0.31s)',
  'FAIL',
  `${end(1772000090, 'step_script')}${start(1772000090, 'cleanup_file_variables[collapsed=true]', 'Cleaning up')}`,
  `${end(1772000091, 'cleanup_file_variables')}${E}[31;1mERROR: Job failed: exit code 1`,
  `${E}[0;m`,
];

describe('GitLab trace: a section marker ends at its carriage return', () => {
  it('the step is the section the failure fell in, and the job-failed line keeps its own start', () => {
    const cut = cutToFailingStep('gitlab', systemFailure);
    expect(cut.step).toBe('prepare_script');
    expect(cut.lines.at(-1)).toMatch(/^ERROR: Job failed \(system failure\): prepare environment/);
    expect(cut.lines.some((l) => l.includes('section_'))).toBe(false);
    expect(cut.lines).toContain('Preparing environment');
    // The classifier reads GitLab's own system-failure line as written.
    const v = classifyCiFailure({ lines: cut.lines, templates: [], commit: 'c1', at: 0 });
    expect(v).toMatchObject({ cls: 'infrastructure', signature: 'runner-system' });
  });

  it('the clean-up section is not the step; collapsed options and rewritten lines stay apart', () => {
    const cut = cutToFailingStep('gitlab', scriptFailure);
    expect(cut.step).toBe('step_script');
    expect(cut.lines).toEqual([
      'Executing "step_script" stage',
      '$ go test ./...',
      'downloading 10%',
      'downloading 100%',
      '--- FAIL: TestDrain (0.31s)',
      'FAIL',
      'Cleaning up',
      'ERROR: Job failed: exit code 1',
    ]);
  });
});
