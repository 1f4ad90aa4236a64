/**
 * The operator's verbs at 3 a.m., each as a real CLI process against a daemon's API on a real socket, signed
 * in with a token: unsilence, reset (which heals again at once), run-playbook, and the stop switch's roles.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Action, AuditEntry, JournalEntry } from '../src/core/index.js';
import { tempDir, waitFor } from './helpers.js';
import { bearer, medicCli, servedPerTest } from './operator-helpers.js';

const serve = servedPerTest();

/** A service healthy while its marker file exists. */
const service = (dir: string, name: string) => `  ${name}:
    checks:
      - command: { command: [test, -f, ${JSON.stringify(path.join(dir, name))}] }
        interval: 300ms
        timeout: 250ms
        down_after: 1`;

/** An exec step that creates `dir/name`, or fails while `dir/name.broken` exists. */
const makeMarker = (dir: string, name: string) =>
  `exec: { command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(
    "const fs = require('fs'); if (fs.existsSync(process.argv[1] + '.broken')) process.exit(1); fs.writeFileSync(process.argv[1], 'x')",
  )}, ${JSON.stringify(path.join(dir, name))}] }`;

function config(dir: string, extra = ''): string {
  return `services:
${['a', 'b', 'c'].map((s) => service(dir, s)).join('\n')}
playbooks:
  make-a:
    when: { service: a, kind: down }
    steps:
      - ${makeMarker(dir, 'a')}
    verify: { within: 3s, stable_for: 300ms }
  # Medic would wait an hour before running these by itself: only a human's word runs them in this test.
  make-b:
    when: { service: b, kind: down, for: 1h }
    steps:
      - ${makeMarker(dir, 'b')}
    verify: { within: 5s, stable_for: 300ms }
  make-b-approved:
    when: { service: b, kind: down, for: 1h }
    autonomy: approve
    steps:
      - ${makeMarker(dir, 'b')}
    verify: { within: 5s, stable_for: 300ms }
  make-c:
    when: { service: c, kind: down, for: 1h }
    steps:
      - ${makeMarker(dir, 'c')}
    verify: { within: 5s, stable_for: 300ms }
policy:
  max_failed_heals: 1
  backoff: { initial: 1s }
${extra}notifiers: []
store: { dir: ./data }
`;
}

