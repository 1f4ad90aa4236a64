import { readFile } from 'node:fs/promises';
import { type Fault, pathVar, writeText } from './fault.js';

/** The file's content before the fault, by path, for undo. */
const saved = new Map<string, string>();

/**
 * A hand edit of the service's settings file (CONFIG_FILE) that keeps it valid: the service stays healthy,
 * so only drift watching (`drift.files` with `correct: true`) sees it, and the drift playbook puts the known
 * good version back.
 */
export const configDriftFault: Fault = {
  name: 'config-drift',
  description:
    "edit the service's settings file (CONFIG_FILE) by hand, keeping it valid: only drift watching sees it",
  program: 'demo-service',
  needs: ['CONFIG_FILE'],
  expect: ['drift'],
  // A watched settings file that differs from its known good version (rules.ts).
  expectCause: ['config_changed'],
  async inject(t) {
    const file = pathVar(t, 'config-drift', 'CONFIG_FILE');
    const text = await readFile(file, 'utf8');
    if (!saved.has(file)) saved.set(file, text);
    const settings = JSON.parse(text) as Record<string, unknown>;
    const greeting = `${String(settings['greeting'] ?? 'hello')} (edited by hand)`;
    await writeText(file, `${JSON.stringify({ ...settings, greeting }, null, 2)}\n`);
  },
  async undo(t) {
    const file = pathVar(t, 'config-drift', 'CONFIG_FILE');
    const text = saved.get(file);
    if (text === undefined) return;
    saved.delete(file);
    const now = await readFile(file, 'utf8').catch(() => null);
    if (now !== text) await writeText(file, text);
  },
};
