/**
 * Test fixtures for the API (not part of the build): a Medic over a temporary store whose config names one
 * unsupervised service and an approval playbook, plus helpers to seed incidents and waiting actions.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import type { Action, Incident } from '../core/index.js';
import { tempDir } from '../core/temp-dir.fixture.js';
import { createMedic, type Medic } from '../daemon/index.js';
import { type ApiOptions, type BuiltApi, buildApi } from './server.js';
import type { Role } from './tokens.js';

export const FIXTURE_CONFIG = `services:
  web:
    checks:
      - name: health
        command: { command: [${JSON.stringify(process.execPath)}, "-e", "0"] }
        interval: 1h
        timeout: 5s
playbooks:
  restart-web:
    when: { service: web, kind: down }
    autonomy: approve
    steps:
      - exec: { command: [${JSON.stringify(process.execPath)}, "-e", "0"] }
notifiers: []
store: { dir: ./data }
`;

export interface ApiFixture {
  dir: string;
  medic: Medic;
  api: BuiltApi;
  /** Bearer tokens by role, created on demand. */
  tokens: Record<Role, string>;
  close(): Promise<void>;
}

export async function apiFixture(opts: ApiOptions & { withTokens?: boolean } = {}): Promise<ApiFixture> {
  const dir = await tempDir('medic-api-');
  const file = path.join(dir, 'medic.yaml');
  await writeFile(file, FIXTURE_CONFIG);
  const medic = await createMedic({ configFile: file, watch: false, logger: pino({ level: 'silent' }) });
  const api = buildApi(medic, { webRoot: null, ...opts });
  const tokens = {} as Record<Role, string>;
  if (opts.withTokens ?? true) {
    for (const role of ['viewer', 'operator', 'admin'] as const)
      tokens[role] = (await api.tokens.create(`${role}-bot`, role)).token;
  }
  await api.app.ready();
  await medic.start();
  return {
    dir,
    medic,
    api,
    tokens,
    close: async () => {
      api.close();
      await api.app.close();
      await medic.stop();
    },
  };
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` });

let seq = 0;

/** An incident of `web` in `state`, opened `at`. */
export async function seedIncident(
  medic: Medic,
  at: number,
  state: Incident['state'] = 'open',
): Promise<Incident> {
  const i: Incident = {
    id: `inc_seed${String(++seq).padStart(8, '0')}`,
    service: 'web',
    state,
    title: `web is down (${seq})`,
    severity: 'critical',
    rootCause: null,
    openedAt: at,
    updatedAt: at,
    resolvedAt: state === 'resolved' ? at + 1000 : null,
  };
  await medic.store.createIncident(i, 'seeded');
  return i;
}

/** A one-step heal of `web` waiting for approval, in an open incident. */
export async function seedWaitingAction(medic: Medic): Promise<Action> {
  const now = Date.now();
  const incident = await seedIncident(medic, now);
  const a: Action = {
    id: `act_seed${String(++seq).padStart(8, '0')}`,
    incidentId: incident.id,
    service: 'web',
    playbook: 'restart-web',
    step: 0,
    kind: 'exec',
    params: { runId: `run_${seq}` },
    state: 'awaiting_approval',
    dryRun: false,
    reason: 'autonomy is approve: waiting for a human',
    createdAt: now,
    updatedAt: now,
  };
  await medic.store.createAction(a, 'waiting for approval');
  return a;
}