describe('the operator verbs', () => {
  it('unsilence ends a silence (no JSON content type without a body; the server takes an empty JSON body too)', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a'), 'x');
    await writeFile(path.join(dir, 'b'), 'x');
    await writeFile(path.join(dir, 'c'), 'x');
    const s = await serve(dir, config(dir));
    const as = { MEDIC_TOKEN: s.tokens.operator };
    const made = await medicCli(['silence', 'service=a', '--for', '1h', '--url', s.url, '--json'], as);
    expect(made.code, made.stderr).toBe(0);
    const silence = JSON.parse(made.stdout) as { id: string; active: boolean };
    expect(silence.active).toBe(true);

    const ended = await medicCli(['unsilence', silence.id, '--url', s.url], as);
    expect(ended.stderr).not.toContain('Body cannot be empty');
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toContain(`${silence.id} ended`);
    expect(await s.medic.store.listSilences({ activeAt: Date.now() })).toHaveLength(0);

    // Another client that sends the header on a bodiless request is served too (as `curl -XDELETE` is).
    const other = await s.medic.engine.createSilence(
      { matchers: [{ name: 'service', op: '=', value: 'b' }], endsAt: Date.now() + 3_600_000 },
      'alice',
    );
    const json = { ...bearer(s.tokens.operator), 'content-type': 'application/json' };
    const del = await fetch(`${s.url}/api/silences/${other.id}`, { method: 'DELETE', headers: json });
    expect(del.status, await del.clone().text()).toBe(200);
    const reset = await fetch(`${s.url}/api/services/a/reset`, { method: 'POST', headers: json });
    expect(reset.status).toBe(200);
    // A route that needs a body still says which field is missing.
    const bad = await fetch(`${s.url}/api/silences`, { method: 'POST', headers: json });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('body.matchers');
  }, 60_000);

  it('reset re-evaluates at once: a service still down after its escalation is healed again', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'b'), 'x');
    await writeFile(path.join(dir, 'c'), 'x');
    // make-a fails while a.broken exists: the one heal allowed fails and the service is escalated.
    await writeFile(path.join(dir, 'a.broken'), 'x');
    const s = await serve(dir, config(dir));
    const escalated = await waitFor(
      'a escalated',
      async () => ((await s.medic.store.getGuardState('a'))?.escalated ? true : null),
      20_000,
    );
    expect(escalated).toBe(true);
    const before = (await s.medic.store.listActions({ service: 'a' })).items.filter(
      (x) => x.playbook === 'make-a',
    );
    expect(before.map((x) => x.state)).toEqual(['failed']);

    // The human fixes what made the heal fail and resets the service.
    const { rm } = await import('node:fs/promises');
    await rm(path.join(dir, 'a.broken'));
    const reset = await medicCli(['reset', 'a', '--url', s.url], { MEDIC_TOKEN: s.tokens.operator });
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('decided now');

    const healed = await waitFor(
      'a healed after the reset',
      async () =>
        (await s.medic.store.listActions({ service: 'a' })).items.find(
          (x) => x.playbook === 'make-a' && x.state === 'verified',
        ),
      20_000,
    );
    expect(healed).toBeTruthy();
    expect(existsSync(path.join(dir, 'a'))).toBe(true);
    const audit = await s.medic.store.listAudit({ limit: 200 });
    expect(audit.find((e) => e.event === 'guard.reset')).toMatchObject({ actor: 'alice', subject: 'a' });
  }, 60_000);

  it('run-playbook runs a playbook a human chose through the guard and approvals, audited with their name', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a'), 'x');
    const s = await serve(dir, config(dir));
    const as = (token: string) => ({ MEDIC_TOKEN: token });
    const open = (svc: string) =>
      waitFor(`${svc} has an open incident`, () => s.medic.store.activeIncident(svc), 15_000);
    await open('b');
    await open('c');

    // A viewer may not; a playbook that does not exist, or that is for another service, is refused.
    const viewer = await medicCli(['run-playbook', 'c', 'make-c', '--url', s.url], as(s.tokens.viewer));
    expect(viewer.code).not.toBe(0);
    expect(viewer.stderr).toContain('403');
    const unknown = await medicCli(['run-playbook', 'c', 'nope', '--url', s.url], as(s.tokens.operator));
    expect(unknown.stderr).toContain('404');
    const other = await medicCli(['run-playbook', 'c', 'make-b', '--url', s.url], as(s.tokens.operator));
    expect(other.stderr).toMatch(/400 playbook make-b is for b, not c/);

    // Allowed by the guard: it runs now, journaled and verified like any heal.
    const ran = await medicCli(['run-playbook', 'c', 'make-c', '--url', s.url], as(s.tokens.operator));
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('make-c is running on c');
    const verified = await waitFor(
      'make-c verified',
      async () =>
        (await s.medic.store.listActions({ service: 'c' })).items.find(
          (x) => x.playbook === 'make-c' && x.state === 'verified',
        ),
      20_000,
    );
    expect(verified.reason).toContain('alice asked to run make-c');
    expect(existsSync(path.join(dir, 'c'))).toBe(true);

    // A playbook whose autonomy is approve waits for a human's approval, as any heal of it would.
    const asked = await medicCli(
      ['run-playbook', 'b', 'make-b-approved', '--url', s.url, '--json'],
      as(s.tokens.operator),
    );
    expect(asked.code, asked.stderr).toBe(0);
    const request = JSON.parse(asked.stdout) as { verdict: string; actions: Action[] };
    expect(request.verdict).toBe('ask');
    expect(request.actions.map((x) => x.state)).toEqual(['awaiting_approval']);
    expect(existsSync(path.join(dir, 'b'))).toBe(false);
    // While it waits, another run on the incident is refused: approve or reject it first.
    const meanwhile = await medicCli(['run-playbook', 'b', 'make-b', '--url', s.url], as(s.tokens.operator));
    expect(meanwhile.stderr).toMatch(/409 .*waits for approval/);
    const approved = await medicCli(
      ['approve', request.actions[0]!.id, '--url', s.url],
      as(s.tokens.operator),
    );
    expect(approved.code, approved.stderr).toBe(0);
    await waitFor('b healed', () => existsSync(path.join(dir, 'b')), 20_000);
    const journal = await s.medic.store.journal(request.actions[0]!.id);
    expect(journal.map((j: JournalEntry) => j.state)).toEqual(
      expect.arrayContaining(['awaiting_approval', 'planned', 'applied']),
    );

    // Audited under the token's name: the request, and the guard's verdict on it.
    const audit: AuditEntry[] = await s.medic.store.listAudit({ limit: 500 });
    const requested = audit.filter((e) => e.event === 'playbook.run_requested');
    expect(requested.map((e) => [e.actor, e.subject, e.data['verdict']])).toEqual(
      expect.arrayContaining([
        ['alice', 'c', 'run'],
        ['alice', 'b', 'ask'],
      ]),
    );
    expect(audit.find((e) => e.event === 'api.request' && e.subject.includes('/playbooks/'))).toMatchObject({
      actor: 'alice',
      subject: 'POST /api/services/:name/playbooks/:playbook/run',
    });
    expect((await s.medic.store.verifyAudit()).ok).toBe(true);
  }, 90_000);

  it('run-playbook refuses what the guard refuses, with its reason, and needs an open incident', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a'), 'x');
    await writeFile(path.join(dir, 'b'), 'x');
    const s = await serve(dir, config(dir));
    const op = { MEDIC_TOKEN: s.tokens.operator };
    const none = await medicCli(['run-playbook', 'b', 'make-b', '--url', s.url], op);
    expect(none.stderr).toMatch(/409 b has no open incident/);
    await waitFor('c has an open incident', () => s.medic.store.activeIncident('c'), 15_000);
    await s.medic.engine.stopHealing('root', 'maintenance by hand');
    const stopped = await medicCli(['run-playbook', 'c', 'make-c', '--url', s.url], op);
    expect(stopped.stderr).toMatch(/409 playbook make-c not run on c: healing is stopped by root/);
    expect(existsSync(path.join(dir, 'c'))).toBe(false);
  }, 60_000);

  it('an operator may stop healing (a brake) and resume it; a viewer may do neither', async () => {
    const dir = await tempDir();
    for (const n of ['a', 'b', 'c']) await writeFile(path.join(dir, n), 'x');
    const s = await serve(dir, config(dir));
    const stop = await medicCli(['stop-healing', '--reason', 'paged at 3am', '--url', s.url], {
      MEDIC_TOKEN: s.tokens.operator,
    });
    expect(stop.code, stop.stderr).toBe(0);
    expect((await s.medic.engine.healingSwitch()).stopped).toBe(true);
    const post = (route: string, token: string) =>
      fetch(`${s.url}${route}`, { method: 'POST', headers: bearer(token) });
    expect((await post('/api/healing/stop', s.tokens.viewer)).status).toBe(403);
    expect((await post('/api/healing/resume', s.tokens.viewer)).status).toBe(403);
    expect((await s.medic.engine.healingSwitch()).stopped).toBe(true);
    const resume = await medicCli(['resume-healing', '--reason', 'fixed by hand', '--url', s.url], {
      MEDIC_TOKEN: s.tokens.operator,
    });
    expect(resume.code, resume.stderr).toBe(0);
    expect((await s.medic.engine.healingSwitch()).stopped).toBe(false);
    const doc = (await (await fetch(`${s.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { 'x-medic-role': string }>>;
    };
    expect(doc.paths['/api/healing/stop']?.['post']?.['x-medic-role']).toBe('operator');
    expect(doc.paths['/api/healing/resume']?.['post']?.['x-medic-role']).toBe('operator');
    expect(doc.paths['/api/services/{name}/playbooks/{playbook}/run']?.['post']?.['x-medic-role']).toBe(
      'operator',
    );
  }, 60_000);
});
