import { readFile } from 'node:fs/promises';
import { type Fault, pathVar, writeText } from './fault.js';

/** The file's content before the fault, by path, for undo. */
const saved = new Map<string, string>();

export const badConfigFault: Fault = {
  name: 'bad-config',
  description: "write an out-of-range value into the service's settings file (CONFIG_FILE): its work fails",
  program: 'demo-service',
  needs: ['CONFIG_FILE'],
  // The file differs from its known good version (config_files: the drill breaks it once every service has
  // been healthy long enough for one to be recorded) and changed just before the failure.
  expectCause: ['config_changed'],
  async inject(t) {
    const file = pathVar(t, 'bad-config', 'CONFIG_FILE');
    const text = await readFile(file, 'utf8');
    // A second injection before the first was undone (chaos repeats faults) must keep the good text.
    if (!saved.has(file)) saved.set(file, text);
    const settings = JSON.parse(text) as Record<string, unknown>;
    await writeText(file, `${JSON.stringify({ ...settings, work_iterations: -1 }, null, 2)}\n`);
  },
  async undo(t) {
    const file = pathVar(t, 'bad-config', 'CONFIG_FILE');
    const text = saved.get(file);
    if (text === undefined) return;
    saved.delete(file);
    const now = await readFile(file, 'utf8').catch(() => null);
    if (now !== text) await writeText(file, text);
  },
};
